// Bank interleaving and conflicts of the SRAM buffer against closed-form cycle counts.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include "models/memory/sram_buffer.h"
#include "platform/registry.h"

using namespace cimvp;

namespace {

// Issues a list of accesses at chosen start times straight into one target socket, without
// waiting in between, as concurrent initiators would.
struct BurstInitiator : sc_core::sc_module {
    struct Access {
        uint64_t address;
        unsigned length;
        sc_core::sc_time done;
        tlm::tlm_response_status status;
    };
    tlm_utils::simple_initiator_socket<BurstInitiator> socket;
    std::vector<Access> accesses;

    SC_HAS_PROCESS(BurstInitiator);
    explicit BurstInitiator(sc_core::sc_module_name name) : sc_core::sc_module(name), socket("socket") {
        SC_THREAD(issue);
    }
    void issue() {
        std::vector<uint8_t> data(4096);
        for (Access& access : accesses) {
            tlm::tlm_generic_payload payload;
            payload.set_command(tlm::TLM_WRITE_COMMAND);
            payload.set_address(access.address);
            payload.set_data_ptr(data.data());
            payload.set_data_length(access.length);
            payload.set_streaming_width(access.length);
            sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
            socket->b_transport(payload, delay);
            access.done = delay;
            access.status = payload.get_response_status();
        }
    }
};

const char* kParams =
    "{size: 4KiB, banks: 4, width: 8B, clock: 1GHz, read_latency: 0ns, write_latency: 0ns, write_energy: 2pJ,"
    " bitcell_area: 0.1um2, array_efficiency: 0.5}";

// The buffer alone, created through the registry, with the test initiator bound to its socket.
struct Bench {
    std::unique_ptr<Component> component = ModelRegistry::instance().find("sram_buffer")->create(
        ComponentContext{"buf", "sram_buffer", YAML::Load(kParams), "test.yaml", {}, 1e9});
    SramBuffer& buffer = dynamic_cast<SramBuffer&>(*component);
    BurstInitiator initiator{"initiator"};
    Bench() { initiator.socket.bind(*buffer.target_ports().at("tgt").socket); }
};

sc_core::sc_time ns(double value) { return sc_core::sc_time(value, sc_core::SC_NS); }

}  // namespace

TEST(SramBuffer, ConsecutiveWordsSpreadOverBanks) {
    Bench bench;
    // 8 words over 4 banks: 2 cycles per bank.
    bench.initiator.accesses = {{0, 64, {}, {}}};
    sc_core::sc_start();
    EXPECT_EQ(bench.initiator.accesses[0].done, ns(2));
    EXPECT_EQ(bench.buffer.counters().get("bank_conflict_cycles"), 0u);
    EXPECT_DOUBLE_EQ(bench.buffer.energy().total_pj(), 8 * 2.0);
}

TEST(SramBuffer, AccessesToDifferentBanksProceedInParallel) {
    Bench bench;
    // Words 0-1 sit in banks 0-1, words 2-3 in banks 2-3: no shared bank.
    bench.initiator.accesses = {{0, 16, {}, {}}, {16, 16, {}, {}}};
    sc_core::sc_start();
    EXPECT_EQ(bench.initiator.accesses[0].done, ns(1));
    EXPECT_EQ(bench.initiator.accesses[1].done, ns(1));
    EXPECT_EQ(bench.buffer.counters().get("bank_conflict_cycles"), 0u);
}

TEST(SramBuffer, AccessesToTheSameBankSerialize) {
    Bench bench;
    // Word 0 and word 4 both live in bank 0: the second waits one cycle.
    bench.initiator.accesses = {{0, 8, {}, {}}, {32, 8, {}, {}}, {64, 8, {}, {}}};
    sc_core::sc_start();
    EXPECT_EQ(bench.initiator.accesses[0].done, ns(1));
    EXPECT_EQ(bench.initiator.accesses[1].done, ns(2));
    EXPECT_EQ(bench.initiator.accesses[2].done, ns(3));
    EXPECT_EQ(bench.buffer.counters().get("bank_conflict_cycles"), 1u + 2u);
}

TEST(SramBuffer, RejectsOutOfRangeAccesses) {
    Bench bench;
    bench.initiator.accesses = {{4096 - 8, 16, {}, {}}, {8192, 8, {}, {}}};
    sc_core::sc_start();
    EXPECT_EQ(bench.initiator.accesses[0].status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(bench.initiator.accesses[1].status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

TEST(SramBuffer, AreaIsBitsTimesCellOverEfficiency) {
    Bench bench;
    EXPECT_DOUBLE_EQ(bench.buffer.area_um2(), 4096 * 8 * 0.1 / 0.5);
}
