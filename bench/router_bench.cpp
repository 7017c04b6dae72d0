// Loosely-timed transactions per wall-second through one router hop into an sram_buffer, with
// and without DMI. Run by hand: build/bench/router_bench (not part of ctest).
#include <benchmark/benchmark.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include <chrono>
#include <cstring>

#include "platform/registry.h"
#include "platform/payload_pool.h"

using namespace cimvp;

namespace {


// Issues `count` 8-byte writes to consecutive words, through b_transport or through a DMI
// pointer, keeping time with a quantum keeper as a loosely-timed initiator should.
struct Traffic : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Traffic> socket;
    sc_core::sc_event go;
    uint64_t count = 0;
    bool use_dmi = false;
    PayloadPool pool;

    SC_HAS_PROCESS(Traffic);
    explicit Traffic(sc_core::sc_module_name name) : sc_core::sc_module(name), socket("socket") { SC_THREAD(run); }

    void run() {
        tlm_utils::tlm_quantumkeeper keeper;
        keeper.reset();
        for (;;) {
            sc_core::wait(go);
            uint64_t value = 0;
            tlm::tlm_dmi dmi;
            if (use_dmi) {
                PooledPayload request(pool);
                request->set_address(0x1000'0000);
                request->set_command(tlm::TLM_WRITE_COMMAND);
                if (!socket->get_direct_mem_ptr(*request, dmi)) throw std::runtime_error("DMI refused");
            }
            PooledPayload payload(pool);
            for (uint64_t i = 0; i < count; ++i) {
                const uint64_t address = 0x1000'0000 + (i * 8) % (1 << 20);
                value = i;
                if (use_dmi) {
                    std::memcpy(dmi.get_dmi_ptr() + (address - dmi.get_start_address()), &value, 8);
                    keeper.inc(dmi.get_write_latency());
                } else {
                    payload->set_command(tlm::TLM_WRITE_COMMAND);
                    payload->set_address(address);
                    payload->set_data_ptr(reinterpret_cast<unsigned char*>(&value));
                    payload->set_data_length(8);
                    payload->set_streaming_width(8);
                    payload->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
                    sc_core::sc_time delay = keeper.get_local_time();
                    socket->b_transport(*payload, delay);
                    if (!payload->is_response_ok()) throw std::runtime_error("write failed");
                    keeper.set(delay);
                }
                if (keeper.need_sync()) keeper.sync();
            }
            keeper.sync();
        }
    }
};

std::unique_ptr<Component> create(const std::string& name, const std::string& type, const std::string& params) {
    return ModelRegistry::instance().find(type)->create(
        ComponentContext{name, type, YAML::Load(params), "bench", {}, 1e9});
}

// traffic -> router -> sram_buffer, wired by hand the way the netlist builder does it.
struct World {
    std::unique_ptr<Component> router = create("noc", "router", "{}");
    std::unique_ptr<Component> buffer = create("buf", "sram_buffer", "{size: 1MiB, dmi: true}");
    std::unique_ptr<Traffic> traffic;
    World() {
        traffic = std::make_unique<Traffic>("traffic");
        router->map_window("out", 0x1000'0000, buffer->address_span(), "buf", {});
        router->initiator_ports().at("out").bind(*buffer->target_ports().at("tgt").socket);
        traffic->socket.bind(*router->target_ports().at("in").socket);
        tlm::tlm_global_quantum::instance().set(sc_core::sc_time(1, sc_core::SC_US));
    }
};

World& world() {
    static World instance;  // SystemC elaborates once per process
    return instance;
}

void run_batch(benchmark::State& state, bool use_dmi) {
    World& bench = world();
    const uint64_t count = 10'000'000;
    for (auto _ : state) {
        bench.traffic->count = count;
        bench.traffic->use_dmi = use_dmi;
        bench.traffic->go.notify(sc_core::SC_ZERO_TIME);
        const auto start = std::chrono::steady_clock::now();
        sc_core::sc_start(sc_core::sc_time_stamp() + sc_core::sc_time(1, sc_core::SC_SEC));
        state.SetIterationTime(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * count));
    state.counters["transactions_per_s"] =
        benchmark::Counter(static_cast<double>(state.iterations() * count), benchmark::Counter::kIsRate);
}

void RouterHopIntoSramBuffer(benchmark::State& state) { run_batch(state, false); }
void DmiIntoSramBuffer(benchmark::State& state) { run_batch(state, true); }

}  // namespace

BENCHMARK(RouterHopIntoSramBuffer)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);
BENCHMARK(DmiIntoSramBuffer)->UseManualTime()->Iterations(3)->Unit(benchmark::kMillisecond);

int sc_main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
