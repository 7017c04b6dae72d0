// Float kernels against hand-computed values and against naive loops written independently here.
#include "firmware/compiler/interpreter/float_interpreter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "firmware/compiler/interpreter/float_gemm.h"
#include "firmware/compiler/ir/shape_inference.h"

namespace cimvp::ir {
namespace {

using Attributes = std::map<std::string, AttributeValue>;
using testing::HasSubstr;

std::vector<float> random_values(std::size_t count, unsigned seed) {
    std::mt19937 generator(seed);
    std::uniform_real_distribution<float> distribution(-1.0f, 1.0f);
    std::vector<float> values(count);
    for (auto& value : values) value = distribution(generator);
    return values;
}

Tensor random_tensor(const std::string& name, Shape shape, unsigned seed) {
    return Tensor::from_values<float>(name, shape, random_values(static_cast<std::size_t>(element_count(shape)), seed));
}

// One-node graph: the first input is the run-time input, the others are constants.
Tensor run_node(const std::string& op, const std::vector<Tensor>& inputs, Attributes attributes = {}) {
    Graph graph;
    graph.inputs = {inputs[0].name};
    graph.outputs = {"y"};
    graph.values[inputs[0].name] = Tensor(inputs[0].name, inputs[0].type, inputs[0].shape);
    Node node{"n", op, {}, {"y"}, std::move(attributes)};
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        node.inputs.push_back(inputs[i].name);
        if (i > 0) graph.initializers[inputs[i].name] = inputs[i];
    }
    graph.add_node(node);
    graph = infer_shapes(std::move(graph));
    return run_float(graph, {{inputs[0].name, inputs[0]}}).at("y");
}

std::vector<float> floats(const Tensor& tensor) {
    return std::vector<float>(tensor.values<float>(), tensor.values<float>() + tensor.element_count());
}

void expect_near_all(const std::vector<float>& actual, const std::vector<float>& expected, float tolerance = 1e-5f) {
    ASSERT_EQ(actual.size(), expected.size());
    for (std::size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tolerance) << "element " << i;
}

TEST(FloatGemm, MatchesNaiveProductOnOddSizes) {
    for (int64_t m : {1, 4, 7}) {
        for (int64_t n : {1, 16, 37, 600}) {
            for (int64_t k : {1, 3, 130, 300}) {  // 300 spans two depth blocks
                const auto a = random_values(static_cast<std::size_t>(m * k), 1);
                const auto b = random_values(static_cast<std::size_t>(k * n), 2);
                std::vector<float> c(static_cast<std::size_t>(m * n), 0.5f);
                gemm_accumulate(m, n, k, a.data(), k, b.data(), n, c.data(), n);
                for (int64_t i = 0; i < m; ++i) {
                    for (int64_t j = 0; j < n; ++j) {
                        double sum = 0.5;
                        for (int64_t p = 0; p < k; ++p) sum += double(a[i * k + p]) * b[p * n + j];
                        ASSERT_NEAR(c[i * n + j], sum, 1e-4) << m << "x" << n << "x" << k << " at " << i << "," << j;
                    }
                }
            }
        }
    }
}

struct ConvCase {
    Shape input;
    Shape weight;
    int64_t group;
    std::vector<int64_t> strides, pads, dilations;
};

// Direct 2-D convolution, written from the definition.
std::vector<float> naive_conv(const Tensor& x, const Tensor& w, const Tensor& b, const ConvCase& c,
                              const Shape& y_shape) {
    std::vector<float> y(static_cast<std::size_t>(element_count(y_shape)));
    const int64_t cin_g = w.shape[1];
    const int64_t cout_g = w.shape[0] / c.group;
    for (int64_t n = 0; n < y_shape[0]; ++n)
        for (int64_t m = 0; m < y_shape[1]; ++m)
            for (int64_t oy = 0; oy < y_shape[2]; ++oy)
                for (int64_t ox = 0; ox < y_shape[3]; ++ox) {
                    double sum = b.values<float>()[m];
                    const int64_t g = m / cout_g;
                    for (int64_t ci = 0; ci < cin_g; ++ci)
                        for (int64_t ky = 0; ky < w.shape[2]; ++ky)
                            for (int64_t kx = 0; kx < w.shape[3]; ++kx) {
                                const int64_t iy = oy * c.strides[0] - c.pads[0] + ky * c.dilations[0];
                                const int64_t ix = ox * c.strides[1] - c.pads[1] + kx * c.dilations[1];
                                if (iy < 0 || ix < 0 || iy >= x.shape[2] || ix >= x.shape[3]) continue;
                                const int64_t channel = g * cin_g + ci;
                                sum +=
                                    double(
                                        x.values<float>()[((n * x.shape[1] + channel) * x.shape[2] + iy) * x.shape[3] +
                                                          ix]) *
                                    w.values<float>()[((m * cin_g + ci) * w.shape[2] + ky) * w.shape[3] + kx];
                            }
                    y[static_cast<std::size_t>(((n * y_shape[1] + m) * y_shape[2] + oy) * y_shape[3] + ox)] =
                        float(sum);
                }
    return y;
}

TEST(FloatKernels, ConvMatchesDirectConvolution) {
    const std::vector<ConvCase> cases = {
        {{1, 3, 9, 9}, {4, 3, 3, 3}, 1, {1, 1}, {1, 1, 1, 1}, {1, 1}},
        {{2, 4, 11, 10}, {6, 2, 3, 3}, 2, {2, 2}, {1, 0, 1, 0}, {1, 1}},
        {{1, 4, 12, 12}, {4, 1, 3, 3}, 4, {1, 1}, {2, 2, 2, 2}, {2, 2}},  // depthwise, dilated
        {{1, 8, 5, 5}, {5, 8, 1, 1}, 1, {1, 1}, {0, 0, 0, 0}, {1, 1}},    // pointwise fast path
        {{1, 2, 7, 7}, {3, 2, 5, 5}, 1, {3, 2}, {2, 1, 2, 1}, {1, 1}},
    };
    unsigned seed = 10;
    for (const auto& c : cases) {
        const Tensor x = random_tensor("x", c.input, seed++);
        const Tensor w = random_tensor("w", c.weight, seed++);
        const Tensor b = random_tensor("b", {c.weight[0]}, seed++);
        const Tensor y = run_node("Conv", {x, w, b},
                                  {{"group", c.group},
                                   {"strides", c.strides},
                                   {"pads", std::vector<int64_t>{c.pads[0], c.pads[1], c.pads[2], c.pads[3]}},
                                   {"dilations", c.dilations}});
        expect_near_all(floats(y), naive_conv(x, w, b, c, y.shape));
    }
}

// ConvTranspose from its definition: every input pixel scatters weight-scaled copies of the kernel.
std::vector<float> naive_conv_transpose(const Tensor& x, const Tensor& w, int64_t group, int64_t stride, int64_t pad,
                                        int64_t dilation, const Shape& y_shape) {
    std::vector<float> y(static_cast<std::size_t>(element_count(y_shape)), 0.0f);
    const int64_t cin_g = x.shape[1] / group;
    const int64_t cout_g = w.shape[1];
    for (int64_t n = 0; n < x.shape[0]; ++n)
        for (int64_t c = 0; c < x.shape[1]; ++c)
            for (int64_t iy = 0; iy < x.shape[2]; ++iy)
                for (int64_t ix = 0; ix < x.shape[3]; ++ix)
                    for (int64_t m = 0; m < cout_g; ++m)
                        for (int64_t ky = 0; ky < w.shape[2]; ++ky)
                            for (int64_t kx = 0; kx < w.shape[3]; ++kx) {
                                const int64_t oy = iy * stride - pad + ky * dilation;
                                const int64_t ox = ix * stride - pad + kx * dilation;
                                if (oy < 0 || ox < 0 || oy >= y_shape[2] || ox >= y_shape[3]) continue;
                                const int64_t channel = (c / cin_g) * cout_g + m;
                                y[static_cast<std::size_t>(((n * y_shape[1] + channel) * y_shape[2] + oy) * y_shape[3] +
                                                           ox)] +=
                                    x.values<float>()[((n * x.shape[1] + c) * x.shape[2] + iy) * x.shape[3] + ix] *
                                    w.values<float>()[((c * cout_g + m) * w.shape[2] + ky) * w.shape[3] + kx];
                            }
    return y;
}

TEST(FloatKernels, ConvTransposeMatchesTheScatterDefinition) {
    struct Case {
        Shape input, weight;
        int64_t group, stride, pad, dilation;
    };
    unsigned seed = 50;
    for (const Case& c : {Case{{1, 2, 3, 3}, {2, 3, 3, 3}, 1, 2, 1, 1}, Case{{2, 4, 4, 5}, {4, 1, 2, 2}, 2, 1, 0, 2},
                          Case{{1, 3, 5, 5}, {3, 2, 1, 1}, 1, 3, 0, 1}}) {
        const Tensor x = random_tensor("x", c.input, seed++);
        const Tensor w = random_tensor("w", c.weight, seed++);
        const std::vector<int64_t> pads(4, c.pad);
        const Tensor y = run_node("ConvTranspose", {x, w},
                                  {{"group", c.group},
                                   {"strides", std::vector<int64_t>{c.stride, c.stride}},
                                   {"pads", pads},
                                   {"dilations", std::vector<int64_t>{c.dilation, c.dilation}}});
        // stride * (in - 1) + dilated kernel - 2 * pad
        const int64_t height = c.stride * (c.input[2] - 1) + (c.weight[2] - 1) * c.dilation + 1 - 2 * c.pad;
        ASSERT_EQ(y.shape, (Shape{c.input[0], c.weight[1] * c.group, height, y.shape[3]}));
        expect_near_all(floats(y), naive_conv_transpose(x, w, c.group, c.stride, c.pad, c.dilation, y.shape));
    }
}

TEST(FloatKernels, LayerNormalizationWithStatistics) {
    const Tensor x = Tensor::from_values<float>("x", {2, 2}, {1, 3, 10, 10});
    const Tensor scale = Tensor::from_values<float>("s", {2}, {1, 2});
    const Tensor bias = Tensor::from_values<float>("b", {2}, {0, 1});
    Graph graph;
    graph.inputs = {"x"};
    graph.outputs = {"y", "mean", "inv_std"};
    graph.values["x"] = Tensor("x", DataType::kFloat32, {2, 2});
    graph.initializers = {{"s", scale}, {"b", bias}};
    graph.add_node({"ln", "LayerNormalization", {"x", "s", "b"}, {"y", "mean", "inv_std"}, {{"epsilon", 0.0f}}});
    graph = infer_shapes(std::move(graph));
    const auto outputs = run_float(graph, {{"x", x}});
    // Row 0: mean 2, std 1 -> (-1, 1) * (1, 2) + (0, 1); row 1 has zero variance: 1/sqrt(0) is inf, 0 * inf is NaN.
    EXPECT_EQ(floats(outputs.at("mean")), (std::vector<float>{2, 10}));
    EXPECT_EQ(outputs.at("mean").shape, (Shape{2, 1}));
    EXPECT_EQ(outputs.at("inv_std").values<float>()[0], 1.0f);
    EXPECT_EQ(outputs.at("y").values<float>()[0], -1.0f);
    EXPECT_EQ(outputs.at("y").values<float>()[1], 3.0f);
}

TEST(FloatKernels, SplitDepthSpaceExpandTile) {
    const Tensor x = Tensor::from_values<float>("x", {1, 5}, {1, 2, 3, 4, 5});
    Graph graph;
    graph.inputs = {"x"};
    graph.outputs = {"a", "b"};
    graph.values["x"] = Tensor("x", DataType::kFloat32, {1, 5});
    graph.initializers["sizes"] = Tensor::from_values<int64_t>("sizes", {2}, {2, 3});
    graph.add_node({"split", "Split", {"x", "sizes"}, {"a", "b"}, {{"axis", int64_t{1}}}});
    graph = infer_shapes(std::move(graph));
    const auto parts = run_float(graph, {{"x", x}});
    EXPECT_EQ(floats(parts.at("a")), (std::vector<float>{1, 2}));
    EXPECT_EQ(floats(parts.at("b")), (std::vector<float>{3, 4, 5}));

    // Four channels of one pixel become one channel of 2x2 pixels, and back.
    const Tensor depth = Tensor::from_values<float>("d", {1, 4, 1, 1}, {1, 2, 3, 4});
    Tensor space = run_node("DepthToSpace", {depth}, {{"blocksize", int64_t{2}}});
    space.name = "space";
    EXPECT_EQ(space.shape, (Shape{1, 1, 2, 2}));
    EXPECT_EQ(floats(space), (std::vector<float>{1, 2, 3, 4}));
    EXPECT_EQ(floats(run_node("SpaceToDepth", {space}, {{"blocksize", int64_t{2}}})), floats(depth));
    // CRD reads channel-major: with 2 output channels of 2x2 the first takes input channels 0-3.
    const Tensor eight = Tensor::from_values<float>("e", {1, 8, 1, 1}, {0, 1, 2, 3, 4, 5, 6, 7});
    EXPECT_EQ(floats(run_node("DepthToSpace", {eight}, {{"blocksize", int64_t{2}}, {"mode", std::string("CRD")}})),
              (std::vector<float>{0, 1, 2, 3, 4, 5, 6, 7}));
    EXPECT_EQ(floats(run_node("DepthToSpace", {eight}, {{"blocksize", int64_t{2}}})),
              (std::vector<float>{0, 2, 4, 6, 1, 3, 5, 7}));

    const Tensor column = Tensor::from_values<float>("c", {2, 1}, {1, 2});
    const Tensor expanded = run_node("Expand", {column, Tensor::from_values<int64_t>("s", {3}, {2, 1, 3})});
    EXPECT_EQ(expanded.shape, (Shape{2, 2, 3}));
    EXPECT_EQ(floats(expanded), (std::vector<float>{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2}));
    EXPECT_EQ(floats(run_node("Tile", {column, Tensor::from_values<int64_t>("r", {2}, {2, 2})})),
              (std::vector<float>{1, 1, 2, 2, 1, 1, 2, 2}));
}

TEST(FloatKernels, GemmAppliesAlphaBetaAndTransposes) {
    // A' = [[1,2],[3,4]] from A = [[1,3],[2,4]] (transA); B' = [[1,0],[1,1]] from B = [[1,1],[0,1]] (transB).
    const Tensor a = Tensor::from_values<float>("a", {2, 2}, {1, 3, 2, 4});
    const Tensor b = Tensor::from_values<float>("b", {2, 2}, {1, 1, 0, 1});
    const Tensor c = Tensor::from_values<float>("c", {2}, {10, 20});
    // A'B' = [[3,2],[7,4]]; 2 * A'B' + 0.5 * C = [[11,14],[19,18]]
    const Tensor y =
        run_node("Gemm", {a, b, c}, {{"alpha", 2.0f}, {"beta", 0.5f}, {"transA", int64_t{1}}, {"transB", int64_t{1}}});
    EXPECT_EQ(floats(y), (std::vector<float>{11, 14, 19, 18}));
}

TEST(FloatKernels, MatMulBroadcastsBatches) {
    const Tensor a = random_tensor("a", {2, 1, 3, 4}, 1);
    const Tensor b = random_tensor("b", {5, 4, 2}, 2);
    const Tensor y = run_node("MatMul", {a, b});
    ASSERT_EQ(y.shape, (Shape{2, 5, 3, 2}));
    for (int64_t i = 0; i < 2; ++i)
        for (int64_t j = 0; j < 5; ++j)
            for (int64_t r = 0; r < 3; ++r)
                for (int64_t c = 0; c < 2; ++c) {
                    float sum = 0;
                    for (int64_t p = 0; p < 4; ++p)
                        sum += a.values<float>()[(i * 3 + r) * 4 + p] * b.values<float>()[(j * 4 + p) * 2 + c];
                    EXPECT_NEAR(y.values<float>()[((i * 5 + j) * 3 + r) * 2 + c], sum, 1e-5);
                }
}

TEST(FloatKernels, MaxPoolWithPaddingAndCeilMode) {
    // 1 2 3
    // 4 5 6
    // 7 8 9   kernel 2, stride 2, ceil_mode: windows {1,2,4,5} {3,6} {7,8} {9}
    const Tensor x = Tensor::from_values<float>("x", {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    EXPECT_EQ(floats(run_node("MaxPool", {x},
                              {{"kernel_shape", std::vector<int64_t>{2, 2}},
                               {"strides", std::vector<int64_t>{2, 2}},
                               {"ceil_mode", int64_t{1}}})),
              (std::vector<float>{5, 6, 8, 9}));
    // pads 1 on every side, kernel 2, stride 2: windows {1} {2,3} {4,7} {5,6,8,9}
    EXPECT_EQ(floats(run_node("MaxPool", {x},
                              {{"kernel_shape", std::vector<int64_t>{2, 2}},
                               {"strides", std::vector<int64_t>{2, 2}},
                               {"pads", std::vector<int64_t>{1, 1, 1, 1}}})),
              (std::vector<float>{1, 3, 7, 9}));
}

TEST(FloatKernels, AveragePoolCountsPaddingOnlyWhenAsked) {
    const Tensor x = Tensor::from_values<float>("x", {1, 1, 2, 2}, {1, 2, 3, 4});
    const Attributes base = {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"pads", std::vector<int64_t>{1, 1, 0, 0}}};
    // Output 2x2; window (0,0) sees only x[0][0] = 1 (three padded taps).
    Attributes exclude = base;
    EXPECT_EQ(floats(run_node("AveragePool", {x}, exclude)), (std::vector<float>{1, 1.5f, 2, 2.5f}));
    Attributes include = base;
    include["count_include_pad"] = int64_t{1};
    EXPECT_EQ(floats(run_node("AveragePool", {x}, include)), (std::vector<float>{0.25f, 0.75f, 1, 2.5f}));
}

TEST(FloatKernels, GlobalPoolsReduceEachPlane) {
    const Tensor x = Tensor::from_values<float>("x", {1, 2, 2, 2}, {1, 2, 3, 6, -1, -2, -3, -4});
    EXPECT_EQ(floats(run_node("GlobalAveragePool", {x})), (std::vector<float>{3, -2.5f}));
    EXPECT_EQ(floats(run_node("GlobalMaxPool", {x})), (std::vector<float>{6, -1}));
}

TEST(FloatKernels, BatchNormalizationUsesRunningStatistics) {
    const Tensor x = Tensor::from_values<float>("x", {1, 2, 1, 2}, {1, 2, 3, 4});
    const Tensor scale = Tensor::from_values<float>("s", {2}, {2, 1});
    const Tensor bias = Tensor::from_values<float>("b", {2}, {0, 1});
    const Tensor mean = Tensor::from_values<float>("m", {2}, {1, 3});
    const Tensor var = Tensor::from_values<float>("v", {2}, {4, 0.25f});
    // channel 0: 2 * (x - 1) / 2; channel 1: (x - 3) / 0.5 + 1
    expect_near_all(floats(run_node("BatchNormalization", {x, scale, bias, mean, var}, {{"epsilon", 0.0f}})),
                    {0, 1, 1, 3});
}

TEST(FloatKernels, SoftmaxAlongAnAxis) {
    const Tensor x = Tensor::from_values<float>("x", {2, 2}, {0, std::log(3.0f), 1000, 1000});
    expect_near_all(floats(run_node("Softmax", {x}, {{"axis", int64_t{-1}}})), {0.25f, 0.75f, 0.5f, 0.5f});
    expect_near_all(floats(run_node("Softmax", {x}, {{"axis", int64_t{0}}})), {0, 0, 1, 1});
}

TEST(FloatKernels, ElementwiseAndBroadcasting) {
    const Tensor a = Tensor::from_values<float>("a", {2, 3}, {1, -2, 3, -4, 5, -6});
    const Tensor row = Tensor::from_values<float>("r", {3}, {10, 20, 30});
    const Tensor column = Tensor::from_values<float>("c", {2, 1}, {100, 200});
    EXPECT_EQ(floats(run_node("Add", {a, row})), (std::vector<float>{11, 18, 33, 6, 25, 24}));
    EXPECT_EQ(floats(run_node("Sub", {a, column})), (std::vector<float>{-99, -102, -97, -204, -195, -206}));
    EXPECT_EQ(floats(run_node("Mul", {row, column})), (std::vector<float>{1000, 2000, 3000, 2000, 4000, 6000}));
    EXPECT_EQ(floats(run_node("Relu", {a})), (std::vector<float>{1, 0, 3, 0, 5, 0}));
    EXPECT_EQ(floats(run_node("LeakyRelu", {a}, {{"alpha", 0.5f}})), (std::vector<float>{1, -1, 3, -2, 5, -3}));
    EXPECT_EQ(floats(run_node(
                  "Clip", {a, Tensor::from_values<float>("lo", {}, {-3}), Tensor::from_values<float>("hi", {}, {4})})),
              (std::vector<float>{1, -2, 3, -3, 4, -3}));
    EXPECT_EQ(floats(run_node("Clip", {a, Tensor::from_values<float>("lo", {}, {0})})),
              (std::vector<float>{1, 0, 3, 0, 5, 0}));
}

TEST(FloatKernels, DataMovement) {
    const Tensor x = Tensor::from_values<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6});
    EXPECT_EQ(floats(run_node("Transpose", {x})), (std::vector<float>{1, 4, 2, 5, 3, 6}));
    EXPECT_EQ(floats(run_node("Concat", {x, Tensor::from_values<float>("z", {2, 1}, {7, 8})}, {{"axis", int64_t{1}}})),
              (std::vector<float>{1, 2, 3, 7, 4, 5, 6, 8}));
    const Tensor reshaped = run_node("Reshape", {x, Tensor::from_values<int64_t>("s", {2}, {3, -1})});
    EXPECT_EQ(reshaped.shape, (Shape{3, 2}));
    EXPECT_EQ(floats(reshaped), floats(x));
    EXPECT_EQ(run_node("Flatten", {Tensor::from_values<float>("x", {1, 2, 1, 1}, {1, 2})}).shape, (Shape{1, 2}));
    EXPECT_EQ(floats(run_node("Dropout", {x})), floats(x));
}

