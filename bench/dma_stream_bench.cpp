// Simulated DRAM bytes per wall-second for the dma-stream scenario (64 MiB DRAM -> SRAM -> DRAM).
// Run by hand: build/bench/dma_stream_bench (not part of ctest).
#include <benchmark/benchmark.h>

#include "platform/simulation.h"

using namespace cimvp;

namespace {

void DmaStreamScenario(benchmark::State& state) {
    for (auto _ : state) {
        // One scenario per process: SystemC elaborates once, so this runs a single iteration.
        Simulation simulation(load_scenario(std::string(CIMVP_SOURCE_DIR) + "/scenarios/dma-stream.yaml"));
        simulation.run();
        const nlohmann::json& report = simulation.report();
        const double wall = report["wall_time_s"].get<double>();
        const double dram_bytes = report["workload"]["dram_bytes"].get<double>();
        state.SetIterationTime(wall);
        state.counters["dram_bytes_per_wall_s"] = dram_bytes / wall;
        state.counters["sim_ns_per_wall_s"] = report["sim_time_ns"].get<double>() / wall;
    }
}

}  // namespace

BENCHMARK(DmaStreamScenario)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

int sc_main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
