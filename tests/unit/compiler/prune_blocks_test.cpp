// The MARS block pruning pass: which blocks it zeroes (hand-built weights with known L1 norms and a
// tie), the counts it reports, the layers it leaves dense, the integer interpreter on the result,
// and the config errors.
#include "firmware/compiler/passes/prune_blocks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "firmware/compiler/interpreter/integer_interpreter.h"
#include "firmware/compiler/passes/calibrate.h"
#include "firmware/compiler/passes/integer_ops.h"
#include "firmware/compiler/passes/quantize.h"
#include "firmware/compiler/passes/quantize_network.h"
#include "firmware/compiler/zoo/zoo.h"

namespace cimvp::passes {
namespace {

ir::Tensor int_value(const std::string& name, const ir::Shape& shape) {
    ir::Tensor tensor(name, ir::DataType::kInt8, shape);
    tensor.quant = activation_quant(8, true, 1.0);
    tensor.type = storage_type(tensor.quant);
    return tensor;
}

// x -> one weighted node (QConv or QGemm) -> y, requantizing by exactly 1.
ir::Graph one_layer(const std::string& op_type, const ir::Tensor& weight, const ir::Shape& x_shape,
                    const ir::Shape& y_shape, int64_t group = 1) {
    const auto outputs = static_cast<size_t>(weight.shape[0]);
    ir::Graph graph;
    graph.inputs = {"x"};
    graph.outputs = {"y"};
    graph.values["x"] = int_value("x", x_shape);
    graph.values["y"] = int_value("y", y_shape);
    graph.initializers["w"] = weight;
    graph.initializers["b"] = ir::Tensor::from_values<int32_t>("b", {weight.shape[0]}, std::vector<int32_t>(outputs));
    ir::Node node{"layer", op_type, {"x", "w", "b"}, {"y"}, {}};
    node.attributes["multiplier"] = std::vector<int64_t>(outputs, 16384);
    node.attributes["shift"] = std::vector<int64_t>(outputs, 14);
    node.attributes["out_min"] = int64_t{-128};
    node.attributes["out_max"] = int64_t{127};
    if (group != 1) node.attributes["group"] = group;
    graph.nodes.push_back(node);
    return graph;
}

std::vector<int8_t> weights_of(const ir::Graph& graph, const std::string& name) {
    const ir::Tensor& tensor = graph.initializers.at(name);
    return {tensor.values<int8_t>(), tensor.values<int8_t>() + tensor.element_count()};
}

std::string error_of(const PruneConfig& config) {
    try {
        validate(config);
    } catch (const std::runtime_error& error) {
        return error.what();
    }
    return "no error";
}

TEST(PruneBlocks, ZeroesTheBlocksWithTheSmallestL1NormTiesByIndex) {
    // QConv weight [K=4, C=4, 2, 2], group_rows 2, group_channels 2: 4 taps x 2 word-line groups x
    // 2 column groups = 16 blocks of 2 x 2 weights, block = ((u*2 + v)*2 + c/2)*2 + k/2.
    // Every weight of block b is +-m[b] with alternating signs, so its L1 norm is 4 m[b] while its
    // plain sum is 0. Sorted by (m, index): b4(1) b7(2) b11(2) b1(3) b2(3) b0(4) b5(4) b6(4) | b9(4) ...
    // so sparsity 0.5 (8 blocks) prunes {0, 1, 2, 4, 5, 6, 7, 11} and keeps b9 on the tie.
    const int m[16] = {4, 3, 3, 9, 1, 4, 4, 2, 8, 4, 7, 2, 10, 11, 12, 13};
    const std::set<int> expected = {0, 1, 2, 4, 5, 6, 7, 11};
    auto block_of = [](int k, int c, int u, int v) { return ((u * 2 + v) * 2 + c / 2) * 2 + k / 2; };
    std::vector<int8_t> w(64);
    for (int k = 0; k < 4; ++k) {
        for (int c = 0; c < 4; ++c) {
            for (int u = 0; u < 2; ++u) {
                for (int v = 0; v < 2; ++v) {
                    const int magnitude = m[block_of(k, c, u, v)];
                    w[((k * 4 + c) * 2 + u) * 2 + v] = static_cast<int8_t>((k + c) % 2 == 0 ? magnitude : -magnitude);
                }
            }
        }
    }
    const ir::Graph graph =
        one_layer("QConv", ir::Tensor::from_values<int8_t>("w", {4, 4, 2, 2}, w), {1, 4, 3, 3}, {1, 4, 2, 2});
    const PrunedGraph pruned = prune_blocks(graph, {2, 2, 0.5});
    const auto after = weights_of(pruned.graph, "w");
    for (int k = 0; k < 4; ++k) {
        for (int c = 0; c < 4; ++c) {
            for (int u = 0; u < 2; ++u) {
                for (int v = 0; v < 2; ++v) {
                    const int i = ((k * 4 + c) * 2 + u) * 2 + v;
                    const bool is_pruned = expected.count(block_of(k, c, u, v)) > 0;
                    EXPECT_EQ(after[i], is_pruned ? 0 : w[i]) << k << c << u << v;
                }
            }
        }
    }
    ASSERT_EQ(pruned.report.layers.size(), 1u);
    const LayerPruning& layer = pruned.report.layers[0];
    EXPECT_EQ(layer.layer, "layer");
    EXPECT_EQ(layer.blocks, 16);
    EXPECT_EQ(layer.pruned_blocks, 8);
    EXPECT_EQ(layer.weights, 64);
    EXPECT_EQ(layer.weights_zeroed, 8 * 2 * 2);
    EXPECT_EQ(layer.dense_reason, "");
    EXPECT_EQ(pruned.report.weights, 64);
    EXPECT_EQ(pruned.report.zero_weights, 32);
    EXPECT_DOUBLE_EQ(pruned.report.weight_sparsity(), 0.5);
}

TEST(PruneBlocks, PrunedCountIsTheFloorOfSparsityTimesBlocks) {
    // QGemm [M=12, F=8] with group_rows 4, group_channels 3: 2 x 4 = 8 blocks of 12 weights.
    std::vector<int8_t> w(96);
    for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<int8_t>(1 + i % 50);
    const ir::Graph graph = one_layer("QGemm", ir::Tensor::from_values<int8_t>("w", {12, 8}, w), {1, 8}, {1, 12});
    for (const auto& [sparsity, count] : std::vector<std::pair<double, int64_t>>{
             {0.0, 0}, {0.1, 0}, {0.125, 1}, {0.3, 2}, {0.74, 5}, {0.875, 7}, {0.99, 7}}) {
        const PrunedGraph pruned = prune_blocks(graph, {4, 3, sparsity});
        EXPECT_EQ(pruned.report.layers[0].pruned_blocks, count) << sparsity;
        EXPECT_EQ(pruned.report.zero_weights, count * 12) << sparsity;
        const auto after = weights_of(pruned.graph, "w");
        EXPECT_EQ(std::count(after.begin(), after.end(), int8_t{0}), count * 12) << sparsity;
    }
    EXPECT_EQ(weights_of(prune_blocks(graph, {4, 3, 0.0}).graph, "w"), w);
}

TEST(PruneBlocks, LayersThatDoNotSplitIntoBlocksStayDenseWithTheReason) {
    std::vector<int8_t> w(2 * 3 * 3 * 3, 1);
    const auto conv = ir::Tensor::from_values<int8_t>("w", {2, 3, 3, 3}, w);
    const PrunedGraph first = prune_blocks(one_layer("QConv", conv, {1, 3, 5, 5}, {1, 2, 3, 3}), {16, 1, 0.5});
    EXPECT_EQ(weights_of(first.graph, "w"), w);
    EXPECT_EQ(first.report.layers[0].blocks, 0);
    EXPECT_EQ(first.report.layers[0].pruned_blocks, 0);
    EXPECT_EQ(first.report.layers[0].weights, 54);
    EXPECT_EQ(first.report.layers[0].dense_reason, "input channels 3 are not a multiple of group_rows 16");
    EXPECT_DOUBLE_EQ(first.report.weight_sparsity(), 0.0);

    const auto gemm = ir::Tensor::from_values<int8_t>("w", {10, 16}, std::vector<int8_t>(160, 2));
    const PrunedGraph classifier = prune_blocks(one_layer("QGemm", gemm, {1, 16}, {1, 10}), {16, 4, 0.5});
    EXPECT_EQ(classifier.report.layers[0].dense_reason, "output channels 10 are not a multiple of group_channels 4");
    EXPECT_EQ(classifier.report.zero_weights, 0);

    const auto depthwise = ir::Tensor::from_values<int8_t>("w", {16, 1, 3, 3}, std::vector<int8_t>(144, 3));
    const PrunedGraph grouped =
        prune_blocks(one_layer("QConv", depthwise, {1, 16, 3, 3}, {1, 16, 1, 1}, 16), {1, 1, 0.5});
    EXPECT_EQ(grouped.report.layers[0].dense_reason, "grouped convolution (group 16)");
    EXPECT_EQ(grouped.report.zero_weights, 0);
}

TEST(PruneBlocks, TheIntegerInterpreterRunsThePrunedLayer) {
    // QGemm [M=4, F=6], group_rows 3, group_channels 2: blocks (g, q) = F[3g, 3g+3) x M[2q, 2q+2).
    // L1: (0,0) = 5, (0,1) = 54, (1,0) = 30, (1,1) = 4; sparsity 0.5 zeroes (1,1) and (0,0).
    const std::vector<int8_t> w = {1, 1, 1, 5, 5,  5,  //
                                   1, 0, 1, 5, 5,  5,  //
                                   9, 9, 9, 1, -1, 1,  //
                                   9, 9, 9, 0, 0,  1};
    const ir::Graph graph = one_layer("QGemm", ir::Tensor::from_values<int8_t>("w", {4, 6}, w), {1, 6}, {1, 4});
    const PrunedGraph pruned = prune_blocks(graph, {3, 2, 0.5});
    ir::Tensor x = ir::Tensor::from_values<int32_t>("x", {1, 6}, {1, 2, 3, 1, 1, -1});
    x.quant = graph.tensor("x").quant;
    const ir::TensorMap feed = {{"x", x}};
    // Dense: 1+2+3+5, 1+3+5, 54-1, 54-1; pruned: 5 (1+1-1), 5, 9 x 6, 9 x 6.
    EXPECT_EQ(interpreter::run_integer(graph, feed).at("y").as_int64s(), (std::vector<int64_t>{11, 9, 53, 53}));
    EXPECT_EQ(interpreter::run_integer(pruned.graph, feed).at("y").as_int64s(), (std::vector<int64_t>{5, 5, 54, 54}));
}

TEST(PruneBlocks, QuantizedNetworkKeepsTheFirstConvAndClassifierDenseAndStillRuns) {
    // small_cnn_cifar10: conv1 3->32, conv2 32->64, conv3 64->128 (3x3), fc 128->10.
    const ir::Graph graph = zoo::build_model("small_cnn_cifar10");
    const auto samples = random_samples(graph, 2, 5);
    const ir::Graph integer = quantize_network(graph, samples, {});
    const PruneConfig config{16, 4, 0.5};
    const PrunedGraph pruned = prune_blocks(integer, config);
    const PruneReport& report = pruned.report;
    ASSERT_EQ(report.layers.size(), 4u);
    const int64_t blocks[4] = {0, 9 * 2 * 16, 9 * 4 * 32, 0};
    int64_t zeros = 0, weights = 0;
    for (size_t i = 0; i < 4; ++i) {
        const LayerPruning& layer = report.layers[i];
        SCOPED_TRACE(layer.layer);
        EXPECT_EQ(layer.blocks, blocks[i]);
        EXPECT_EQ(layer.pruned_blocks, blocks[i] / 2);
        EXPECT_EQ(layer.weights_zeroed, blocks[i] / 2 * 16 * 4);
        EXPECT_EQ(layer.dense_reason.empty(), blocks[i] > 0);
        const int node = pruned.graph.find_node(layer.layer);
        ASSERT_GE(node, 0);
        const auto after = weights_of(pruned.graph, pruned.graph.nodes[node].inputs[1]);
        const auto before = weights_of(integer, integer.nodes[node].inputs[1]);
        if (blocks[i] == 0) {
            EXPECT_EQ(after, before);
        }
        EXPECT_EQ(static_cast<int64_t>(after.size()), layer.weights);
        const int64_t layer_zeros = std::count(after.begin(), after.end(), int8_t{0});
        EXPECT_GE(layer_zeros, layer.weights_zeroed);
        zeros += layer_zeros;
        weights += layer.weights;
    }
    EXPECT_EQ(report.layers[0].dense_reason, "input channels 3 are not a multiple of group_rows 16");
    EXPECT_EQ(report.layers[3].dense_reason, "output channels 10 are not a multiple of group_channels 4");
    EXPECT_EQ(report.weights, weights);
    EXPECT_EQ(report.zero_weights, zeros);
    // conv2 and conv3 lose half their weights: (18432 + 73728) / 2 of 864 + 18432 + 73728 + 1280.
    EXPECT_GE(report.weight_sparsity(), (18432.0 + 73728.0) / 2 / 94304.0);

    const std::string& input = integer.inputs[0];
    const ir::TensorMap feed = {{input, quantize_input(samples[0].at(input), integer.tensor(input).quant)}};
    const ir::Tensor logits = interpreter::run_integer(pruned.graph, feed).at(pruned.graph.outputs[0]);
    EXPECT_EQ(logits.shape, (ir::Shape{1, 10}));
    // Sparsity 0 changes nothing, to the bit.
    const ir::Graph unpruned = prune_blocks(integer, {16, 4, 0.0}).graph;
    EXPECT_EQ(interpreter::run_integer(unpruned, feed).at(integer.outputs[0]).as_int64s(),
              interpreter::run_integer(integer, feed).at(integer.outputs[0]).as_int64s());
}

TEST(PruneBlocks, BadConfigIsOneLineNamingTheField) {
    EXPECT_EQ(error_of({0, 1, 0.5}), "prune_blocks: group_rows 0 is not at least 1");
    EXPECT_EQ(error_of({16, -2, 0.5}), "prune_blocks: group_channels -2 is not at least 1");
    EXPECT_EQ(error_of({16, 1, 1.0}), "prune_blocks: sparsity 1 is not in [0, 1)");
    EXPECT_EQ(error_of({16, 1, -0.25}), "prune_blocks: sparsity -0.25 is not in [0, 1)");
    EXPECT_EQ(error_of({16, 1, std::nan("")}), "prune_blocks: sparsity nan is not in [0, 1)");
    EXPECT_EQ(error_of({16, 1, 0.0}), "no error");
    // prune_blocks checks the config before touching the graph.
    const auto gemm = ir::Tensor::from_values<int8_t>("w", {2, 2}, {1, 2, 3, 4});
    EXPECT_THROW(prune_blocks(one_layer("QGemm", gemm, {1, 2}, {1, 2}), {16, 1, 2.0}), std::runtime_error);
}

TEST(PruneBlocks, AWeightThatIsNotAnInt8ConstantIsAnError) {
    ir::Graph graph = one_layer("QGemm", ir::Tensor::from_values<int32_t>("w", {2, 2}, {1, 2, 3, 4}), {1, 2}, {1, 2});
    try {
        prune_blocks(graph, {1, 1, 0.5});
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()),
                  "prune_blocks: QGemm 'layer': weight 'w' is int32 2x2, expected int8 of rank 2");
    }
}

}  // namespace
}  // namespace cimvp::passes
