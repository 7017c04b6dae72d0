// The full scenarios of the MARS and CIMPool reproductions and the dense ImageNet baseline, each compiled, run
// and checked output by output against the integer reference. Label `long`: `ctest -L long`.
#include <gtest/gtest.h>

#include "platform/simulation.h"
#include "tests/support/report_queries.h"
#include "tests/support/temp_files.h"

using namespace cimvp;
using cimvp::testing::sum_counter;

namespace {

const nlohmann::json& run_checked(Simulation& simulation, const RunOptions& options = RunOptions()) {
    simulation.run(options);
    EXPECT_TRUE(simulation.checks_passed());
    const nlohmann::json& workload = simulation.report()["workload"];
    EXPECT_TRUE(workload["check"]["outputs_match"].get<bool>());
    EXPECT_EQ(workload["check"]["mismatches"].get<int>(), 0);
    return workload;
}

void expect_mars_run(const std::string& scenario) {
    Simulation simulation(load_scenario(scenario));
    const nlohmann::json& workload = run_checked(simulation);
    EXPECT_EQ(workload["check"]["compared"].get<int>(), 10);
    // Half the blocks of every prunable layer are gone; the macros skipped them and the weights sat
    // in the cores' weight SRAMs, loaded once before the inference.
    EXPECT_GE(workload["weight_sparsity"].get<double>(), 0.45);
    EXPECT_GT(sum_counter(simulation.report(), "sram_cim_macro", "skipped_groups"), 0u);
    EXPECT_GT(workload["weight_preload_ns"].get<double>(), 0.0);
    EXPECT_GT(workload["throughput_fps"].get<double>(), 0.0);
    EXPECT_GT(workload["tops_per_watt_on_chip"].get<double>(), workload["tops_per_watt"].get<double>());
}

}  // namespace

TEST(NetworkLong, MarsResNet18Cifar10) { expect_mars_run("scenarios/mars-resnet18-cifar10.yaml"); }

TEST(NetworkLong, MarsVgg16Cifar10) { expect_mars_run("scenarios/mars-vgg16-cifar10.yaml"); }

TEST(NetworkLong, DenseResNet18ImageNetW4A4) {
    Simulation simulation(load_scenario("scenarios/sram-cim-resnet18-imagenet-w4a4.yaml"));
    const nlohmann::json& workload = run_checked(simulation);
    EXPECT_EQ(workload["check"]["compared"].get<int>(), 1000);
    EXPECT_EQ(workload["weight_preload_ns"].get<double>(), 0.0);  // no weight SRAM: weights stream from DRAM
    EXPECT_EQ(sum_counter(simulation.report(), "sram_cim_macro", "skipped_groups"), 0u);
    // ResNet-18 at 224: 1.814 GMAC (docs/zoo.md).
    EXPECT_EQ(workload["macs"].get<int64_t>(), 1814073344);
    // The CIMPool reproduction's baseline (docs/reproduction.md), pinned: all 11,678,912 weights at
    // 4 cells each, in 2852 macros; latency and energy within 1%. (64.1 ms and 21.7 mJ while router
    // ports and buffer banks kept one busy-until time each: platform/busy_calendar.h; 20.1 ms and
    // 9.96 mJ before 5 December 2026, mostly because the scheduler then drained every engine each
    // time its command ring wrapped; 18.24 ms and 9.48 mJ while a column tile's row tiles went to
    // its macros in turn, which gave a layer1 conv's slot-0 macros 256 rows and its slot-3 ones 64;
    // 16.56 ms and 9.04 mJ while each band's requantization and write-back held up the next band,
    // where the layer's weights stay: the stem and layer2's downsample.)
    EXPECT_EQ(workload["weights_on_chip"]["cim_cells"].get<int64_t>(), 11678912 * 4);
    EXPECT_EQ(workload["weights_on_chip"]["macros"].get<int64_t>(), 2852);
    EXPECT_NEAR(workload["weights_on_chip"]["area_um2"].get<double>(), 30.4387e6, 0.0001e6);
    EXPECT_NEAR(workload["latency_ns"].get<double>(), 15.907e6, 15.907e6 * 0.01);
    EXPECT_NEAR(workload["energy_per_inference_pj"].get<double>(), 8.911e9, 8.911e9 * 0.01);
}

TEST(NetworkLong, CimPoolResNet18) {
    Simulation simulation(load_scenario("scenarios/cimpool-resnet18.yaml"));
    // The scenario traces a window of its run; the files go to a temporary folder, not the source tree.
    RunOptions options;
    options.out_dir = cimvp::testing::temp_directory("cimpool-resnet18");
    const nlohmann::json& workload = run_checked(simulation, options);
    EXPECT_GT(simulation.report()["timeline_summary"]["slices"].get<int64_t>(), 0);
    EXPECT_EQ(workload["check"]["compared"].get<int>(), 1000);
    EXPECT_EQ(workload["macs"].get<int64_t>(), 1814073344);
    // Every conv but the first is pooled; with 128 binary vectors, 7-bit indices per 128 weights and
    // half the 1-bit error blocks kept, they take a little over half a bit per weight (~0.56).
    const nlohmann::json& pool = workload["weight_pool"];
    EXPECT_GT(pool["effective_bits_per_weight"].get<double>(), 0.5);
    EXPECT_LT(pool["effective_bits_per_weight"].get<double>(), 0.6);
    EXPECT_GT(sum_counter(simulation.report(), "permutation_crossbar", "elements_routed"), 0u);
    // The reproduction's figures (docs/reproduction.md), pinned: effective bits and the cells, macros
    // and area with every weight on chip follow from counts; latency and energy within 1%. (98.6 ms
    // and 32.5 mJ while router ports and buffer banks kept one busy-until time each; 72.2 ms and
    // 25.5 mJ before 5 December 2026, mostly because the scheduler then drained every engine each
    // time its command ring wrapped; 67.9 ms and 24.3 mJ while a reused command slot still waited
    // for its engine's whole queue to drain; 65.5 ms and 23.7 mJ while a pooled layer used only the
    // cores its pool groups filled: one of four in layer1; 30.9 ms and 14.25 mJ while each band of
    // its dense stem waited for the previous band's requantization and write-back.)
    EXPECT_NEAR(pool["effective_bits_per_weight"].get<double>(), 0.564397, 1e-6);
    const nlohmann::json& resident = workload["weights_on_chip"];
    EXPECT_EQ(resident["cim_cells"].get<int64_t>(), 9750016);
    EXPECT_EQ(resident["macros"].get<int64_t>(), 596);
    EXPECT_EQ(resident["index_bits"].get<int64_t>(), 614656);
    EXPECT_NEAR(resident["area_um2"].get<double>(), 6.72657e6, 0.00001e6);
    EXPECT_NEAR(workload["latency_ns"].get<double>(), 29.125e6, 29.125e6 * 0.01);
    EXPECT_NEAR(workload["energy_per_inference_pj"].get<double>(), 13.791e9, 13.791e9 * 0.01);
}
