// A whole network on the simulated chip: scenarios/small-cnn-sram-cim.yaml compiles small_cnn_cifar10
// for the single-macro SoC, runs it, and compares every output with the integer interpreter. The
// macro's work is checked against the closed form of the mapping (docs/backend.md).
#include <gtest/gtest.h>

#include <cstdio>

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

struct ConvLayer {
    const char* name;
    int64_t height, width, in_channels, out_channels, kernel, pad;
};

// small_cnn_cifar10 (firmware/compiler/zoo/small_cnn.cpp): three 3x3 pad-1 convs and the classifier.
const ConvLayer kSmallCnnConvs[] = {{"conv1", 32, 32, 3, 32, 3, 1},
                                    {"conv2", 16, 16, 32, 64, 3, 1},
                                    {"conv3", 8, 8, 64, 128, 3, 1}};

}  // namespace

TEST(NetworkScenario, SmallCnnMatchesTheReferenceBitForBit) {
    Simulation simulation(load_scenario("scenarios/small-cnn-sram-cim.yaml"));
    simulation.run();
    ASSERT_TRUE(simulation.checks_passed());
    const nlohmann::json& workload = simulation.report()["workload"];
    EXPECT_TRUE(workload["check"]["outputs_match"].get<bool>());
    EXPECT_EQ(workload["check"]["compared"].get<int>(), 10);  // the 10 logits
    EXPECT_EQ(workload["check"]["mismatches"].get<int>(), 0);

    // Stride-1 convs run one MVM per band over (rows - 1) * padded width + output width pixels
    // (the wrap-around pixels included), so over the layer the macro sees
    // padded_width * (H - bands) + W * bands pixels, each a kh*kw*C by K product.
    const nlohmann::json& layers = simulation.report()["layers"];
    uint64_t expected_macs = 0, network_macs = 0;
    for (const ConvLayer& conv : kSmallCnnConvs) {
        const int64_t bands = layer_named(layers, conv.name)["bands"].get<int64_t>();
        const int64_t padded_width = conv.width + 2 * conv.pad;
        const int64_t pixels = padded_width * (conv.height - bands) + conv.width * bands;
        expected_macs += static_cast<uint64_t>(pixels * conv.kernel * conv.kernel * conv.in_channels * conv.out_channels);
        network_macs += static_cast<uint64_t>(conv.height * conv.width * conv.kernel * conv.kernel * conv.in_channels *
                                              conv.out_channels);
    }
    expected_macs += 128 * 10;  // the classifier: one 128-long vector, 10 outputs
    network_macs += 128 * 10;
    EXPECT_EQ(simulation.report()["components"]["macro"]["counters"]["macs"].get<uint64_t>(), expected_macs);
    EXPECT_EQ(workload["macs"].get<uint64_t>(), network_macs);

    // conv2 on a 128-row macro with 8-bit weights (16 channels per tile): each kernel row is 3 x 32 = 96
    // weight rows, so 3 row tiles x 4 column tiles, one per pass (two do not fit 128 rows), reloaded
    // every band.
    const nlohmann::json& conv2 = layer_named(layers, "conv2");
    EXPECT_EQ(conv2["passes"].get<int>(), 12);
    EXPECT_EQ(conv2["weight_tiles_written"].get<int64_t>(), 12 * conv2["bands"].get<int64_t>());
    EXPECT_EQ(conv2["weight_bytes_loaded"].get<int64_t>(), 3 * 3 * 32 * 64 * conv2["bands"].get<int64_t>());

    // Every layer reported its end, in order, and the layer latencies add up to the program's.
    // Each layer spent energy; the single macro was the busy part of every conv, never over 100%.
    double sum_ns = 0.0, sum_pj = 0.0;
    for (const nlohmann::json& layer : layers) {
        EXPECT_GT(layer["latency_ns"].get<double>(), 0.0) << layer["name"];
        EXPECT_GT(layer["energy_pj"].get<double>(), 0.0) << layer["name"];
        EXPECT_LE(layer["macro_utilization"].get<double>(), 1.0) << layer["name"];
        if (layer["op"] == "QConv") {
            EXPECT_GT(layer["macro_utilization"].get<double>(), 0.5) << layer["name"];
        }
        sum_ns += layer["latency_ns"].get<double>();
        sum_pj += layer["energy_pj"].get<double>();
    }
    EXPECT_LE(sum_pj, workload["energy_per_inference_pj"].get<double>());
    EXPECT_LE(sum_ns, workload["latency_ns"].get<double>());
    EXPECT_GT(sum_ns, 0.99 * workload["latency_ns"].get<double>());
    EXPECT_NEAR(workload["throughput_fps"].get<double>(), 1e9 / workload["latency_ns"].get<double>(), 1e-6);
}

