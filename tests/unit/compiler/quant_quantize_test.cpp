// Calibration, weight/activation/bias quantization and ReLU fusion, against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "firmware/compiler/interpreter/integer_interpreter.h"
#include "firmware/compiler/ir/shape_inference.h"
#include "firmware/compiler/ir/summary.h"
#include "firmware/compiler/passes/calibrate.h"
#include "firmware/compiler/passes/fuse_relu.h"
#include "firmware/compiler/passes/integer_ops.h"
#include "firmware/compiler/passes/quantize.h"
#include "firmware/compiler/passes/quantize_network.h"
#include "firmware/compiler/zoo/zoo.h"

namespace cimvp::passes {
namespace {

// x (1x2x1x2) -> Conv (2 output channels, 1x1, bias) -> Relu -> y
ir::Graph conv_relu() {
    ir::Graph graph;
    graph.inputs = {"x"};
    graph.outputs = {"y"};
    graph.values["x"] = ir::Tensor("x", ir::DataType::kFloat32, {1, 2, 1, 2});
    // Channel 0 has largest |w| 0.5, channel 1 has 2.0 (negative).
    graph.initializers["w"] = ir::Tensor::from_values<float>("w", {2, 2, 1, 1}, {0.5f, 0.25f, -2.0f, 1.0f});
    graph.initializers["b"] = ir::Tensor::from_values<float>("b", {2}, {0.1f, -0.3f});
    graph.nodes.push_back({"conv", "Conv", {"x", "w", "b"}, {"c"}, {}});
    graph.nodes.push_back({"relu", "Relu", {"c"}, {"y"}, {}});
    return ir::infer_shapes(graph);
}

ir::TensorMap input(const std::vector<float>& values) {
    return {{"x", ir::Tensor::from_values<float>("x", {1, 2, 1, 2}, values)}};
}

TEST(Calibrate, MinMaxRecordsTheLargestMagnitudes) {
    const ActivationRanges ranges = calibrate(conv_relu(), {input({1, -2, 0.5f, 3}), input({-4, 0, 0, 1})}, {});
    EXPECT_DOUBLE_EQ(ranges.at("x").min, -4.0);
    EXPECT_DOUBLE_EQ(ranges.at("x").max, 3.0);
    EXPECT_DOUBLE_EQ(ranges.at("x").magnitude, 4.0);
    // c for the second sample: channel 0 = 0.5*-4 + 0.25*0 + 0.1 = -1.9, 0.5*0 + 0.25*1 + 0.1 = 0.35;
    // channel 1 = 8 + 0 - 0.3 = 7.7, 0 + 1 - 0.3 = 0.7. First sample: 0.725, -0.15; -1.8, 6.7.
    EXPECT_NEAR(ranges.at("c").magnitude, 7.7, 1e-6);
    EXPECT_NEAR(ranges.at("c").min, -1.9, 1e-6);
    EXPECT_NEAR(ranges.at("y").min, 0.0, 1e-6);
}

TEST(Calibrate, PercentileUsesTheNearestRank) {
    // |x| over both samples: {0, 0, 0.5, 1, 1, 2, 3, 4}; the 75th percentile by nearest rank is the
    // 6th smallest, 2; the 100th is the maximum.
    QuantConfig config;
    config.calibration = Calibration::kPercentile;
    config.percentile = 75.0;
    const auto samples = std::vector<ir::TensorMap>{input({1, -2, 0.5f, 3}), input({-4, 0, 0, 1})};
    EXPECT_DOUBLE_EQ(calibrate(conv_relu(), samples, config).at("x").magnitude, 2.0);
    config.percentile = 100.0;
    EXPECT_DOUBLE_EQ(calibrate(conv_relu(), samples, config).at("x").magnitude, 4.0);
}

TEST(Quantize, WeightsPerOutputChannelAndBiasAtTheAccumulatorScale) {
    const ir::Graph graph = conv_relu();
    const auto samples = std::vector<ir::TensorMap>{input({1, -2, 0.5f, 3}), input({-4, 0, 0, 1})};
    const ir::Graph integer = quantize(graph, calibrate(graph, samples, {}), {});
    ASSERT_EQ(integer.nodes.size(), 2u);
    const ir::Node& conv = integer.nodes[0];
    EXPECT_EQ(conv.op_type, "QConv");
    const ir::Tensor& weight = integer.initializers.at(conv.inputs[1]);
    // Scales 0.5/127 and 2/127: channel 0 -> {127, 63.5 -> 64}, channel 1 -> {-127, 63.5 -> 64}.
    EXPECT_EQ(weight.as_int64s(), (std::vector<int64_t>{127, 64, -127, 64}));
    EXPECT_FLOAT_EQ(weight.quant.scale[0], 0.5f / 127);
    EXPECT_FLOAT_EQ(weight.quant.scale[1], 2.0f / 127);
    // Input: signed 8-bit, scale 4/127. Bias 0.1 / (4/127 * 0.5/127) = 806.45 -> 806; -0.3 / (4/127 * 2/127) -> -605.
    EXPECT_FLOAT_EQ(integer.tensor("x").quant.scale[0], 4.0f / 127);
    EXPECT_EQ(integer.initializers.at(conv.inputs[2]).as_int64s(), (std::vector<int64_t>{806, -605}));
    // The unfused conv output is signed; the ReLU output is unsigned, and as the graph output it is
    // 16 bits wide.
    EXPECT_TRUE(integer.tensor("c").quant.is_signed);
    EXPECT_FALSE(integer.tensor("y").quant.is_signed);
    EXPECT_EQ(integer.tensor("y").quant.bits, 16);
    EXPECT_EQ(integer.nodes[1].op_type, "QRelu");
    EXPECT_EQ(integer.nodes[1].attribute_int("out_max", 0), 65535);
}

TEST(Quantize, TwoBitWeightsAreTernary) {
    const ir::Graph graph = zoo::build_model("small_cnn_cifar10");
    QuantConfig config;
    parse_precision("w2a4", config);
    const ir::Graph integer = quantize_network(graph, random_samples(graph, 2, 5), config);
    std::set<int64_t> levels;
    for (const auto& [name, tensor] : integer.initializers) {
        if (tensor.type != ir::DataType::kInt8) continue;
        for (int64_t value : tensor.as_int64s()) levels.insert(value);
        EXPECT_EQ(tensor.quant.bits, 2);
    }
    EXPECT_EQ(levels, (std::set<int64_t>{-1, 0, 1}));
    for (const auto& node : integer.nodes) {
        if (node.op_type != "QConv") continue;
        EXPECT_EQ(node.attribute_int("out_min", -1), 0);  // fused ReLU, unsigned 4 bits
        EXPECT_EQ(node.attribute_int("out_max", -1), 15);
    }
}

TEST(FuseRelu, RequantizesStraightToTheReluRange) {
    const ir::Graph graph = conv_relu();
    const auto samples = std::vector<ir::TensorMap>{input({1, -2, 0.5f, 3}), input({-4, 0, 0, 1})};
    QuantConfig config;
    config.output_bits = 8;
    const ir::Graph fused = fuse_relu(quantize(graph, calibrate(graph, samples, config), config));
    ASSERT_EQ(fused.nodes.size(), 1u);
    const ir::Node& conv = fused.nodes[0];
    EXPECT_EQ(conv.outputs[0], "y");
    EXPECT_FALSE(fused.has_tensor("c"));
    EXPECT_EQ(conv.attribute_int("out_min", -1), 0);
    EXPECT_EQ(conv.attribute_int("out_max", -1), 255);
    // Channel 0 scales by s_in * s_w / s_out = (4/127) (0.5/127) / (7.7/255) = 4.107e-3 = 17224 / 2^22.
    const double real = (4.0 / 127) * (0.5 / 127) / (7.7 / 255);
    const Requantizer expected{17224, 22};
    EXPECT_EQ(conv.attribute_ints("multiplier", {})[0], expected.multiplier);
    EXPECT_EQ(conv.attribute_ints("shift", {})[0], expected.shift);
    EXPECT_NEAR(std::ldexp(expected.multiplier, -expected.shift), real, real * 1e-4);
    // And the integer graph computes relu(conv) to within one output step.
    const auto x = input({1, -2, 0.5f, 3});
    const auto y = interpreter::run_integer(fused, {{"x", quantize_input(x.at("x"), fused.tensor("x").quant)}}).at("y");
    const auto got = dequantize_output(y).as_doubles();
    const auto want = ir::run_float(graph, x).at("y").as_doubles();
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1.5 * fused.tensor("y").quant.scale[0]);
}

// x (1x1x4x4) -> AveragePool 2x2/2 -> Flatten -> Gemm (transB = 0, 4 -> 3) -> y
TEST(Quantize, AveragePoolAndUntransposedGemmStayCloseToFloat) {
    ir::Graph graph;
    graph.inputs = {"x"};
    graph.outputs = {"y"};
    graph.values["x"] = ir::Tensor("x", ir::DataType::kFloat32, {1, 1, 4, 4});
    graph.initializers["w"] =
        ir::Tensor::from_values<float>("w", {4, 3}, {0.5f, -1, 0.25f, 1, 0, -0.5f, -0.75f, 0.5f, 1, 0.1f, 0.2f, 0.3f});
    graph.initializers["b"] = ir::Tensor::from_values<float>("b", {3}, {0.1f, 0.2f, -0.3f});
    graph.nodes.push_back({"pool",
                           "AveragePool",
                           {"x"},
                           {"p"},
                           {{"kernel_shape", std::vector<int64_t>{2, 2}}, {"strides", std::vector<int64_t>{2, 2}}}});
    graph.nodes.push_back({"flat", "Flatten", {"p"}, {"f"}, {{"axis", int64_t{1}}}});
    graph.nodes.push_back({"fc", "Gemm", {"f", "w", "b"}, {"y"}, {}});
    graph = ir::infer_shapes(graph);
    std::vector<float> values(16);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = 0.3f * static_cast<float>(i) - 2.0f;
    const ir::TensorMap sample = {{"x", ir::Tensor::from_values<float>("x", {1, 1, 4, 4}, values)}};
    const ir::Graph integer = quantize_network(graph, {sample}, {});
    EXPECT_EQ(integer.nodes[0].op_type, "QAveragePool");
    EXPECT_EQ(integer.nodes[2].op_type, "QGemm");
    EXPECT_EQ(integer.initializers.at(integer.nodes[2].inputs[1]).shape, (ir::Shape{3, 4}));  // stored transposed
    const auto got = dequantize_output(interpreter::run_integer(
                                           integer, {{"x", quantize_input(sample.at("x"), integer.tensor("x").quant)}})
                                           .at("y"))
                         .as_doubles();
    const auto want = ir::run_float(graph, sample).at("y").as_doubles();
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 0.02) << i;
}

