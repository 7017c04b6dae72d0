// The importer's rewrites of pre-opset-13 operator forms, run as passes on graphs built in code.
#include "firmware/compiler/onnx/legacy_forms.h"

#include <gtest/gtest.h>

#include <cmath>

#include "firmware/compiler/interpreter/float_constant_folding.h"
#include "firmware/compiler/interpreter/float_interpreter.h"
#include "firmware/compiler/ir/shape_inference.h"

namespace cimvp::ir {
namespace {

Graph one_node(Node node, Shape input_shape) {
    Graph graph;
    graph.inputs = {"x"};
    graph.outputs = {node.outputs[0]};
    graph.values["x"] = Tensor("x", DataType::kFloat32, std::move(input_shape));
    graph.add_node(std::move(node));
    return graph;
}

TEST(LegacyForms, AttributesBecomeConstantInputsOnlyForOldOpsets) {
    const Node slice{
        "s",
        "Slice",
        {"x"},
        {"y"},
        {{"starts", std::vector<int64_t>{1}}, {"ends", std::vector<int64_t>{3}}, {"axes", std::vector<int64_t>{1}}}};
    Graph old_graph = one_node(slice, {2, 4});
    old_graph = upgrade_attribute_forms(std::move(old_graph), 9);
    EXPECT_EQ(old_graph.nodes[0].inputs, (std::vector<std::string>{"x", "s/starts", "s/ends", "s/axes"}));
    EXPECT_TRUE(old_graph.nodes[0].attributes.empty());
    EXPECT_EQ(old_graph.initializers.at("s/ends").as_int64s(), (std::vector<int64_t>{3}));
    old_graph = infer_shapes(std::move(old_graph));
    EXPECT_EQ(old_graph.tensor("y").shape, (Shape{2, 2}));

    // At opset 10 Slice already takes inputs: attributes stay and are then rejected as unsupported.
    Graph new_graph = one_node(slice, {2, 4});
    new_graph = upgrade_attribute_forms(std::move(new_graph), 10);
    EXPECT_EQ(new_graph.nodes[0].inputs.size(), 1u);
    EXPECT_THROW(infer_shapes(new_graph), UnsupportedError);
}

TEST(LegacyForms, PadValueAndDropoutRatio) {
    Graph graph =
        one_node({"p", "Pad", {"x"}, {"y"}, {{"pads", std::vector<int64_t>{0, 1, 0, 1}}, {"value", 5.0f}}}, {1, 2});
    graph.add_node({"d", "Dropout", {"y"}, {"z"}, {{"ratio", 0.3f}}});
    graph.outputs = {"z"};
    graph = upgrade_attribute_forms(std::move(graph), 10);
    EXPECT_EQ(graph.nodes[0].inputs, (std::vector<std::string>{"x", "p/pads", "p/value"}));
    EXPECT_EQ(graph.nodes[1].inputs, (std::vector<std::string>{"y", "d/ratio"}));
    graph = infer_shapes(std::move(graph));
    const auto z = run_float(graph, {{"x", Tensor::from_values<float>("x", {1, 2}, {1, 2})}}).at("z");
    EXPECT_EQ(std::vector<float>(z.values<float>(), z.values<float>() + 4), (std::vector<float>{5, 1, 2, 5}));
}

TEST(LegacyForms, OldSoftmaxNormalizesOverAllTrailingAxes) {
    Graph graph = one_node({"sm", "LogSoftmax", {"x"}, {"y"}, {}}, {2, 2, 2});  // axis defaults to 1
    graph = upgrade_softmax_forms(std::move(graph));
    std::vector<std::string> ops;
    for (const auto& node : graph.nodes) ops.push_back(node.op_type);
    EXPECT_EQ(ops, (std::vector<std::string>{"Shape", "Flatten", "LogSoftmax", "Reshape"}));
    graph = infer_shapes(fold_constants(std::move(graph)));
    ASSERT_EQ(graph.nodes.size(), 3u);  // the Shape is now a constant
    const auto y =
        run_float(graph, {{"x", Tensor::from_values<float>("x", {2, 2, 2}, {0, 0, 0, 0, 1, 1, 1, 1})}}).at("y");
    ASSERT_EQ(y.shape, (Shape{2, 2, 2}));
    // Each batch row holds four equal values: log(1/4) everywhere.
    for (int i = 0; i < 8; ++i) EXPECT_NEAR(y.values<float>()[i], std::log(0.25f), 1e-6);
}

TEST(LegacyForms, OldSoftmaxOnTheLastAxisStaysOneNode) {
    Graph known_rank = one_node({"sm", "Softmax", {"x"}, {"y"}, {}}, {3, 4});  // axis 1 of a 2-D graph input
    known_rank = upgrade_softmax_forms(std::move(known_rank));
    ASSERT_EQ(known_rank.nodes.size(), 1u);
    EXPECT_EQ(known_rank.nodes[0].attribute_int("axis", 0), -1);
    Graph explicit_last = one_node({"sm", "Hardmax", {"x"}, {"y"}, {{"axis", int64_t{-1}}}}, {3, 4, 5});
    explicit_last = upgrade_softmax_forms(std::move(explicit_last));
    EXPECT_EQ(explicit_last.nodes.size(), 1u);
}

}  // namespace
}  // namespace cimvp::ir
