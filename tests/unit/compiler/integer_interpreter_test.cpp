// The integer interpreter's kernels against values worked out by hand and against a naive
// reference convolution written out in this test.
#include "firmware/compiler/interpreter/integer_interpreter.h"

#include <gtest/gtest.h>

#include <random>

#include "firmware/compiler/ir/shape_inference.h"
#include "firmware/compiler/passes/integer_ops.h"
#include "firmware/compiler/passes/requantize.h"

namespace cimvp::interpreter {
namespace {

using passes::activation_quant;

ir::Tensor int_value(const std::string& name, const ir::Shape& shape, int bits = 8, bool is_signed = true) {
    ir::Tensor tensor(name, ir::DataType::kInt8, shape);
    tensor.quant = activation_quant(bits, is_signed, 1.0);
    tensor.type = passes::storage_type(tensor.quant);
    return tensor;
}

template <typename T>
ir::Tensor data(const std::string& name, const ir::Shape& shape, const std::vector<T>& values) {
    return ir::Tensor::from_values<T>(name, shape, values);
}

// One node over graph inputs `inputs` (with data to run on) and constant `initializers`.
struct OneNode {
    ir::Graph graph;
    ir::TensorMap feed;

    OneNode(ir::Node node, const std::vector<std::pair<ir::Tensor, std::vector<int32_t>>>& inputs,
            const std::vector<ir::Tensor>& initializers, const ir::Tensor& output_info) {
        for (const auto& [info, values] : inputs) {
            graph.inputs.push_back(info.name);
            graph.values[info.name] = info;
            ir::Tensor fed = data<int32_t>(info.name, info.shape, values);
            fed.quant = info.quant;
            feed[info.name] = fed;
        }
        for (const auto& tensor : initializers) graph.initializers[tensor.name] = tensor;
        graph.outputs = {output_info.name};
        graph.values[output_info.name] = output_info;
        graph.nodes.push_back(std::move(node));
    }

