// ONNX export: a graph built in code is exported, checked by ONNX's own checker, imported back and
// run; both graphs must give bit-identical outputs.
#include "firmware/compiler/onnx/onnx_export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <onnx/checker.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "firmware/compiler/interpreter/float_interpreter.h"
#include "firmware/compiler/ir/shape_inference.h"
#include "firmware/compiler/onnx/onnx_import.h"

namespace cimvp::ir {
namespace {

Tensor random_tensor(const std::string& name, Shape shape, unsigned seed, float low = -1, float high = 1) {
    std::mt19937 generator(seed);
    std::uniform_real_distribution<float> distribution(low, high);
    std::vector<float> values(static_cast<std::size_t>(element_count(shape)));
    for (auto& value : values) value = distribution(generator);
    return Tensor::from_values<float>(name, shape, values);
}

// conv-bn-relu, a max pool, a residual conv + add, clip, global pool, flatten, fc, softmax.
Graph small_network() {
    Graph graph;
    graph.name = "small";
    graph.inputs = {"image"};
    graph.outputs = {"probabilities"};
    graph.values["image"] = Tensor("image", DataType::kFloat32, {1, 3, 16, 16});
    auto constant = [&](Tensor tensor) { graph.initializers[tensor.name] = std::move(tensor); };
    constant(random_tensor("conv1.w", {8, 3, 3, 3}, 1));
    constant(random_tensor("bn.scale", {8}, 2, 0.5f, 1.5f));
    constant(random_tensor("bn.bias", {8}, 3));
    constant(random_tensor("bn.mean", {8}, 4));
    constant(random_tensor("bn.var", {8}, 5, 0.5f, 2.0f));
    constant(random_tensor("conv2.w", {8, 8, 3, 3}, 6));
    constant(random_tensor("conv2.b", {8}, 7));
    constant(random_tensor("fc.w", {10, 8}, 8));
    constant(random_tensor("fc.b", {10}, 9));
    constant(Tensor::from_values<int64_t>("flat.shape", {2}, {1, -1}));
    constant(Tensor::from_values<float>("clip.min", {}, {0}));
    constant(Tensor::from_values<float>("clip.max", {}, {6}));
    using Ints = std::vector<int64_t>;
    graph.add_node(
        {"conv1", "Conv", {"image", "conv1.w"}, {"c1"}, {{"pads", Ints{1, 1, 1, 1}}, {"strides", Ints{1, 1}}}});
    graph.add_node(
        {"bn", "BatchNormalization", {"c1", "bn.scale", "bn.bias", "bn.mean", "bn.var"}, {"b1"}, {{"epsilon", 1e-5f}}});
    graph.add_node({"relu", "Relu", {"b1"}, {"r1"}, {}});
    graph.add_node({"pool", "MaxPool", {"r1"}, {"p1"}, {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}});
    graph.add_node({"conv2", "Conv", {"p1", "conv2.w", "conv2.b"}, {"c2"}, {{"auto_pad", std::string("SAME_UPPER")}}});
    graph.add_node({"add", "Add", {"c2", "p1"}, {"s"}, {}});
    graph.add_node({"clip", "Clip", {"s", "clip.min", "clip.max"}, {"k"}, {}});
    graph.add_node({"gap", "GlobalAveragePool", {"k"}, {"g"}, {}});
    graph.add_node({"flat", "Reshape", {"g", "flat.shape"}, {"f"}, {}});
    graph.add_node({"fc", "Gemm", {"f", "fc.w", "fc.b"}, {"logits"}, {{"transB", int64_t{1}}}});
    graph.add_node({"softmax", "Softmax", {"logits"}, {"probabilities"}, {{"axis", int64_t{1}}}});
    return infer_shapes(std::move(graph));
}

TEST(OnnxExport, RoundTripGivesIdenticalOutputs) {
    const Graph original = small_network();
    const std::string path = testing::TempDir() + "/cimvp_export_" + std::to_string(::getpid()) + ".onnx";
    export_onnx(original, path);
    const Graph imported = import_onnx(path);
    std::filesystem::remove(path);

    EXPECT_EQ(imported.nodes.size(), original.nodes.size());
    EXPECT_EQ(imported.tensor("probabilities").shape, (Shape{1, 10}));
    const TensorMap inputs = {{"image", random_tensor("image", {1, 3, 16, 16}, 42)}};
    const Tensor expected = run_float(original, inputs).at("probabilities");
    const Tensor actual = run_float(imported, inputs).at("probabilities");
    ASSERT_EQ(actual.data.size(), expected.data.size());
    EXPECT_EQ(std::memcmp(actual.data.data(), expected.data.data(), expected.data.size()), 0);
    // Not a constant output: the probabilities differ from each other and sum to 1.
    float sum = 0;
    for (int i = 0; i < 10; ++i) sum += actual.values<float>()[i];
    EXPECT_NEAR(sum, 1.0f, 1e-5);
    EXPECT_NE(actual.values<float>()[0], actual.values<float>()[1]);
}

TEST(OnnxExport, PassesTheOnnxChecker) {
    const onnx::ModelProto model = to_onnx_model(small_network());
    EXPECT_EQ(model.opset_import(0).version(), 13);
    EXPECT_NO_THROW(onnx::checker::check_model(model));
}

TEST(OnnxExport, RaisesTheOpsetForLaterOperators) {
    Graph graph;
    graph.inputs = {"x"};
    graph.outputs = {"y"};
    graph.values["x"] = Tensor("x", DataType::kFloat32, {1, 4});
    graph.add_node({"act", "HardSwish", {"x"}, {"y"}, {}});  // first in opset 14
    graph = infer_shapes(std::move(graph));
    const onnx::ModelProto model = to_onnx_model(graph);
    EXPECT_EQ(model.opset_import(0).version(), 14);
    EXPECT_NO_THROW(onnx::checker::check_model(model));
    graph.nodes[0].op_type = "WeightPoolConv";
    EXPECT_THAT([&] { to_onnx_model(graph); }, testing::ThrowsMessage<std::runtime_error>(
                                                   "WeightPoolConv 'act': no ONNX operator of this type to export"));
}

TEST(OnnxExport, UnwritablePathIsNamed) {
    EXPECT_THAT([] { export_onnx(small_network(), "/nonexistent-dir/model.onnx"); },
                testing::ThrowsMessage<std::runtime_error>("/nonexistent-dir/model.onnx: error: cannot write file"));
}

}  // namespace
}  // namespace cimvp::ir
