// The compiler back end's pieces: reading the target from a netlist, cutting layers into weight
// tiles, and laying activations out in DRAM.
#include <gtest/gtest.h>

#include "firmware/backend/activation_plan.h"
#include "firmware/backend/conv_mapping.h"
#include "firmware/backend/target.h"
#include "firmware/compiler/passes/quantize_network.h"
#include "firmware/compiler/zoo/zoo.h"
#include "tests/support/platform_fixture.h"

using namespace cimvp;
using namespace cimvp::backend;

namespace {

// Two cores of two macros each; `cores_text` replaces the cores list.
std::string two_core_netlist(const std::string& cores_text) {
    return R"(
platform: two-cores
clock: 1GHz
modules:
  - {name: host, type: host}
  - {name: noc, type: router}
  - {name: sched, type: scheduler}
  - {name: dram, type: dram_controller, params: {size: 64MiB}}
  - {name: m0, type: sram_cim_macro}
  - {name: m1, type: sram_cim_macro}
  - {name: m2, type: sram_cim_macro}
  - {name: m3, type: sram_cim_macro}
  - {name: dma0, type: dma_engine}
  - {name: dma1, type: dma_engine}
  - {name: vec0, type: vector_unit}
  - {name: vec1, type: vector_unit}
  - {name: buf0, type: sram_buffer, params: {size: 64KiB}}
  - {name: buf1, type: sram_buffer, params: {size: 32KiB}}
connections:
  - {from: host.mem, to: noc.in}
  - {from: sched.mem, to: noc.in}
  - {from: m0.mem, to: noc.in}
  - {from: m1.mem, to: noc.in}
  - {from: m2.mem, to: noc.in}
  - {from: m3.mem, to: noc.in}
  - {from: dma0.mem, to: noc.in}
  - {from: dma1.mem, to: noc.in}
  - {from: vec0.mem, to: noc.in}
  - {from: vec1.mem, to: noc.in}
  - {from: noc.out, to: sched.cfg, at: 0x4000_0000}
  - {from: noc.out, to: m0.cfg, at: 0x4001_0000}
  - {from: noc.out, to: m1.cfg, at: 0x4002_0000}
  - {from: noc.out, to: m2.cfg, at: 0x4003_0000}
  - {from: noc.out, to: m3.cfg, at: 0x4004_0000}
  - {from: noc.out, to: dma0.cfg, at: 0x4005_0000}
  - {from: noc.out, to: dma1.cfg, at: 0x4006_0000}
  - {from: noc.out, to: vec0.cfg, at: 0x4007_0000}
  - {from: noc.out, to: vec1.cfg, at: 0x4008_0000}
  - {from: noc.out, to: buf0.tgt, at: 0x1000_0000}
  - {from: noc.out, to: buf1.tgt, at: 0x1100_0000}
  - {from: noc.out, to: dram.tgt, at: 0x8000_0000}
)" + cores_text;
}

const char* kTwoCores = R"(cores:
  - {name: c0, macros: [m0, m1], buffer: buf0, dma: dma0, vector: vec0}
  - {name: c1, macros: [m2, m3], buffer: buf1, dma: dma1, vector: vec1}
)";

// A 3x3 conv from `in_channels` to `out_channels` (its spatial size does not change the mapping).
ConvShape conv3x3(int64_t in_channels, int64_t out_channels) {
    ConvShape shape;
    shape.in_channels = in_channels;
    shape.out_channels = out_channels;
    shape.kernel_h = shape.kernel_w = 3;
    return shape;
}

}  // namespace

