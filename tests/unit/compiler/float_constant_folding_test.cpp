// Constant folding: shape arithmetic as exporters write it collapses into initializers.
#include "firmware/compiler/interpreter/float_constant_folding.h"

#include <gtest/gtest.h>

#include "firmware/compiler/interpreter/float_interpreter.h"
#include "firmware/compiler/ir/shape_inference.h"

namespace cimvp::ir {
namespace {

// y = Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0), [0]), [-1])) + (a + b): "x.view(x.size(0), -1) + bias".
Graph exported_flatten() {
    Graph graph;
    graph.name = "flatten";
    graph.inputs = {"x"};
    graph.outputs = {"y"};
    graph.values["x"] = Tensor("x", DataType::kFloat32, {2, 3, 4});
    auto constant = [&](Tensor tensor) { graph.initializers[tensor.name] = std::move(tensor); };
    constant(Tensor::from_values<int64_t>("zero", {}, {0}));
    constant(Tensor::from_values<int64_t>("axes", {1}, {0}));
    constant(Tensor::from_values<int64_t>("rest", {1}, {-1}));
    constant(Tensor::from_values<float>("a", {12}, std::vector<float>(12, 1.0f)));
    constant(Tensor::from_values<float>("b", {12}, std::vector<float>(12, 0.5f)));
    graph.add_node({"shape", "Shape", {"x"}, {"dims"}, {}});
    graph.add_node({"batch", "Gather", {"dims", "zero"}, {"n"}, {}});
    graph.add_node({"unsqueeze", "Unsqueeze", {"n", "axes"}, {"n1"}, {}});
    graph.add_node({"target", "Concat", {"n1", "rest"}, {"shape2d"}, {{"axis", int64_t{0}}}});
    graph.add_node({"reshape", "Reshape", {"x", "shape2d"}, {"flat"}, {}});
    graph.add_node({"bias", "Add", {"a", "b"}, {"ab"}, {}});
    graph.add_node({"add", "Add", {"flat", "ab"}, {"y"}, {}});
    return graph;
}

TEST(FoldConstants, ShapeArithmeticBecomesAnInitializer) {
    const Graph folded = fold_constants(exported_flatten());
    ASSERT_EQ(folded.nodes.size(), 2u);
    EXPECT_EQ(folded.nodes[0].op_type, "Reshape");
    EXPECT_EQ(folded.nodes[1].op_type, "Add");
    EXPECT_EQ(folded.initializers.at("shape2d").as_int64s(), (std::vector<int64_t>{2, -1}));
    EXPECT_EQ(folded.initializers.at("ab").as_doubles(), std::vector<double>(12, 1.5));
    // The intermediate constants are gone; shapes of the kept nodes are known.
    EXPECT_FALSE(folded.has_tensor("dims"));
    EXPECT_FALSE(folded.has_tensor("zero"));
    EXPECT_EQ(folded.tensor("y").shape, (Shape{2, 12}));

    std::vector<float> x(24);
    for (int i = 0; i < 24; ++i) x[static_cast<std::size_t>(i)] = static_cast<float>(i);
    const auto y = run_float(folded, {{"x", Tensor::from_values<float>("x", {2, 3, 4}, x)}}).at("y");
    for (int i = 0; i < 24; ++i) EXPECT_EQ(y.values<float>()[i], static_cast<float>(i) + 1.5f);
}

TEST(FoldConstants, WithoutFoldingTheReshapeTargetIsNotConstant) {
    EXPECT_THROW(infer_shapes(exported_flatten()), UnsupportedError);
}

TEST(FoldConstants, GatherRejectsAnOutOfRangeIndex) {
    Graph graph = exported_flatten();
    graph.initializers["zero"] = Tensor::from_values<int64_t>("zero", {}, {3});
    try {
        fold_constants(graph);
        FAIL() << "expected an index error";
    } catch (const std::runtime_error& error) {
        EXPECT_STREQ(error.what(), "Gather 'batch': index 3 is out of range for 3 entries");
    }
}

}  // namespace
}  // namespace cimvp::ir