TEST(FloatKernels, SliceWithNegativeStepsAndClampedBounds) {
    const Tensor x = Tensor::from_values<float>("x", {2, 5}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    auto ints = [](const char* name, std::vector<int64_t> values) {
        return Tensor::from_values<int64_t>(name, {static_cast<int64_t>(values.size())}, values);
    };
    // Axis 1 from the end backwards in steps of 2; axis 0 from 1 to "infinity".
    const Tensor y = run_node("Slice", {x, ints("starts", {-1, 1}), ints("ends", {-100, 1000}), ints("axes", {1, 0}),
                                        ints("steps", {-2, 1})});
    EXPECT_EQ(y.shape, (Shape{1, 3}));
    EXPECT_EQ(floats(y), (std::vector<float>{9, 7, 5}));
}

TEST(FloatKernels, PadModes) {
    const Tensor x = Tensor::from_values<float>("x", {1, 3}, {1, 2, 3});
    const Tensor pads = Tensor::from_values<int64_t>("pads", {4}, {0, 2, 0, 1});
    EXPECT_EQ(floats(run_node("Pad", {x, pads})), (std::vector<float>{0, 0, 1, 2, 3, 0}));
    EXPECT_EQ(floats(run_node("Pad", {x, pads, Tensor::from_values<float>("v", {}, {9})})),
              (std::vector<float>{9, 9, 1, 2, 3, 9}));
    EXPECT_EQ(floats(run_node("Pad", {x, pads}, {{"mode", std::string("edge")}})),
              (std::vector<float>{1, 1, 1, 2, 3, 3}));
    EXPECT_EQ(floats(run_node("Pad", {x, pads}, {{"mode", std::string("reflect")}})),
              (std::vector<float>{3, 2, 1, 2, 3, 2}));
    // Negative pads crop.
    EXPECT_EQ(floats(run_node("Pad", {x, Tensor::from_values<int64_t>("crop", {4}, {0, -1, 0, 0})})),
              (std::vector<float>{2, 3}));
}

TEST(FloatKernels, SqueezeAndUnsqueezeOnlyRelabel) {
    const Tensor x = Tensor::from_values<float>("x", {1, 3, 1}, {1, 2, 3});
    EXPECT_EQ(run_node("Squeeze", {x}).shape, (Shape{3}));
    EXPECT_EQ(run_node("Squeeze", {x, Tensor::from_values<int64_t>("a", {1}, {-1})}).shape, (Shape{1, 3}));
    EXPECT_EQ(run_node("Unsqueeze", {x, Tensor::from_values<int64_t>("a", {2}, {0, 4})}).shape, (Shape{1, 1, 3, 1, 1}));
    EXPECT_EQ(floats(run_node("Unsqueeze", {x, Tensor::from_values<int64_t>("a", {1}, {1})})), floats(x));
}

TEST(FloatKernels, ReductionsOverChosenAxes) {
    // [[1, 2, 3], [4, 5, 6]]
    const Tensor x = Tensor::from_values<float>("x", {2, 3}, {1, 2, 3, 4, 5, 6});
    const std::vector<int64_t> rows = {1};
    EXPECT_EQ(floats(run_node("ReduceMean", {x}, {{"axes", rows}})), (std::vector<float>{2, 5}));
    EXPECT_EQ(run_node("ReduceMean", {x}, {{"axes", rows}}).shape, (Shape{2, 1}));
    EXPECT_EQ(run_node("ReduceMax", {x}, {{"axes", rows}, {"keepdims", int64_t{0}}}).shape, (Shape{2}));
    EXPECT_EQ(floats(run_node("ReduceMax", {x}, {{"axes", std::vector<int64_t>{0}}})), (std::vector<float>{4, 5, 6}));
    EXPECT_EQ(floats(run_node("ReduceSumSquare", {x})), (std::vector<float>{91}));  // all axes by default
    EXPECT_EQ(floats(run_node("ReduceSum", {x, Tensor::from_values<int64_t>("axes", {1}, {0})})),
              (std::vector<float>{5, 7, 9}));
    EXPECT_EQ(floats(run_node("ReduceL1", {x}, {{"axes", rows}})), (std::vector<float>{6, 15}));
    expect_near_all(floats(run_node("ReduceL2", {x}, {{"axes", rows}})), {std::sqrt(14.0f), std::sqrt(77.0f)});
    expect_near_all(floats(run_node("ReduceLogSumExp", {x}, {{"axes", rows}})),
                    {std::log(std::exp(1.0f) + std::exp(2.0f) + std::exp(3.0f)),
                     std::log(std::exp(4.0f) + std::exp(5.0f) + std::exp(6.0f))});
}

TEST(FloatKernels, ArgMaxPicksFirstOrLastTie) {
    const Tensor x = Tensor::from_values<float>("x", {2, 3}, {1, 7, 7, 5, 2, 5});
    const Tensor first = run_node("ArgMax", {x}, {{"axis", int64_t{1}}});
    EXPECT_EQ(first.type, DataType::kInt64);
    EXPECT_EQ(first.as_int64s(), (std::vector<int64_t>{1, 0}));
    EXPECT_EQ(run_node("ArgMax", {x}, {{"axis", int64_t{1}}, {"select_last_index", int64_t{1}}}).as_int64s(),
              (std::vector<int64_t>{2, 2}));
    EXPECT_EQ(run_node("ArgMin", {x}, {{"axis", int64_t{0}}, {"keepdims", int64_t{0}}}).as_int64s(),
              (std::vector<int64_t>{0, 1, 1}));
}

TEST(FloatKernels, LogSoftmaxAndHardmax) {
    const Tensor x = Tensor::from_values<float>("x", {1, 3}, {1, 3, 3});
    const float log_sum = std::log(std::exp(1.0f) + 2 * std::exp(3.0f));
    expect_near_all(floats(run_node("LogSoftmax", {x})), {1 - log_sum, 3 - log_sum, 3 - log_sum});
    EXPECT_EQ(floats(run_node("Hardmax", {x})), (std::vector<float>{0, 1, 0}));
}

TEST(FloatKernels, VariadicAndParametricElementwise) {
    const Tensor a = Tensor::from_values<float>("a", {2, 2}, {1, -2, 3, -4});
    const Tensor b = Tensor::from_values<float>("b", {2}, {0, 10});
    EXPECT_EQ(floats(run_node("Max", {a, b})), (std::vector<float>{1, 10, 3, 10}));
    EXPECT_EQ(floats(run_node("Mean", {a, b})), (std::vector<float>{0.5f, 4, 1.5f, 3}));
    EXPECT_EQ(floats(run_node("PRelu", {a, Tensor::from_values<float>("s", {2}, {0.5f, 0.25f})})),
              (std::vector<float>{1, -0.5f, 3, -1}));
    EXPECT_EQ(floats(run_node("Pow", {a, Tensor::from_values<float>("e", {}, {2})})),
              (std::vector<float>{1, 4, 9, 16}));
    EXPECT_EQ(floats(run_node("Round", {Tensor::from_values<float>("r", {4}, {0.5f, 1.5f, -2.5f, 2.6f})})),
              (std::vector<float>{0, 2, -2, 3}));
    EXPECT_EQ(floats(run_node("HardSigmoid", {a}, {{"alpha", 0.25f}, {"beta", 0.5f}})),
              (std::vector<float>{0.75f, 0, 1, 0}));
}

TEST(FloatKernels, IntegerShapeArithmeticWraps) {
    const Tensor a = Tensor::from_values<int64_t>("a", {3}, {std::numeric_limits<int64_t>::max(), -4, 7});
    const Tensor one = Tensor::from_values<int64_t>("one", {}, {1});
    const Tensor sum = run_node("Add", {a, one});
    EXPECT_EQ(sum.type, DataType::kInt64);
    EXPECT_EQ(sum.as_int64s(), (std::vector<int64_t>{std::numeric_limits<int64_t>::min(), -3, 8}));
    EXPECT_EQ(run_node("Mul", {a, Tensor::from_values<int64_t>("two", {}, {2})}).as_int64s(),
              (std::vector<int64_t>{-2, -8, 14}));
    EXPECT_EQ(
        run_node("Neg", {Tensor::from_values<int32_t>("n", {2}, {5, std::numeric_limits<int32_t>::min()})}).as_int64s(),
        (std::vector<int64_t>{-5, std::numeric_limits<int32_t>::min()}));
    EXPECT_EQ(run_node("Abs", {Tensor::from_values<int32_t>("n", {2}, {-5, 3})}).as_int64s(),
              (std::vector<int64_t>{5, 3}));
    // Division of integers has no single obvious meaning; it stays float-only and says so.
    EXPECT_THROW(run_node("Div", {a, one}), UnsupportedError);
    EXPECT_THROW(run_node("Add", {a, Tensor::from_values<int32_t>("i32", {}, {1})}), UnsupportedError);
}

TEST(FloatKernels, CastTruncatesSaturatesAndWraps) {
    const Tensor x = Tensor::from_values<float>("x", {5}, {-1.7f, 2.9f, 300.0f, -300.0f, std::nanf("")});
    const Tensor to_int8 = run_node("Cast", {x}, {{"to", int64_t{3}}});  // ONNX INT8
    EXPECT_EQ(to_int8.type, DataType::kInt8);
    EXPECT_EQ(to_int8.as_int64s(), (std::vector<int64_t>{-1, 2, 127, -128, 0}));
    const Tensor wide = Tensor::from_values<int32_t>("w", {2}, {257, -1});
    EXPECT_EQ(run_node("Cast", {wide}, {{"to", int64_t{2}}}).as_int64s(), (std::vector<int64_t>{1, 255}));  // UINT8
    EXPECT_EQ(floats(run_node("Cast", {wide}, {{"to", int64_t{1}}})), (std::vector<float>{257, -1}));
    EXPECT_EQ(run_node("CastLike", {x, Tensor::from_values<int64_t>("like", {}, {0})}).type, DataType::kInt64);
    EXPECT_THROW(run_node("Cast", {x}, {{"to", int64_t{10}}}), UnsupportedError);  // FLOAT16
}

TEST(FloatKernels, ShapeAndSizeAreKnownStatically) {
    const Tensor x = Tensor::zeros("x", DataType::kFloat32, {2, 3, 4});
    EXPECT_EQ(run_node("Shape", {x}).as_int64s(), (std::vector<int64_t>{2, 3, 4}));
    EXPECT_EQ(run_node("Shape", {x}, {{"start", int64_t{-2}}}).as_int64s(), (std::vector<int64_t>{3, 4}));
    const Tensor size = run_node("Size", {x});
    EXPECT_EQ(size.shape, Shape{});
    EXPECT_EQ(size.as_int64s(), (std::vector<int64_t>{24}));
}

TEST(FloatInterpreter, ChecksInputsAndObservesNodes) {
    Graph graph;
    graph.name = "g";
    graph.inputs = {"x"};
    graph.outputs = {"y"};
    graph.values["x"] = Tensor("x", DataType::kFloat32, {1, 3});
    graph.add_node({"r", "Relu", {"x"}, {"h"}, {}});
    graph.add_node({"n", "Neg", {"h"}, {"y"}, {}});
    graph = infer_shapes(std::move(graph));
    EXPECT_THAT([&] { run_float(graph, {}); },
                testing::ThrowsMessage<std::runtime_error>("graph 'g': no value for input 'x'"));
    EXPECT_THAT(
        [&] {
            run_float(graph, {{"x", Tensor::from_values<float>("x", {3}, {1, 2, 3})}});
        },
        testing::ThrowsMessage<std::runtime_error>("graph 'g': input 'x' is float32 3, expected float32 1x3"));
    std::vector<std::string> seen;
    const auto outputs = run_float(graph, {{"x", Tensor::from_values<float>("x", {1, 3}, {-1, 2, -3})}},
                                   [&](const Node& node, const std::vector<Tensor>& results) {
                                       seen.push_back(node.name + ":" + results[0].name);
                                   });
    EXPECT_EQ(seen, (std::vector<std::string>{"r:h", "n:y"}));
    EXPECT_EQ(floats(outputs.at("y")), (std::vector<float>{0, -2, 0}));
}

}  // namespace
}  // namespace cimvp::ir