TEST(BackendTarget, ReadsTheCoresOfTheNetlist) {
    const auto platform = cimvp::testing::build_platform(two_core_netlist(kTwoCores));
    const Target target = describe_target(*platform);
    EXPECT_EQ(target.scheduler, "sched");
    EXPECT_EQ(target.dram.base, 0x80000000u);
    EXPECT_EQ(target.dram.size, 64u << 20);
    ASSERT_EQ(target.cores.size(), 2u);
    EXPECT_EQ(target.macro_count(), 4);
    EXPECT_EQ(target.cores[1].name, "c1");
    EXPECT_EQ(target.cores[1].macros[1].instance, "m3");
    EXPECT_EQ(target.cores[1].buffer.base, 0x11000000u);
    EXPECT_EQ(target.cores[1].buffer.size, 32u << 10);
    EXPECT_EQ(target.cores[1].dma, "dma1");
    EXPECT_EQ(target.geometry().rows, 128);
}

TEST(BackendTarget, WithoutCoresTheChipIsOneCoreWithTheLargestBuffer) {
    const auto platform = cimvp::testing::build_platform(two_core_netlist(""));
    const Target target = describe_target(*platform);
    ASSERT_EQ(target.cores.size(), 1u);
    EXPECT_EQ(target.macro_count(), 4);
    EXPECT_EQ(target.cores[0].buffer.instance, "buf0");
    EXPECT_EQ(target.cores[0].dma, "dma0");
    EXPECT_EQ(target.cores[0].vector_unit, "vec0");
}