    std::vector<int64_t> run() const { return run_integer(graph, feed).at(graph.outputs[0]).as_int64s(); }
};

void set_requantizer(ir::Node& node, std::vector<int64_t> multipliers, std::vector<int64_t> shifts, int64_t low,
                     int64_t high) {
    node.attributes["multiplier"] = std::move(multipliers);
    node.attributes["shift"] = std::move(shifts);
    node.attributes["out_min"] = low;
    node.attributes["out_max"] = high;
}

TEST(IntegerInterpreter, ConvWithPaddingStrideBiasAndRequantization) {
    // x 1x1x3x3 = 1..9, one 2x2 kernel {1, -1, 2, 0}, pads 1, stride 2 -> 2x2 outputs.
    // Windows (top-left at -1,-1), (-1,1), (1,-1), (1,1) read (p = padding):
    //   [p p; p 1] -> 0; [p p; 2 3] -> 4; [p 4; p 7] -> -4; [5 6; 8 9] -> 5 - 6 + 16 = 15.
    // Bias 3, requantization x 0.5 (16384 / 2^15), rounding half up: 1.5 -> 2, 3.5 -> 4, -0.5 -> 0, 9 -> 9.
    ir::Node node{"conv", "QConv", {"x", "w", "b"}, {"y"}, {}};
    node.attributes["pads"] = std::vector<int64_t>{1, 1, 1, 1};
    node.attributes["strides"] = std::vector<int64_t>{2, 2};
    set_requantizer(node, {16384}, {15}, -128, 127);
    OneNode test(node, {{int_value("x", {1, 1, 3, 3}), {1, 2, 3, 4, 5, 6, 7, 8, 9}}},
                 {data<int8_t>("w", {1, 1, 2, 2}, {1, -1, 2, 0}), data<int32_t>("b", {1}, {3})},
                 int_value("y", {1, 1, 2, 2}));
    EXPECT_EQ(test.run(), (std::vector<int64_t>{2, 4, 0, 9}));
}

TEST(IntegerInterpreter, ConvSaturatesToTheOutputRange) {
    // 1x1 conv with weight 100 on inputs {2, -2, 1}: 200 -> 127, -200 -> 0 (fused ReLU range 0..127), 100.
    ir::Node node{"conv", "QConv", {"x", "w", "b"}, {"y"}, {}};
    set_requantizer(node, {16384}, {14}, 0, 127);  // x 1.0
    OneNode test(node, {{int_value("x", {1, 1, 1, 3}), {2, -2, 1}}},
                 {data<int8_t>("w", {1, 1, 1, 1}, {100}), data<int32_t>("b", {1}, {0})}, int_value("y", {1, 1, 1, 3}));
    EXPECT_EQ(test.run(), (std::vector<int64_t>{127, 0, 100}));
}

// A direct convolution, as the definition in docs/ir.md reads, for random shapes and values.
std::vector<int64_t> naive_conv(const std::vector<int32_t>& x, const ir::Shape& xs, const std::vector<int8_t>& w,
                                const ir::Shape& ws, const std::vector<int32_t>& bias, int64_t group, int64_t stride,
                                int64_t pad, const std::vector<int64_t>& multiplier, const std::vector<int64_t>& shift,
                                int32_t low, int32_t high, ir::Shape& ys) {
    const int64_t oh = (xs[2] + 2 * pad - ws[2]) / stride + 1, ow = (xs[3] + 2 * pad - ws[3]) / stride + 1;
    ys = {xs[0], ws[0], oh, ow};
    std::vector<int64_t> y;
    const int64_t out_per_group = ws[0] / group;
    for (int64_t n = 0; n < xs[0]; ++n) {
        for (int64_t k = 0; k < ws[0]; ++k) {
            const int64_t g = k / out_per_group;
            for (int64_t i = 0; i < oh; ++i) {
                for (int64_t j = 0; j < ow; ++j) {
                    int64_t acc = bias[k];
                    for (int64_t c = 0; c < ws[1]; ++c) {
                        for (int64_t u = 0; u < ws[2]; ++u) {
                            for (int64_t v = 0; v < ws[3]; ++v) {
                                const int64_t row = i * stride - pad + u, col = j * stride - pad + v;
                                if (row < 0 || row >= xs[2] || col < 0 || col >= xs[3]) continue;
                                const int64_t channel = g * ws[1] + c;
                                acc += int64_t{w[((k * ws[1] + c) * ws[2] + u) * ws[3] + v]} *
                                       x[((n * xs[1] + channel) * xs[2] + row) * xs[3] + col];
                            }
                        }
                    }
                    const int64_t scaled = (acc * multiplier[k] + (int64_t{1} << (shift[k] - 1))) >> shift[k];
                    y.push_back(std::min<int64_t>(high, std::max<int64_t>(low, scaled)));
                }
            }
        }
    }
    return y;
}

TEST(IntegerInterpreter, ConvMatchesADirectConvolutionOnRandomShapes) {
    std::mt19937 random(7);
    struct Case {
        ir::Shape x, w;
        int64_t group, stride, pad;
    };
    // Output channels and positions that are and are not multiples of the 4x4 tile; depths that are
    // and are not multiples of 16; grouped and depthwise convolutions; batch 2.
    const std::vector<Case> cases = {{{1, 3, 9, 9}, {5, 3, 3, 3}, 1, 1, 1},
                                     {{2, 8, 7, 6}, {8, 4, 3, 3}, 2, 2, 1},
                                     {{1, 16, 5, 5}, {16, 1, 3, 3}, 16, 1, 1},
                                     {{1, 32, 6, 6}, {12, 32, 1, 1}, 1, 1, 0},
                                     {{1, 7, 11, 11}, {9, 7, 5, 5}, 1, 2, 2}};
    for (const Case& c : cases) {
        std::uniform_int_distribution<int> activation(0, 255), weight(-127, 127), bias(-5000, 5000);
        std::uniform_int_distribution<int> multiplier(1 << 14, (1 << 15) - 1), shift(15, 22);
        std::vector<int32_t> x(static_cast<std::size_t>(ir::element_count(c.x)));
        for (auto& v : x) v = activation(random);
        std::vector<int8_t> w(static_cast<std::size_t>(ir::element_count(c.w)));
        for (auto& v : w) v = static_cast<int8_t>(weight(random));
        std::vector<int32_t> b(static_cast<std::size_t>(c.w[0]));
        for (auto& v : b) v = bias(random);
        std::vector<int64_t> m(b.size()), s(b.size());
        for (std::size_t k = 0; k < b.size(); ++k) m[k] = multiplier(random), s[k] = shift(random);
        ir::Shape ys;
        const auto expected = naive_conv(x, c.x, w, c.w, b, c.group, c.stride, c.pad, m, s, -128, 127, ys);

        ir::Node node{"conv", "QConv", {"x", "w", "b"}, {"y"}, {}};
        node.attributes["group"] = c.group;
        node.attributes["strides"] = std::vector<int64_t>{c.stride, c.stride};
        node.attributes["pads"] = std::vector<int64_t>{c.pad, c.pad, c.pad, c.pad};
        set_requantizer(node, m, s, -128, 127);
        OneNode test(node, {{int_value("x", c.x, 8, false), x}}, {data("w", c.w, w), data("b", {c.w[0]}, b)},
                     int_value("y", ys));
        EXPECT_EQ(test.run(), expected) << "x " << ir::to_string(c.x) << ", w " << ir::to_string(c.w);
    }
}

TEST(IntegerInterpreter, GemmPerOutputRequantization) {
    // x = {1, 2, 3}; rows {1, 0, -1} and {2, 2, 2}; bias {10, -4}: accumulators 8 and 8.
    // Output 0 x 0.5 -> 4; output 1 x 0.25 (16384 / 2^16) -> 2.
    ir::Node node{"fc", "QGemm", {"x", "w", "b"}, {"y"}, {{"transB", int64_t{1}}}};
    set_requantizer(node, {16384, 16384}, {15, 16}, -128, 127);
    OneNode test(node, {{int_value("x", {1, 3}), {1, 2, 3}}},
                 {data<int8_t>("w", {2, 3}, {1, 0, -1, 2, 2, 2}), data<int32_t>("b", {2}, {10, -4})},
                 int_value("y", {1, 2}));
    EXPECT_EQ(test.run(), (std::vector<int64_t>{4, 2}));
}

TEST(IntegerInterpreter, AddScalesEachInputAndSharesOneShift) {
    // y = round((a * 3 + b * 1) / 4): (10*3 + 2)/4 = 8; (-7*3 + 1)/4 = -5; (100*3 + 100)/4 = 100 -> 90.
    ir::Node node{"add", "QAdd", {"a", "b"}, {"y"}, {}};
    node.attributes["multiplier_a"] = std::vector<int64_t>{3};
    node.attributes["multiplier_b"] = std::vector<int64_t>{1};
    node.attributes["shift"] = std::vector<int64_t>{2};
    node.attributes["out_min"] = int64_t{-90};
    node.attributes["out_max"] = int64_t{90};
    OneNode test(node, {{int_value("a", {1, 3}), {10, -7, 100}}, {int_value("b", {1, 3}), {2, 1, 100}}}, {},
                 int_value("y", {1, 3}));
    EXPECT_EQ(test.run(), (std::vector<int64_t>{8, -5, 90}));
}

TEST(IntegerInterpreter, ReluRequantizesToAnUnsignedRange) {
    // max(x, 0) x 2 (16384 / 2^13), saturated to 0..255.
    ir::Node node{"relu", "QRelu", {"x"}, {"y"}, {}};
    set_requantizer(node, {16384}, {13}, 0, 255);
    OneNode test(node, {{int_value("x", {1, 4}), {-5, 0, 7, 127}}}, {}, int_value("y", {1, 4}, 8, false));
    EXPECT_EQ(test.run(), (std::vector<int64_t>{0, 0, 14, 254}));
}

TEST(IntegerInterpreter, MaxPoolIgnoresPadding) {
    // 3x3 of negative values, 2x2 windows with pad 1 and stride 2: padding must not win with 0.
    ir::Node node{"pool", "QMaxPool", {"x"}, {"y"}, {}};
    node.attributes["kernel_shape"] = std::vector<int64_t>{2, 2};
    node.attributes["strides"] = std::vector<int64_t>{2, 2};
    node.attributes["pads"] = std::vector<int64_t>{1, 1, 1, 1};
    OneNode test(node, {{int_value("x", {1, 1, 3, 3}), {-9, -8, -7, -6, -5, -4, -3, -2, -1}}}, {},
                 int_value("y", {1, 1, 2, 2}));
    EXPECT_EQ(test.run(), (std::vector<int64_t>{-9, -7, -3, -1}));
}

TEST(IntegerInterpreter, GlobalAveragePoolFoldsTheCountIntoTheRequantizer) {
    // Channel sums 1+2+3+4 = 10 and 5+5+5+6 = 21; x 1/4 (16384 / 2^16): 2.5 -> 3, 5.25 -> 5.
    ir::Node node{"gap", "QGlobalAveragePool", {"x"}, {"y"}, {}};
    set_requantizer(node, {16384}, {16}, 0, 255);
    OneNode test(node, {{int_value("x", {1, 2, 2, 2}, 8, false), {1, 2, 3, 4, 5, 5, 5, 6}}}, {},
                 int_value("y", {1, 2, 1, 1}, 8, false));
    EXPECT_EQ(test.run(), (std::vector<int64_t>{3, 5}));
}

TEST(IntegerInterpreter, AveragePoolCountsPaddingAsZeros) {
    // 2x2 input {4, 8; 12, 16}, 2x2 window, pad 1 (count_include_pad), stride 2: sums 4, 8, 12, 16;
    // x 1/4: 1, 2, 3, 4.
    ir::Node node{"pool", "QAveragePool", {"x"}, {"y"}, {}};
    node.attributes["kernel_shape"] = std::vector<int64_t>{2, 2};
    node.attributes["strides"] = std::vector<int64_t>{2, 2};
    node.attributes["pads"] = std::vector<int64_t>{1, 1, 1, 1};
    node.attributes["count_include_pad"] = int64_t{1};
    set_requantizer(node, {16384}, {16}, 0, 255);
    OneNode test(node, {{int_value("x", {1, 1, 2, 2}, 8, false), {4, 8, 12, 16}}}, {},
                 int_value("y", {1, 1, 2, 2}, 8, false));
    EXPECT_EQ(test.run(), (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST(IntegerInterpreter, ConcatInterleavesAlongChannels) {
    // Batch 2: a has one channel per image, b two.
    ir::Node node{"cat", "Concat", {"a", "b"}, {"y"}, {{"axis", int64_t{1}}}};
    OneNode test(node, {{int_value("a", {2, 1, 1, 1}), {1, 3}}, {int_value("b", {2, 2, 1, 1}), {5, 6, 7, 8}}}, {},
                 int_value("y", {2, 3, 1, 1}));
    EXPECT_EQ(test.run(), (std::vector<int64_t>{1, 5, 6, 3, 7, 8}));
}

TEST(IntegerInterpreter, RejectsFloatInputsAndFloatOps) {
    ir::Node relu{"relu", "Relu", {"x"}, {"y"}, {}};
    OneNode float_op(relu, {{int_value("x", {1, 2}), {1, 2}}}, {}, int_value("y", {1, 2}));
    try {
        float_op.run();
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_STREQ(error.what(), "Relu 'relu': no integer kernel (quantize the graph first)");
    }
    ir::Node node{"relu", "QRelu", {"x"}, {"y"}, {}};
    set_requantizer(node, {16384}, {14}, 0, 255);
    OneNode float_input(node, {{int_value("x", {1, 2}), {1, 2}}}, {}, int_value("y", {1, 2}, 8, false));
    float_input.feed["x"] = data<float>("x", {1, 2}, {1.0f, 2.0f});
    try {
        float_input.run();
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_STREQ(error.what(), "integer interpreter: input 'x' is float32; quantize it first");
    }
}

}  // namespace
}  // namespace cimvp::interpreter
