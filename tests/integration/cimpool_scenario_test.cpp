// CIMPool end to end: scenarios/small-cnn-cimpool.yaml compresses small_cnn_cifar10's two inner convs
// to a weight pool, compiles them for pool mode on the CIMPool chip, runs them, and compares every
// output with the integer interpreter. The pool macros' and crossbars' work is checked against the
// closed form of the mapping (docs/backend.md, "Weight-pool layers in pool mode").
#include <gtest/gtest.h>

#include <fstream>

#include "platform/simulation.h"
#include "tests/support/report_queries.h"
#include "tests/support/temp_files.h"

using namespace cimvp;
using cimvp::testing::expect_layer_copied;
using cimvp::testing::expect_outputs_match;
using cimvp::testing::layer_named;
using cimvp::testing::run_report;
using cimvp::testing::sum_counter;

namespace {

// A pooled conv of small_cnn_cifar10 (3x3, pad 1, stride 1) and how the kernel_row cut splits its
// kw*C span into 128-long segments.
struct PooledConv {
    const char* name;
    int64_t height, width, in_channels, out_channels;
    std::vector<int64_t> segment_lengths;
};
const PooledConv kPooledConvs[] = {{"conv2", 16, 16, 32, 64, {96}},          // span 3 x 32 = 96
                                   {"conv3", 8, 8, 64, 128, {128, 64}}};     // span 3 x 64 = 192

}  // namespace

TEST(CimPoolScenario, SmallCnnInPoolModeMatchesTheReferenceBitForBit) {
    Simulation simulation(load_scenario("scenarios/small-cnn-cimpool.yaml"));
    simulation.run();
    ASSERT_TRUE(simulation.checks_passed());
    const nlohmann::json& report = simulation.report();
    const nlohmann::json& workload = report["workload"];
    EXPECT_TRUE(workload["check"]["outputs_match"].get<bool>());
    EXPECT_EQ(workload["check"]["compared"].get<int>(), 10);
    EXPECT_EQ(workload["check"]["mismatches"].get<int>(), 0);

    // Each band's pool MVM covers (rows - 1) * padded width + width positions of one kernel row's
    // segment against all 128 pool vectors, so over a layer the pool macros compute
    // (padded_width * (H - bands) + W * bands) * kh * sum(segment lengths) * 128 MACs; the crossbar
    // routes one value per position, kernel row, segment and output channel.
    uint64_t pool_macs = 0, routed = 0;
    for (const PooledConv& conv : kPooledConvs) {
        const nlohmann::json& layer = layer_named(report["layers"], conv.name);
        const int64_t bands = layer["bands"].get<int64_t>();
        const int64_t positions = (conv.width + 2) * (conv.height - bands) + conv.width * bands;
        int64_t span = 0;
        for (int64_t length : conv.segment_lengths) span += length;
        pool_macs += static_cast<uint64_t>(positions * 3 * span * 128);
        routed += static_cast<uint64_t>(positions * 3 * static_cast<int64_t>(conv.segment_lengths.size()) *
                                        conv.out_channels);
    }
    EXPECT_EQ(sum_counter(report, "sram_cim_macro", "macs") -
                  sum_counter(report, "sram_cim_macro", "macs", "c0_m") -
                  sum_counter(report, "sram_cim_macro", "macs", "c1_m") -
                  sum_counter(report, "sram_cim_macro", "macs", "c2_m") -
                  sum_counter(report, "sram_cim_macro", "macs", "c3_m"),
              pool_macs);
    EXPECT_EQ(sum_counter(report, "permutation_crossbar", "elements_routed"), routed);

    // Compression: the pooled layers take well under one bit per weight, the dense ones 8.
    const nlohmann::json& pool = workload["weight_pool"];
    EXPECT_EQ(pool["pool_size"].get<int>(), 128);
    EXPECT_LT(pool["effective_bits_per_weight"].get<double>(), 1.0);
    EXPECT_GT(pool["effective_bits_per_weight"].get<double>(), 0.0);
    for (const nlohmann::json& layer : pool["layers"]) {
        const bool inner = layer["name"] == "conv2" || layer["name"] == "conv3";
        EXPECT_EQ(layer["pooled"].get<bool>(), inner) << layer["name"];
    }
}

TEST(CimPoolScenario, WithoutPoolHardwareAPooledNetworkRunsFromItsDenseWeights) {
    // The same compressed network on the single-macro SoC: the pass also stored each pooled layer's
    // weights a*pool[idx] + b*error densely, so it maps as ordinary layers with the same results.
    std::ifstream source("scenarios/small-cnn-cimpool.yaml");
    std::string text((std::istreambuf_iterator<char>(source)), std::istreambuf_iterator<char>());
    const std::string from = "platform: platforms/cimpool.yaml";
    text.replace(text.find(from), from.size(), "platform: " + std::string(CIMVP_SOURCE_DIR) +
                                                   "/scenarios/platforms/sram-cim-soc.yaml");
    Simulation simulation(load_scenario(cimvp::testing::write_temp("pooled-on-dense.yaml", text)));
    simulation.run();
    ASSERT_TRUE(simulation.checks_passed());
    const nlohmann::json& workload = simulation.report()["workload"];
    EXPECT_TRUE(workload["check"]["outputs_match"].get<bool>());
    EXPECT_EQ(workload["check"]["mismatches"].get<int>(), 0);
    // The network really was compressed: the same pass ran, only the mapping differs.
    EXPECT_LT(workload["weight_pool"]["effective_bits_per_weight"].get<double>(), 1.0);
}