TEST(BackendTarget, ABadCoresEntryNamesItsLine) {
    const auto platform = cimvp::testing::build_platform(two_core_netlist(R"(cores:
  - {name: c0, macros: [m0, dma0], buffer: buf0, dma: dma0, vector: vec0}
)"));
    const std::string message = cimvp::testing::config_error_of([&] { describe_target(*platform); });
    EXPECT_NE(message.find("test.yaml:"), std::string::npos) << message;
    EXPECT_NE(message.find("'dma0' is a dma_engine, not a sram_cim_macro"), std::string::npos) << message;
}

TEST(BackendTarget, AMacroBelongsToOneCore) {
    const auto shared = cimvp::testing::build_platform(two_core_netlist(R"(cores:
  - {name: c0, macros: [m0], buffer: buf0, dma: dma0, vector: vec0}
  - {name: c1, macros: [m0], buffer: buf1, dma: dma1, vector: vec1}
)"));
    EXPECT_NE(cimvp::testing::config_error_of([&] { describe_target(*shared); }).find("macro 'm0' is in two cores"),
              std::string::npos);
}

TEST(ConvMapping, TilesFollowTheMacroGeometry) {
    const auto platform = cimvp::testing::build_platform(two_core_netlist(kTwoCores));
    const Target target = describe_target(*platform);
    // A 3x3 conv, 64 -> 100 channels, 8-bit weights on 128x128 1-bit macros: a signed 8-bit weight
    // takes 8 columns, so 16 channels per column tile: 7 column tiles (the last holds 4 channels).
    // A kernel row spans 3 * 64 = 192 weight rows: pieces of 128 and 64.
    ConvShape shape;
    shape.in_channels = 64;
    shape.out_channels = 100;
    shape.height = shape.width = shape.out_height = shape.out_width = 8;
    shape.kernel_h = shape.kernel_w = 3;
    shape.pad_top = shape.pad_left = shape.pad_bottom = shape.pad_right = 1;
    const ConvMapping mapping = map_conv(shape, target, 8, false);
    EXPECT_EQ(mapping.channels_per_tile, 16);
    EXPECT_EQ(mapping.tiles.size(), 7u * 3u * 2u);
    EXPECT_EQ(mapping.macros_used, 4);
    // Column tile j goes to macro j * 4 / 7: macros 0,0,1,1,2,2,3 hold tiles {0,1},{2,3},{4,5},{6}.
    // Macro 0 has 2 x 3 row tiles of 128 rows (a pass each) and 2 x 3 of 64 (two per pass): 9 passes.
    int64_t rows_written = 0;
    for (const WeightTile& tile : mapping.tiles) {
        EXPECT_EQ(tile.macro, tile.column_tile * 4 / 7);
        EXPECT_LE(tile.row_offset + tile.rows, 128);
        rows_written += tile.rows * tile.channels;
    }
    EXPECT_EQ(rows_written, 3 * 3 * 64 * 100);  // every weight exactly once
    EXPECT_EQ(mapping.passes, 9);
    EXPECT_EQ(mapping.cores[0].first_channel, 0);
    EXPECT_EQ(mapping.cores[0].channels, 64);   // tiles 0-3
    EXPECT_EQ(mapping.cores[1].first_channel, 64);
    EXPECT_EQ(mapping.cores[1].channels, 36);   // tiles 4-6
}

TEST(ConvMapping, FewColumnTilesShareTheirRowTilesOverAMacroGroup) {
    const auto platform = cimvp::testing::build_platform(two_core_netlist(kTwoCores));
    const Target target = describe_target(*platform);
    // 3x3, 64 -> 32 channels at 8 bits: 2 column tiles for 4 macros, 6 row tiles each (128 + 64 rows
    // per kernel row). Each column tile gets 2 macros of one core, which share its row tiles.
    const ConvMapping mapping = map_conv(conv3x3(64, 32), target, 8, false);
    EXPECT_EQ(mapping.slots, 2);
    EXPECT_EQ(mapping.macros_used, 4);
    ASSERT_EQ(mapping.tiles.size(), 2u * 6u);
    int64_t rows_of_slot[2][2] = {};
    for (const WeightTile& tile : mapping.tiles) {
        EXPECT_EQ(tile.macro, tile.column_tile * 2 + tile.slot);
        rows_of_slot[tile.column_tile][tile.slot] += tile.rows;
    }
    // Largest first to the slot with fewer rows: 128, 128, 128, 64, 64, 64 make 320 and 256 rows
    // (every other tile, slot 0 would get all 128-row pieces: 384 against 192).
    for (const auto& slots : rows_of_slot) {
        EXPECT_EQ(slots[0], 320);
        EXPECT_EQ(slots[1], 256);
    }
    // Slot 0's 128, 128 and 64 rows need three passes; slot 1's 128, 64 and 64 two.
    EXPECT_EQ(mapping.passes, 3);
    EXPECT_EQ(mapping.cores[0].channels, 16);
    EXPECT_EQ(mapping.cores[1].first_channel, 16);
}

TEST(ConvMapping, ReplicasCopyTheTilesOntoTheirOwnCores) {
    const auto platform = cimvp::testing::build_platform(two_core_netlist(kTwoCores));
    const Target target = describe_target(*platform);
    // 3x3, 64 -> 16 channels at 8 bits: one column tile, 6 row tiles. Alone it takes the two macros
    // of core 0 (slots 0 and 1, three passes); with two replicas core 1 holds the same tiles.
    const ConvMapping plain = map_conv(conv3x3(64, 16), target, 8, false);
    const ConvMapping replicated = map_conv(conv3x3(64, 16), target, 8, false, 2);
    EXPECT_EQ(plain.replicas, 1);
    EXPECT_EQ(plain.macros_used, 2);
    EXPECT_EQ(plain.cores[1].channels, 0);
    EXPECT_EQ(replicated.replicas, 2);
    EXPECT_EQ(replicated.macros_used, 4);
    EXPECT_EQ(replicated.passes, plain.passes);
    EXPECT_EQ(replicated.slots, plain.slots);
    ASSERT_EQ(replicated.tiles.size(), 2 * plain.tiles.size());
    for (size_t t = 0; t < plain.tiles.size(); ++t) {
        const WeightTile& original = replicated.tiles[t];
        const WeightTile& copy = replicated.tiles[t + plain.tiles.size()];
        EXPECT_EQ(original.replica, 0);
        EXPECT_EQ(original.macro, plain.tiles[t].macro);
        EXPECT_EQ(copy.replica, 1);
        EXPECT_EQ(copy.macro, original.macro + 2);  // the same macro of core 1
        EXPECT_EQ(copy.pass, original.pass);
        EXPECT_EQ(copy.row_offset, original.row_offset);
        EXPECT_EQ(copy.kernel_row, original.kernel_row);
        EXPECT_EQ(copy.span_start, original.span_start);
    }
    for (size_t core = 0; core < 2; ++core) {
        EXPECT_EQ(replicated.cores[core].first_channel, 0);
        EXPECT_EQ(replicated.cores[core].channels, 16);
        EXPECT_EQ(replicated.replica_of_core(core, 2), static_cast<int>(core));
    }
}

TEST(ConvMapping, ReplicasNeedEqualGroupsOfCores) {
    const auto platform = cimvp::testing::build_platform(two_core_netlist(kTwoCores));
    const Target target = describe_target(*platform);
    EXPECT_TRUE(replicas_possible(target, 1));
    EXPECT_TRUE(replicas_possible(target, 2));
    EXPECT_FALSE(replicas_possible(target, 3));
    EXPECT_FALSE(replicas_possible(target, 0));
    try {
        map_conv(conv3x3(16, 16), target, 8, false, 3);
        FAIL() << "three replicas of two cores were accepted";
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("do not split into 3 equal groups"), std::string::npos) << error.what();
    }
}

TEST(ConvMapping, ReplicasNeedCoresOfEqualMacroCounts) {
    const auto uneven = cimvp::testing::build_platform(two_core_netlist(R"(cores:
  - {name: c0, macros: [m0, m1, m2], buffer: buf0, dma: dma0, vector: vec0}
  - {name: c1, macros: [m3], buffer: buf1, dma: dma1, vector: vec1}
)"));
    const Target target = describe_target(*uneven);
    EXPECT_TRUE(replicas_possible(target, 1));
    EXPECT_FALSE(replicas_possible(target, 2));
}

TEST(ConvMapping, GroupAlignmentKeepsTilesOnWordLineGroups) {
    const auto platform = cimvp::testing::build_platform(two_core_netlist(kTwoCores));
    const Target target = describe_target(*platform);
    // 48 input channels: a kernel row of 144 rows, pieces of 128 and 16, whole groups of 16.
    const ConvMapping aligned = map_conv(conv3x3(48, 16), target, 8, true);
    for (const WeightTile& tile : aligned.tiles) {
        if (tile.rows % 16 == 0) {
            EXPECT_EQ(tile.row_offset % 16, 0) << tile.row_offset;
        }
        EXPECT_TRUE(tile.rows == 128 || tile.rows == 16) << tile.rows;
    }
}

TEST(ActivationPlan, ResidualTensorsShareTheBorderTheirConvsNeed) {
    const ir::Graph graph =
        passes::quantize_network_on_random_inputs(zoo::build_model("resnet18_cifar10"), passes::QuantConfig{});
    const ActivationPlan plan(graph, 0x80000000);
    // The input feeds a 3x3 pad-1 conv; the block outputs feed convs and adds, the add's other input
    // (a conv output read by nothing else) takes the same border.
    EXPECT_EQ(plan.of(graph.inputs[0]).border, 1);
    for (const ir::Node& node : graph.nodes) {
        if (node.op_type != "QAdd") continue;
        const int64_t border = plan.of(node.outputs[0]).border;
        EXPECT_EQ(plan.of(node.input(0)).border, border) << node.name;
        EXPECT_EQ(plan.of(node.input(1)).border, border) << node.name;
    }
    const ActivationLayout& input = plan.of(graph.inputs[0]);
    EXPECT_EQ(input.address, 0x80000000u);
    EXPECT_EQ(input.bytes(), 34u * 34u * 3u);
    EXPECT_EQ(input.pixel_address(1, 1), 0x80000000u + 34u * 3u + 3u);
}