TEST(NetworkScenario, PrunedWordLineGroupsAreSkippedAndStillBitExact) {
    const std::string scenario = cimvp::testing::write_temp(
        "sparse-small-cnn.yaml", std::string("scenario: sparse\nplatform: ") + CIMVP_SOURCE_DIR +
                                     "/scenarios/platforms/sram-cim-soc.yaml\n"
                                     "workload: {type: network, params: {model: zoo:small_cnn_cifar10, "
                                     "precision: w8a8, sparsity: 0.5, reference_runs: 3}}\n");
    Simulation simulation(load_scenario(scenario));
    simulation.run();
    ASSERT_TRUE(simulation.checks_passed());
    const nlohmann::json& workload = simulation.report()["workload"];
    EXPECT_TRUE(workload["check"]["outputs_match"].get<bool>());
    EXPECT_EQ(workload["check"]["compared"].get<int>(), 10);
    EXPECT_GE(workload["weight_sparsity"].get<double>(), 0.45);
    // Three reference runs: the reported one is the fastest, so never slower than the first.
    EXPECT_GT(workload["reference_wall_s"].get<double>(), 0.0);
    EXPECT_LE(workload["reference_wall_s"].get<double>(), workload["reference_first_wall_s"].get<double>());

    // conv2 and conv3 have whole word-line groups (16 input channels of one tap across a 16-channel
    // column tile) pruned: half of each layer's blocks. The macro skipped each of them for every input
    // bit of every pixel, so it did fewer MACs than the dense closed form and compressed tiles
    // loaded fewer weight bytes than the dense 3*3*C*K per band.
    const nlohmann::json& macro = simulation.report()["components"]["macro"]["counters"];
    EXPECT_GT(macro["skipped_groups"].get<uint64_t>(), 0u);
    uint64_t dense_macs = 0;
    for (const ConvLayer& conv : kSmallCnnConvs) {
        const int64_t bands = layer_named(simulation.report()["layers"], conv.name)["bands"].get<int64_t>();
        const int64_t pixels = (conv.width + 2 * conv.pad) * (conv.height - bands) + conv.width * bands;
        dense_macs += static_cast<uint64_t>(pixels * conv.kernel * conv.kernel * conv.in_channels * conv.out_channels);
    }
    dense_macs += 128 * 10;
    EXPECT_LT(macro["macs"].get<uint64_t>(), dense_macs * 6 / 10);
    const nlohmann::json& conv3 = layer_named(simulation.report()["layers"], "conv3");
    EXPECT_LT(conv3["weight_bytes_loaded"].get<int64_t>(), 3 * 3 * 64 * 128 * conv3["bands"].get<int64_t>() * 6 / 10);
}

namespace {

// small_cnn_cifar10 at w4a4 with MARS sparsity on the 4-core MARS chip, with `options` (--set ...)
// on the command line.
nlohmann::json small_cnn_on_mars(const std::string& options, const std::string& name) {
    const std::string scenario = cimvp::testing::write_temp(
        "small-cnn-mars.yaml", std::string("scenario: small-cnn-mars\nplatform: ") + CIMVP_SOURCE_DIR +
                                   "/scenarios/platforms/mars.yaml\n"
                                   "workload: {type: network, params: {model: zoo:small_cnn_cifar10, "
                                   "precision: w4a4, sparsity: 0.5}}\n");
    return run_report(scenario, options, name);
}

}  // namespace

TEST(NetworkScenario, ALayerThatLeavesCoresIdleRunsItsBandsOnWeightCopiesThere) {
    // Bands not overlapped, which would change conv1's band count.
    const std::string options = "--set workload.params.overlap_bands=never --set workload.params.replicate=";
    const nlohmann::json replicated = small_cnn_on_mars(options + "true", "replicated");
    const nlohmann::json plain = small_cnn_on_mars(options + "false", "plain");
    expect_outputs_match(replicated, 10);
    expect_outputs_match(plain, 10);
    // conv1 (3 -> 32 channels, 32x32) is one column tile of three 9-row tiles: two macros of one
    // core (slots of 2 and 1 tiles). Its three bands fit two replicas; each writes its three tiles
    // once (one pass), and the bands go 0 and 1 at once, then 2.
    const nlohmann::json& copied = layer_named(replicated["layers"], "conv1");
    const nlohmann::json& alone = layer_named(plain["layers"], "conv1");
    expect_layer_copied(copied, alone, 2);
    EXPECT_EQ(copied["bands"].get<int64_t>(), 3);
    EXPECT_EQ(alone["macros_used"].get<int64_t>(), 2);
    EXPECT_EQ(alone["weight_tiles_written"].get<int64_t>(), 3);
    EXPECT_EQ(copied["macros_used"].get<int64_t>(), 4);
    EXPECT_EQ(copied["weight_tiles_written"].get<int64_t>(), 6);
    // The copies split the work: the macros multiply exactly as much in both runs.
    EXPECT_EQ(sum_counter(replicated, "sram_cim_macro", "macs"), sum_counter(plain, "sram_cim_macro", "macs"));
    // conv3 uses all 16 macros in two passes, so it is not copied.
    EXPECT_EQ(layer_named(replicated["layers"], "conv3")["replicas"].get<int64_t>(), 1);
    EXPECT_EQ(layer_named(replicated["layers"], "conv3")["macros_used"].get<int64_t>(), 16);
}