TEST(CimPoolScenario, CompressionAndAreaFollowTheirClosedFormsAndTheRunIsPinned) {
    Simulation simulation(load_scenario("scenarios/small-cnn-cimpool.yaml"));
    simulation.run();
    ASSERT_TRUE(simulation.checks_passed());
    const nlohmann::json& workload = simulation.report()["workload"];

    // Bits of the two pooled convs: 7-bit indices per (channel, kernel row, segment); error blocks
    // of 16 span rows x 8 channels, half of them kept (conv2: 6 x 3 x 8 = 144 blocks, conv3:
    // 12 x 3 x 16 = 576), 128 bits each plus one mask bit per block; two 8-bit scales per layer;
    // and the 128 x 128 binary pool once.
    const int64_t index_bits = 64 * 3 * 1 * 7 + 128 * 3 * 2 * 7;
    const int64_t error_bits = (144 / 2 + 576 / 2) * 128;
    const int64_t bits = index_bits + error_bits + (144 + 576) + 2 * 16 + 128 * 128;
    EXPECT_DOUBLE_EQ(workload["weight_pool"]["effective_bits_per_weight"].get<double>(),
                     static_cast<double>(bits) / (18432 + 73728));

    // All weights on chip: conv1's three 9-row tiles and the classifier's 128-row tile at 8 bits
    // (8 columns per channel), plus the kept error blocks; the fewest 128 x 128 macros holding them;
    // the indices in SRAM at the buffer's density; each core's pool macro and 16-bit Benes crossbar.
    const nlohmann::json& resident = workload["weights_on_chip"];
    const int64_t cells = 3 * 9 * 32 * 8 + 128 * 10 * 8 + (144 / 2 + 576 / 2) * 16 * 8;
    EXPECT_EQ(resident["cim_cells"].get<int64_t>(), cells);
    EXPECT_EQ(resident["macros"].get<int64_t>(), (cells + 16383) / 16384);
    EXPECT_EQ(resident["index_bits"].get<int64_t>(), index_bits);
    const double macro_um2 = 128 * 128 * 0.127 + 16 * (477 + 60);  // cells, ADCs and shift-adders
    const double crossbar_um2 = 64 * 13 * 16 * 3.97;                // 832 2x2 switches x 16 bits
    EXPECT_NEAR(resident["macro_area_um2"].get<double>(), 4 * macro_um2, 1e-6);
    EXPECT_NEAR(resident["index_sram_area_um2"].get<double>(), index_bits / 8 * 8 * 0.127 / 0.7, 1e-6);
    EXPECT_NEAR(resident["pool_hardware_area_um2"].get<double>(), 4 * (macro_um2 + crossbar_um2), 1e-6);

    // Latency and energy of this run, pinned so that a model change shows up here with both numbers.
    // (1.290 ms and 401.4 uJ while macros fetched input rows one transaction each, waiting for each;
    // 963.2 us and 316.1 uJ while router ports and buffer banks kept one busy-until time each, so a
    // booking made a quantum ahead held up earlier requests. The energy follows the latency through
    // the DRAM's background and refresh energy; 687.1 us and 244.1 uJ before the queue credits of
    // 5 December 2026 and while the DMA engine moved short rows one read and one write each, every
    // write waiting for the one before; 659.7 us and 233.5 uJ while the scheduler fetched one
    // instruction per read and drained every engine each time its command ring wrapped; 656.2 us and
    // 230.2 uJ while conv2 ran on one core of four.)
    EXPECT_NEAR(workload["latency_ns"].get<double>(), 523423.2, 523423.2 * 0.01);
    EXPECT_NEAR(workload["energy_per_inference_pj"].get<double>(), 194.588e6, 194.588e6 * 0.01);
}

TEST(CimPoolScenario, APooledLayerThatLeavesCoresIdleRunsItsBandsOnCopiesThere) {
    const nlohmann::json replicated = run_report("scenarios/small-cnn-cimpool.yaml", "", "replicated");
    const nlohmann::json plain =
        run_report("scenarios/small-cnn-cimpool.yaml", "--set workload.params.replicate=false", "plain");
    expect_outputs_match(replicated, 10);
    expect_outputs_match(plain, 10);
    // conv2's 64 channels are one pool group, so alone it runs on core 0. Two copies (cores 0-1 and
    // 2-3) share its three bands; each copy's pool macro and crossbar handle the bands it computes.
    expect_layer_copied(layer_named(replicated["layers"], "conv2"), layer_named(plain["layers"], "conv2"), 2);
    // The same work, split: as many MACs and routed elements in both runs, now on two crossbars.
    EXPECT_EQ(sum_counter(replicated, "sram_cim_macro", "macs"), sum_counter(plain, "sram_cim_macro", "macs"));
    EXPECT_EQ(sum_counter(replicated, "permutation_crossbar", "elements_routed"),
              sum_counter(plain, "permutation_crossbar", "elements_routed"));
    EXPECT_GT(sum_counter(replicated, "permutation_crossbar", "elements_routed", "c2_"), 0u);
    EXPECT_EQ(sum_counter(plain, "permutation_crossbar", "elements_routed", "c2_"), 0u);
    // The copies' index tables are not counted twice in the all-on-chip figures.
    EXPECT_EQ(replicated["workload"]["weights_on_chip"]["index_bits"], plain["workload"]["weights_on_chip"]["index_bits"]);
}