// Later passes may re-run shape inference and the summary on the integer graph.
TEST(Quantize, IntegerOpsHaveShapeAndMacFunctions) {
    const ir::Graph graph = zoo::build_model("squeezenet11_cifar10");
    const ir::Graph integer = quantize_network(graph, random_samples(graph, 1, 5), {});
    ir::Graph reinferred = integer;
    for (const auto& node : reinferred.nodes) {
        for (const auto& output : node.outputs) reinferred.values.erase(output);
    }
    reinferred = ir::infer_shapes(std::move(reinferred));
    for (const auto& [name, value] : integer.values) {
        EXPECT_EQ(reinferred.tensor(name).shape, value.shape) << name;
        EXPECT_EQ(reinferred.tensor(name).type, value.type) << name;
    }
    EXPECT_EQ(ir::summarize(integer).total_macs, ir::summarize(graph).total_macs);
}

TEST(Quantize, UnfoldedBatchNormIsAnError) {
    ir::Graph graph;
    graph.inputs = {"x"};
    graph.outputs = {"y"};
    graph.values["x"] = ir::Tensor("x", ir::DataType::kFloat32, {1, 1, 1, 1});
    for (const std::string name : {"g", "b", "m", "v"}) {
        graph.initializers[name] = ir::Tensor::from_values<float>(name, {1}, {1.0f});
    }
    graph.nodes.push_back({"bn", "BatchNormalization", {"x", "g", "b", "m", "v"}, {"y"}, {}});
    graph = ir::infer_shapes(graph);
    const ActivationRanges ranges =
        calibrate(graph, {{{"x", ir::Tensor::from_values<float>("x", {1, 1, 1, 1}, {2})}}}, {});
    try {
        quantize(graph, ranges, {});
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_STREQ(error.what(),
                     "BatchNormalization 'bn': cannot quantize: it does not follow a Conv it could be folded into "
                     "(run fold_batchnorm first)");
    }
}

TEST(Quantize, InputRoundsHalfAwayFromZeroAndSaturates) {
    const ir::QuantParams quant = activation_quant(8, true, 0.5);
    const auto q =
        quantize_input(ir::Tensor::from_values<float>("x", {5}, {0.25f, -0.25f, 0.74f, 100.0f, -100.0f}), quant);
    EXPECT_EQ(q.type, ir::DataType::kInt8);
    EXPECT_EQ(q.as_int64s(), (std::vector<int64_t>{1, -1, 1, 127, -128}));
    EXPECT_EQ(dequantize_output(q).as_doubles(), (std::vector<double>{0.5, -0.5, 0.5, 63.5, -64.0}));
}

}  // namespace
}  // namespace cimvp::passes