TEST(NetworkScenario, AnOpWithoutAChipFormIsAConfigurationError) {
    const std::string scenario = cimvp::testing::write_temp(
        "squeezenet.yaml",
        std::string("scenario: squeeze\nplatform: ") + CIMVP_SOURCE_DIR +
            "/scenarios/platforms/sram-cim-soc.yaml\n"
            "workload: {type: network, params: {model: zoo:squeezenet11_cifar10}}\n");
    try {
        Simulation simulation(load_scenario(scenario));
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("workload network: Concat"), std::string::npos) << message;
        EXPECT_NE(message.find("no SRAM CIM mapping for this op"), std::string::npos) << message;
        EXPECT_NE(message.find(":3:"), std::string::npos) << message;  // the workload line
    }
}

TEST(NetworkScenario, OverlappedBandsHideEachRoundsRequantizationBehindTheNextRoundsMvms) {
    // conv1's weights stay in the macros (one pass), so by default it overlaps its bands.
    const nlohmann::json overlapped = small_cnn_on_mars("", "overlapped");
    const nlohmann::json serial = small_cnn_on_mars("--set workload.params.overlap_bands=never", "serial");
    expect_outputs_match(overlapped, 10);
    expect_outputs_match(serial, 10);
    // conv1 on two replicas: 3 bands with one set of partial sums and output staging, 6 with two;
    // conv2 and conv3 are one band each, so there is nothing to overlap.
    const nlohmann::json& with_sets = layer_named(overlapped["layers"], "conv1");
    const nlohmann::json& without = layer_named(serial["layers"], "conv1");
    EXPECT_TRUE(with_sets["overlapped"].get<bool>());
    EXPECT_FALSE(without["overlapped"].get<bool>());
    EXPECT_EQ(without["bands"].get<int64_t>(), 3);
    EXPECT_EQ(with_sets["bands"].get<int64_t>(), 6);
    EXPECT_FALSE(layer_named(overlapped["layers"], "conv2")["overlapped"].get<bool>());
    EXPECT_LT(with_sets["latency_ns"].get<double>(), without["latency_ns"].get<double>());
    // Stride-1 bands compute padded_width * (H - bands) + W * bands pixels of 3 x 3 x 3 x 32 MACs
    // (conv1's 9-row tiles are never pruned): 3 more bands of a 32-wide output padded to 34 are
    // 2 * 3 pixels fewer.
    const auto macs = [](const nlohmann::json& report) { return sum_counter(report, "sram_cim_macro", "macs"); };
    EXPECT_EQ(macs(serial) - macs(overlapped), 2u * 3u * 27u * 32u);
}

TEST(NetworkScenario, BandsOverlapWhereWeightsReloadOnlyWhenAskedTo) {
    // MARS ResNet-18's layer1 convs reload their tiles every band (two passes): by default they
    // keep one set of partial sums, and `always` trades more bands, and so more weight writes, for
    // the overlap.
    const std::string scenario = "scenarios/mars-resnet18-cifar10.yaml";
    const nlohmann::json standard = run_report(scenario, "", "standard");
    const nlohmann::json always = run_report(scenario, "--set workload.params.overlap_bands=always", "always");
    expect_outputs_match(standard, 10);
    expect_outputs_match(always, 10);
    const nlohmann::json& kept = layer_named(standard["layers"], "layer1_0_conv1");
    const nlohmann::json& traded = layer_named(always["layers"], "layer1_0_conv1");
    EXPECT_EQ(kept["passes"].get<int64_t>(), 2);
    EXPECT_FALSE(kept["overlapped"].get<bool>());
    EXPECT_TRUE(traded["overlapped"].get<bool>());
    EXPECT_GT(traded["bands"].get<int64_t>(), kept["bands"].get<int64_t>());
    // With two passes every band writes all its replica's tiles again: 64 channels at 4 bits are 2
    // column tiles of 32, and a 3 x 64 = 192-row kernel row is a 128-row and a 64-row piece, so
    // 2 x 3 x 2 = 12 tiles per band; the weight writes grow with the bands.
    EXPECT_EQ(kept["weight_tiles_written"].get<int64_t>(), 12 * kept["bands"].get<int64_t>());
    EXPECT_EQ(traded["weight_tiles_written"].get<int64_t>(), 12 * traded["bands"].get<int64_t>());
    EXPECT_LT(traded["latency_ns"].get<double>(), kept["latency_ns"].get<double>());
    // conv1 (one pass) overlaps either way.
    EXPECT_TRUE(layer_named(standard["layers"], "conv1")["overlapped"].get<bool>());
}
