// fold_batchnorm: the folded conv computes what conv + batch norm computed.
#include <gtest/gtest.h>

#include <cmath>

#include "firmware/compiler/interpreter/float_interpreter.h"
#include "firmware/compiler/ir/shape_inference.h"
#include "firmware/compiler/passes/fold_batchnorm.h"

namespace cimvp::passes {
namespace {

// x (1x1x1x2) -> Conv (2 output channels, 1x1, weights {2, -1}, bias {0.5, 0}) -> BN -> y
ir::Graph conv_bn(bool conv_feeds_another_node) {
    ir::Graph graph;
    graph.inputs = {"x"};
    graph.outputs = {"y"};
    graph.values["x"] = ir::Tensor("x", ir::DataType::kFloat32, {1, 1, 1, 2});
    graph.initializers["w"] = ir::Tensor::from_values<float>("w", {2, 1, 1, 1}, {2.0f, -1.0f});
    graph.initializers["b"] = ir::Tensor::from_values<float>("b", {2}, {0.5f, 0.0f});
    graph.initializers["gamma"] = ir::Tensor::from_values<float>("gamma", {2}, {1.0f, 3.0f});
    graph.initializers["beta"] = ir::Tensor::from_values<float>("beta", {2}, {0.25f, -1.0f});
    graph.initializers["mean"] = ir::Tensor::from_values<float>("mean", {2}, {1.0f, 2.0f});
    graph.initializers["var"] = ir::Tensor::from_values<float>("var", {2}, {4.0f, 0.25f});
    graph.nodes.push_back({"conv", "Conv", {"x", "w", "b"}, {"c"}, {}});
    ir::Node bn{"bn", "BatchNormalization", {"c", "gamma", "beta", "mean", "var"}, {"y"}, {}};
    bn.attributes["epsilon"] = 0.0f;
    graph.nodes.push_back(bn);
    if (conv_feeds_another_node) {
        graph.nodes.push_back({"side", "Relu", {"c"}, {"z"}, {}});
        graph.outputs.push_back("z");
    }
    return ir::infer_shapes(graph);
}

TEST(FoldBatchNorm, FoldsIntoWeightsAndBias) {
    const ir::Graph folded = fold_batchnorm(conv_bn(false));
    ASSERT_EQ(folded.nodes.size(), 1u);
    const ir::Node& conv = folded.nodes[0];
    EXPECT_EQ(conv.op_type, "Conv");
    EXPECT_EQ(conv.outputs[0], "y");
    // a = gamma / sqrt(var) = {0.5, 6}; W' = {1, -6}; b' = a (b - mean) + beta = {0, -13}.
    EXPECT_EQ(folded.initializers.at(conv.inputs[1]).as_doubles(), (std::vector<double>{1.0, -6.0}));
    EXPECT_EQ(folded.initializers.at(conv.inputs[2]).as_doubles(), (std::vector<double>{0.0, -13.0}));
    EXPECT_FALSE(folded.is_initializer("gamma"));  // unused tensors are dropped
    folded.validate();
}

TEST(FoldBatchNorm, SameOutputsAsTheUnfoldedGraph) {
    const ir::Graph graph = conv_bn(false);
    const ir::Graph folded = fold_batchnorm(graph);
    const ir::TensorMap inputs = {{"x", ir::Tensor::from_values<float>("x", {1, 1, 1, 2}, {1.5f, -2.0f})}};
    const auto expected = ir::run_float(graph, inputs).at("y").as_doubles();
    const auto got = ir::run_float(folded, inputs).at("y").as_doubles();
    ASSERT_EQ(expected.size(), got.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], expected[i], 1e-5);
}

TEST(FoldBatchNorm, LeavesAConvWithOtherReadersAlone) {
    const ir::Graph folded = fold_batchnorm(conv_bn(true));
    EXPECT_EQ(folded.nodes.size(), 3u);
    EXPECT_EQ(folded.nodes[1].op_type, "BatchNormalization");
}

}  // namespace
}  // namespace cimvp::passes
