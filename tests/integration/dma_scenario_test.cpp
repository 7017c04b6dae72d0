// The DMA scenarios end to end: every byte arrives, and the DRAM behaves as its timing says:
// a sequential stream runs near the channel's peak, random 256 B tiles pay for opening rows.
#include <gtest/gtest.h>

#include "platform/simulation.h"
#include "tests/support/temp_files.h"

using namespace cimvp;

namespace {

nlohmann::json run_scenario(const std::string& path) {
    Simulation simulation(load_scenario(path));
    simulation.run();
    EXPECT_TRUE(simulation.checks_passed());
    return simulation.report();
}

}  // namespace

TEST(DmaScenario, SequentialStreamCopies64MiBNearPeakBandwidth) {
    const nlohmann::json report = run_scenario("scenarios/dma-stream.yaml");
    const auto& workload = report["workload"];
    EXPECT_TRUE(workload["check"]["outputs_match"].get<bool>());
    EXPECT_EQ(workload["check"]["compared"].get<uint64_t>(), 64u << 20);
    // DDR4-2400 on a 64-bit bus: 2400 MT/s x 8 B.
    EXPECT_DOUBLE_EQ(workload["dram_peak_gbps"].get<double>(), 19.2);
    const double fraction = workload["dram_bandwidth_fraction"].get<double>();
    std::printf("sequential: %.1f%% of peak, row hit rate %.3f\n", 100 * fraction,
                workload["dram_row_hit_rate"].get<double>());
    // Read/write turnarounds, refresh and descriptor fetches keep it below 1; rows stay open.
    EXPECT_GT(fraction, 0.7);
    EXPECT_LT(fraction, 1.0);
    EXPECT_GT(workload["dram_row_hit_rate"].get<double>(), 0.95);
    // Every byte crossed DRAM twice (read and write) plus the 64-byte descriptors.
    const auto& dram = report["components"]["dram"]["counters"];
    EXPECT_EQ(dram["bytes_read"].get<uint64_t>(), (64u << 20) + 2048u * 64u);
    EXPECT_EQ(dram["bytes_written"].get<uint64_t>(), 64u << 20);
    EXPECT_EQ(report["components"]["gbuf"]["counters"]["bytes_written"].get<uint64_t>(), 64u << 20);
}

TEST(DmaScenario, RandomRowsPayTheRowMissPenalty) {
    const nlohmann::json report = run_scenario("scenarios/dma-random-rows.yaml");
    const auto& workload = report["workload"];
    EXPECT_TRUE(workload["check"]["outputs_match"].get<bool>());
    const double fraction = workload["dram_bandwidth_fraction"].get<double>();
    std::printf("random rows: %.1f%% of peak, row hit rate %.3f\n", 100 * fraction,
                workload["dram_row_hit_rate"].get<double>());
    EXPECT_LT(fraction, 0.3);
    const auto& dram = report["components"]["dram"]["counters"];
    EXPECT_GT(dram["row_conflicts"].get<uint64_t>() + dram["row_misses"].get<uint64_t>(), 32768u);
}

TEST(DmaScenario, ReportHasTheSchemaKeys) {
    const nlohmann::json report = run_scenario("scenarios/dma-random-rows.yaml");
    EXPECT_EQ(report["schema"].get<int>(), 1);
    EXPECT_EQ(report["scenario"].get<std::string>(), "dma-random-rows");
    EXPECT_GT(report["sim_time_ns"].get<double>(), 0.0);
    EXPECT_GE(report["wall_time_s"].get<double>(), 0.0);
    for (const char* name : {"host", "noc", "dma", "gbuf", "dram"}) {
        const auto& entry = report["components"][name];
        for (const char* key : {"type", "energy_pj", "energy_pj_total", "area_um2", "busy_ns", "counters"}) {
            EXPECT_TRUE(entry.contains(key)) << name << "." << key;
        }
    }
    double energy = 0;
    for (const auto& [name, entry] : report["components"].items()) energy += entry["energy_pj_total"].get<double>();
    EXPECT_DOUBLE_EQ(report["totals"]["energy_pj"].get<double>(), energy);
    EXPECT_DOUBLE_EQ(report["totals"]["latency_ns"].get<double>(), report["sim_time_ns"].get<double>());
}

TEST(DmaScenario, WorkloadWithoutARequiredParameterIsRejectedAtItsLine) {
    const std::string path = cimvp::testing::temp_path("bad-workload.yaml");
    FILE* file = std::fopen(path.c_str(), "w");
    std::fprintf(file,
                 "scenario: bad\n"
                 "platform: %s/scenarios/platforms/dma-soc.yaml\n"
                 "workload:\n"
                 "  type: dma_stream\n"
                 "  params: {source: 0x8000_0000}\n",
                 CIMVP_SOURCE_DIR);
    std::fclose(file);
    try {
        Simulation simulation(load_scenario(path));
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()),
                  path + ":4:3: error: missing required parameter 'dma_registers' (address of the DMA engine's "
                         "register window)");
    }
}
