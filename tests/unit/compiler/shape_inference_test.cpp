// Shape inference per operator and over a graph, with closed-form expected shapes.
#include "firmware/compiler/ir/shape_inference.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "firmware/compiler/ir/window.h"

namespace cimvp::ir {
namespace {

using testing::HasSubstr;
using Attributes = std::map<std::string, AttributeValue>;

Shape infer(const std::string& op, std::vector<Tensor> inputs, Attributes attributes = {}) {
    Node node{"n", op, {}, {"out"}, std::move(attributes)};
    std::vector<const Tensor*> pointers;
    for (const auto& input : inputs) {
        node.inputs.push_back(input.name);
        pointers.push_back(&input);
    }
    return infer_node_outputs(node, pointers).at(0).shape;
}

Tensor value(const std::string& name, Shape shape) { return Tensor(name, DataType::kFloat32, std::move(shape)); }
std::vector<int64_t> ints(std::initializer_list<int64_t> values) { return values; }

TEST(ShapeInference, ConvWithPadsStridesDilationsAndGroups) {
    // (224 + 3 + 3 - 7) / 2 + 1 = 112
    EXPECT_EQ(infer("Conv", {value("x", {1, 3, 224, 224}), value("w", {64, 3, 7, 7})},
                    {{"pads", ints({3, 3, 3, 3})}, {"strides", ints({2, 2})}}),
              (Shape{1, 64, 112, 112}));
    // Dilation 2 makes a 3x3 kernel span 5: (10 - 5) / 1 + 1 = 6.
    EXPECT_EQ(infer("Conv", {value("x", {2, 8, 10, 10}), value("w", {16, 4, 3, 3})},
                    {{"dilations", ints({2, 2})}, {"group", int64_t{2}}}),
              (Shape{2, 16, 6, 6}));
    // Asymmetric pads on a 1-D conv: 7 + 1 + 0 - 3 + 1 = 6.
    EXPECT_EQ(infer("Conv", {value("x", {1, 2, 7}), value("w", {3, 2, 3})}, {{"pads", ints({1, 0})}}),
              (Shape{1, 3, 6}));
}

TEST(ShapeInference, AutoPadSameKeepsCeilOfInputOverStride) {
    for (const char* mode : {"SAME_UPPER", "SAME_LOWER"}) {
        EXPECT_EQ(infer("Conv", {value("x", {1, 1, 7, 8}), value("w", {1, 1, 3, 3})},
                        {{"auto_pad", std::string(mode)}, {"strides", ints({2, 2})}}),
                  (Shape{1, 1, 4, 4}));
    }
    EXPECT_EQ(infer("MaxPool", {value("x", {1, 1, 7, 7})},
                    {{"auto_pad", std::string("VALID")}, {"kernel_shape", ints({3, 3})}, {"strides", ints({2, 2})}}),
              (Shape{1, 1, 3, 3}));
}

TEST(ShapeInference, SamePaddingPutsTheOddElementWhereTheModeSays) {
    const Node upper{"n", "Conv", {}, {}, {{"auto_pad", std::string("SAME_UPPER")}}};
    const Node lower{"n", "Conv", {}, {}, {{"auto_pad", std::string("SAME_LOWER")}}};
    // Input 4, kernel 4, stride 1: total padding 3.
    EXPECT_EQ(resolve_window(upper, {1, 1, 4}, {4}).pad_begin, ints({1}));
    EXPECT_EQ(resolve_window(upper, {1, 1, 4}, {4}).pad_end, ints({2}));
    EXPECT_EQ(resolve_window(lower, {1, 1, 4}, {4}).pad_begin, ints({2}));
}

TEST(ShapeInference, PoolCeilModeDropsAWindowStartingInThePadding) {
    // floor((5 - 2) / 2) + 1 = 2; ceil gives 3.
    EXPECT_EQ(infer("MaxPool", {value("x", {1, 1, 5, 5})}, {{"kernel_shape", ints({2, 2})}, {"strides", ints({2, 2})}}),
              (Shape{1, 1, 2, 2}));
    EXPECT_EQ(infer("AveragePool", {value("x", {1, 1, 5, 5})},
                    {{"kernel_shape", ints({2, 2})}, {"strides", ints({2, 2})}, {"ceil_mode", int64_t{1}}}),
              (Shape{1, 1, 3, 3}));
    // Input 4, pad 1 each side, kernel 2, stride 2, ceil: ceil(4/2) + 1 = 3, and the third window starts at
    // 4 - 1 = 3 < 4 + 1, so it stays. With pads 0 and kernel 1 stride 2 on input 5: 3 windows.
    EXPECT_EQ(pooled_size(4, 2, 2, 1, 1, 1, true), 3);
    EXPECT_EQ(pooled_size(5, 1, 2, 1, 0, 0, true), 3);
    EXPECT_EQ(pooled_size(6, 3, 2, 1, 0, 1, true), 3);  // ceil(4/2)+1 = 3, last start 4 < 6
    EXPECT_EQ(pooled_size(2, 2, 2, 1, 0, 1, true), 1);  // a second window would start at 2 = input + pad_begin
}

TEST(ShapeInference, BroadcastFollowsNumpy) {
    EXPECT_EQ(broadcast_shapes({8, 1, 6, 1}, {7, 1, 5}), (Shape{8, 7, 6, 5}));
    EXPECT_EQ(broadcast_shapes({}, {3}), (Shape{3}));
    EXPECT_THAT(
        [] {
            broadcast_shapes({2, 3}, {4, 3});
        },
        testing::ThrowsMessage<std::runtime_error>("shapes 2x3 and 4x3 do not broadcast"));
    EXPECT_EQ(infer("Add", {value("a", {1, 64, 56, 56}), value("b", {64, 1, 1})}), (Shape{1, 64, 56, 56}));
}

TEST(ShapeInference, ReshapeCopiesZerosAndInfersMinusOne) {
    const Tensor x = value("x", {2, 3, 4, 5});
    EXPECT_EQ(infer("Reshape", {x, Tensor::from_values<int64_t>("s", {3}, {0, -1, 5})}), (Shape{2, 12, 5}));
    EXPECT_EQ(infer("Reshape", {x, Tensor::from_values<int64_t>("s", {2}, {-1, 20})}), (Shape{6, 20}));
    EXPECT_THAT(
        [&] {
            infer("Reshape", {x, Tensor::from_values<int64_t>("s", {2}, {-1, -1})});
        },
        testing::ThrowsMessage<std::runtime_error>(HasSubstr("more than one -1")));
    EXPECT_THAT(
        [&] {
            infer("Reshape", {x, Tensor::from_values<int64_t>("s", {2}, {7, -1})});
        },
        testing::ThrowsMessage<std::runtime_error>("Reshape 'n': cannot reshape 2x3x4x5 to 7x-1"));
    EXPECT_THAT(
        [&] {
            infer("Reshape", {x, Tensor("s", DataType::kInt64, {2})});
        },
        testing::ThrowsMessage<UnsupportedError>(HasSubstr("non-constant target shape")));
}

TEST(ShapeInference, FlattenConcatTransposeGemmMatMul) {
    EXPECT_EQ(infer("Flatten", {value("x", {2, 3, 4, 5})}), (Shape{2, 60}));
    EXPECT_EQ(infer("Flatten", {value("x", {2, 3, 4, 5})}, {{"axis", int64_t{-1}}}), (Shape{24, 5}));
    EXPECT_EQ(infer("Flatten", {value("x", {2, 3})}, {{"axis", int64_t{0}}}), (Shape{1, 6}));
    EXPECT_EQ(infer("Concat", {value("a", {1, 2, 3}), value("b", {1, 5, 3})}, {{"axis", int64_t{-2}}}),
              (Shape{1, 7, 3}));
    EXPECT_THAT(
        [] {
            infer("Concat", {value("a", {1, 2, 3}), value("b", {2, 5, 3})}, {{"axis", int64_t{1}}});
        },
        testing::ThrowsMessage<std::runtime_error>(HasSubstr("differs off the concat axis")));
    EXPECT_EQ(infer("Transpose", {value("x", {2, 3, 4})}), (Shape{4, 3, 2}));
    EXPECT_EQ(infer("Transpose", {value("x", {2, 3, 4})}, {{"perm", ints({0, 2, 1})}}), (Shape{2, 4, 3}));
    EXPECT_EQ(infer("Gemm", {value("a", {5, 3}), value("b", {4, 5}), value("c", {4})},
                    {{"transA", int64_t{1}}, {"transB", int64_t{1}}}),
              (Shape{3, 4}));
    EXPECT_EQ(infer("MatMul", {value("a", {2, 1, 3, 4}), value("b", {5, 4, 6})}), (Shape{2, 5, 3, 6}));
    EXPECT_EQ(infer("MatMul", {value("a", {4}), value("b", {4, 6})}), (Shape{6}));
    EXPECT_EQ(infer("MatMul", {value("a", {3, 4}), value("b", {4})}), (Shape{3}));
}

TEST(ShapeInference, RejectsWhatItDoesNotImplement) {
    EXPECT_THAT(
        [] {
            infer("Conv", {value("x", {1, 1, 4, 4}), value("w", {1, 1, 3, 3})}, {{"bogus", int64_t{1}}});
        },
        testing::ThrowsMessage<UnsupportedError>("Conv 'n': unsupported attribute 'bogus'"));
    EXPECT_THAT([] { infer("Relu", {Tensor("x", DataType::kInt32, {3})}); },
                testing::ThrowsMessage<UnsupportedError>(
                    "Relu 'n': unsupported input type int32 ('x'); only float32 is implemented"));
    EXPECT_THAT(
        [] {
            infer("MaxPool", {value("x", {1, 1, 2, 2, 2, 2})}, {{"kernel_shape", ints({1, 1, 1, 1})}});
        },
        testing::ThrowsMessage<UnsupportedError>("MaxPool 'n': unsupported 4-D window (at most 3 spatial axes)"));
    EXPECT_THAT([] { infer("Frobnicate", {value("x", {3})}); },
                testing::ThrowsMessage<UnsupportedError>("Frobnicate 'n': unsupported operator Frobnicate"));
    EXPECT_THAT(
        [] {
            infer("Conv", {value("x", {1, 3, 4, 4}), value("w", {2, 2, 3, 3})});
        },
        testing::ThrowsMessage<std::runtime_error>(HasSubstr("do not match")));
}

TEST(ShapeInference, RegisteredFunctionsServeNewOperators) {
    register_shape_function("Twice", [](const Node& node, const std::vector<const Tensor*>& inputs) {
        Shape shape = inputs[0]->shape;
        shape[0] *= 2;
        return std::vector<Tensor>{Tensor(node.outputs[0], DataType::kFloat32, shape)};
    });
    EXPECT_TRUE(has_shape_function("Twice"));
    EXPECT_EQ(infer("Twice", {value("x", {3, 2})}), (Shape{6, 2}));
}

TEST(ShapeInference, FillsEveryValueOfAGraphAndKeepsQuantization) {
    Graph graph;
    graph.inputs = {"x"};
    graph.outputs = {"y"};
    graph.values["x"] = value("x", {1, 3, 32, 32});
    graph.initializers["w"] = Tensor::zeros("w", DataType::kFloat32, {8, 3, 3, 3});
    graph.add_node({"conv", "Conv", {"x", "w"}, {"c"}, {{"pads", ints({1, 1, 1, 1})}}});
    graph.add_node({"relu", "Relu", {"c"}, {"r"}, {}});
    graph.add_node({"pool", "MaxPool", {"r"}, {"p"}, {{"kernel_shape", ints({2, 2})}, {"strides", ints({2, 2})}}});
    graph.add_node({"gap", "GlobalAveragePool", {"p"}, {"g"}, {}});
    graph.add_node({"flat", "Flatten", {"g"}, {"y"}, {}});
    graph.values["r"].quant.bits = 8;
    graph = infer_shapes(std::move(graph));
    EXPECT_EQ(graph.tensor("c").shape, (Shape{1, 8, 32, 32}));
    EXPECT_EQ(graph.tensor("p").shape, (Shape{1, 8, 16, 16}));
    EXPECT_EQ(graph.tensor("g").shape, (Shape{1, 8, 1, 1}));
    EXPECT_EQ(graph.tensor("y").shape, (Shape{1, 8}));
    EXPECT_EQ(graph.tensor("r").quant.bits, 8);
    EXPECT_EQ(graph.tensor("r").shape, (Shape{1, 8, 32, 32}));
}

}  // namespace
}  // namespace cimvp::ir
