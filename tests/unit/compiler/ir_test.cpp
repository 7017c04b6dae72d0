// The IR containers: tensors, graph editing, ordering and validation, and the per-layer summary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "firmware/compiler/ir/graph.h"
#include "firmware/compiler/ir/shape_inference.h"
#include "firmware/compiler/ir/summary.h"

namespace cimvp::ir {
namespace {

using testing::HasSubstr;

TEST(Tensor, HoldsTypedValuesAndWidensThem) {
    Tensor tensor = Tensor::from_values<int8_t>("w", {2, 2}, {-3, 1, 127, -128});
    EXPECT_EQ(tensor.type, DataType::kInt8);
    EXPECT_EQ(tensor.element_count(), 4);
    EXPECT_EQ(tensor.data.size(), 4u);
    EXPECT_EQ(tensor.values<int8_t>()[3], -128);
    EXPECT_EQ(tensor.as_int64s(), (std::vector<int64_t>{-3, 1, 127, -128}));
    EXPECT_EQ(tensor.as_doubles()[2], 127.0);
}

TEST(Tensor, RejectsReadsAsAnotherType) {
    Tensor tensor = Tensor::from_values<float>("x", {1}, {1.5f});
    try {
        tensor.values<int32_t>();
        FAIL() << "expected a type error";
    } catch (const std::logic_error& error) {
        EXPECT_STREQ(error.what(), "tensor 'x' is float32, read as int32");
    }
}

TEST(Tensor, RejectsAValueCountThatDoesNotMatchTheShape) {
    EXPECT_THROW(Tensor::from_values<float>("x", {2, 3}, {1, 2, 3}), std::logic_error);
}

TEST(Tensor, ShapesPrintAndCount) {
    EXPECT_EQ(to_string(Shape{1, 3, 224, 224}), "1x3x224x224");
    EXPECT_EQ(to_string(Shape{}), "scalar");
    EXPECT_EQ(element_count(Shape{}), 1);
    EXPECT_EQ(element_count(Shape{2, 0, 5}), 0);
    EXPECT_EQ(element_size(DataType::kInt64), 8u);
    EXPECT_EQ(Tensor::zeros("z", DataType::kInt32, {3, 2}).data.size(), 24u);
}

TEST(Node, TypedAttributesFallBackAndRejectWrongTypes) {
    Node node{"c", "Conv", {"x", "w"}, {"y"}, {{"group", int64_t{2}}, {"strides", std::vector<int64_t>{2, 2}}}};
    EXPECT_EQ(node.attribute_int("group", 1), 2);
    EXPECT_EQ(node.attribute_int("missing", 7), 7);
    EXPECT_EQ(node.attribute_ints("strides", {}), (std::vector<int64_t>{2, 2}));
    EXPECT_EQ(node.input(5), "");
    try {
        node.attribute_float("group", 0);
        FAIL() << "expected an attribute type error";
    } catch (const std::runtime_error& error) {
        EXPECT_STREQ(error.what(), "Conv 'c': attribute 'group' is not a float");
    }
}

// x -> relu1 -> a -> relu2 -> b ; add(a, b) -> y
Graph chain() {
    Graph graph;
    graph.name = "chain";
    graph.inputs = {"x"};
    graph.outputs = {"y"};
    graph.values["x"] = Tensor("x", DataType::kFloat32, {1, 4});
    graph.add_node({"relu1", "Relu", {"x"}, {"a"}, {}});
    graph.add_node({"relu2", "Relu", {"a"}, {"b"}, {}});
    graph.add_node({"add", "Add", {"a", "b"}, {"y"}, {}});
    return graph;
}

TEST(Graph, FindsProducersAndConsumers) {
    const Graph graph = chain();
    EXPECT_EQ(graph.producer("b"), 1);
    EXPECT_EQ(graph.producer("x"), -1);
    EXPECT_EQ(graph.consumers("a"), (std::vector<int>{1, 2}));
    EXPECT_EQ(graph.find_node("add"), 2);
    EXPECT_EQ(graph.find_node("nope"), -1);
}

TEST(Graph, SortsNodesAfterTheirProducers) {
    Graph graph = chain();
    std::swap(graph.nodes[0], graph.nodes[2]);  // add, relu2, relu1
    EXPECT_THROW(graph.validate(), std::runtime_error);
    graph.topological_sort();
    EXPECT_EQ(graph.nodes[0].name, "relu1");
    EXPECT_EQ(graph.nodes[1].name, "relu2");
    EXPECT_EQ(graph.nodes[2].name, "add");
    EXPECT_NO_THROW(graph.validate());
}

TEST(Graph, ReportsACycle) {
    Graph graph = chain();
    graph.nodes[0].inputs = {"b"};  // relu1 reads relu2's output
    try {
        graph.topological_sort();
        FAIL() << "expected a cycle error";
    } catch (const std::runtime_error& error) {
        EXPECT_STREQ(error.what(), "graph 'chain': Relu 'relu1' is on or behind a cycle");
    }
}

TEST(Graph, ValidationNamesTheFirstProblem) {
    Graph undefined = chain();
    undefined.nodes[2].inputs[1] = "ghost";
    EXPECT_THAT([&] { undefined.validate(); }, testing::ThrowsMessage<std::runtime_error>(
                                                   "graph 'chain': Add 'add' reads 'ghost', which nothing defines"));
    Graph twice = chain();
    twice.nodes[1].outputs = {"a"};
    EXPECT_THAT([&] { twice.validate(); }, testing::ThrowsMessage<std::runtime_error>(HasSubstr("produces 'a'")));
    Graph no_output = chain();
    no_output.outputs = {"z"};
    EXPECT_THAT([&] { no_output.validate(); },
                testing::ThrowsMessage<std::runtime_error>("graph 'chain': graph output 'z' is never produced"));
}

TEST(Graph, EditsNodesAndRewiresUses) {
    Graph graph = chain();
    // Bypass relu2: add reads a twice, then relu2 and its value info go away.
    graph = infer_shapes(std::move(graph));
    graph.replace_uses("b", "a");
    graph.remove_node(1);
    EXPECT_EQ(graph.nodes.size(), 2u);
    EXPECT_EQ(graph.nodes[1].inputs, (std::vector<std::string>{"a", "a"}));
    EXPECT_FALSE(graph.has_tensor("b"));
    EXPECT_NO_THROW(graph.validate());

    graph.insert_node(1, {"relu3", "Relu", {"a"}, {"c"}, {}});
    graph.initializers["unused"] = Tensor::from_values<float>("unused", {1}, {0});
    graph.remove_unused_tensors();
    EXPECT_FALSE(graph.is_initializer("unused"));
    EXPECT_EQ(graph.producer("c"), 1);
}

TEST(Summary, CountsMacsParamsAndWeightBytes) {
    Graph graph;
    graph.inputs = {"x"};
    graph.outputs = {"y"};
    graph.values["x"] = Tensor("x", DataType::kFloat32, {1, 3, 8, 8});
    graph.initializers["w"] = Tensor::zeros("w", DataType::kFloat32, {4, 3, 3, 3});
    graph.initializers["b"] = Tensor::zeros("b", DataType::kFloat32, {4});
    graph.initializers["fc"] = Tensor::zeros("fc", DataType::kInt8, {10, 64});
    graph.initializers["fc"].quant.bits = 4;
    graph.initializers["shape"] = Tensor::from_values<int64_t>("shape", {2}, {1, -1});
    graph.add_node({"conv",
                    "Conv",
                    {"x", "w", "b"},
                    {"c"},
                    {{"pads", std::vector<int64_t>{1, 1, 1, 1}}, {"strides", std::vector<int64_t>{2, 2}}}});
    graph.add_node({"pool", "GlobalAveragePool", {"c"}, {"p"}, {}});
    graph.add_node({"flat", "Reshape", {"c", "shape"}, {"f"}, {}});
    graph.initializers["fc"].type = DataType::kFloat32;  // shape inference needs float; bits still say 4
    graph.initializers["fc"].data.resize(640 * 4);
    graph.add_node({"fc", "Gemm", {"f", "fc"}, {"y"}, {{"transB", int64_t{1}}}});
    graph = infer_shapes(std::move(graph));
    const GraphSummary summary = summarize(graph);
    ASSERT_EQ(summary.layers.size(), 4u);
    // Conv: 4 x 4 x 4 outputs, each 3 x 3 x 3 MACs.
    EXPECT_EQ(summary.layers[0].macs, 4 * 4 * 4 * 27);
    EXPECT_EQ(summary.layers[0].params, 4 * 27 + 4);
    EXPECT_EQ(summary.layers[0].weight_bytes, (4 * 27 + 4) * 4);
    EXPECT_EQ(summary.layers[0].output_shape, (Shape{1, 4, 4, 4}));
    EXPECT_EQ(summary.layers[2].params, 0);  // the int64 shape operand is not a weight
    EXPECT_EQ(summary.layers[3].macs, 10 * 64);
    EXPECT_EQ(summary.layers[3].weight_bytes, 640 * 4 / 8);
    EXPECT_EQ(summary.total_macs, 4 * 4 * 4 * 27 + 640);
    EXPECT_EQ(summary.total_params, 4 * 27 + 4 + 640);
    const std::string table = format_summary(summary);
    EXPECT_THAT(table, HasSubstr("conv   Conv"));
    EXPECT_THAT(table, HasSubstr("1x3x8x8"));
    EXPECT_THAT(table, HasSubstr("2,368"));  // total MACs with thousands separators
    EXPECT_THAT(table, HasSubstr("total"));
}

}  // namespace
}  // namespace cimvp::ir
