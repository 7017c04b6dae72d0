// Float against integer inference on whole zoo networks: the quantization recipe keeps the top-1
// class of the float network.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "firmware/compiler/interpreter/integer_interpreter.h"
#include "firmware/compiler/passes/calibrate.h"
#include "firmware/compiler/passes/fold_batchnorm.h"
#include "firmware/compiler/passes/quantize.h"
#include "firmware/compiler/passes/quantize_network.h"
#include "firmware/compiler/zoo/zoo.h"

namespace cimvp::passes {
namespace {

std::size_t argmax(const std::vector<double>& values) {
    return static_cast<std::size_t>(std::max_element(values.begin(), values.end()) - values.begin());
}

double cosine(const std::vector<double>& a, const std::vector<double>& b) {
    double ab = 0.0, aa = 0.0, bb = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i) ab += a[i] * b[i], aa += a[i] * a[i], bb += b[i] * b[i];
    return ab / std::sqrt(aa * bb);
}

struct Agreement {
    int same_top1 = 0;
    int distinct_float_classes = 0;
    double mean_cosine = 0.0;
};

Agreement compare(const std::string& model, const QuantConfig& config, int inputs) {
    const ir::Graph graph = zoo::build_model(model);
    const ir::Graph integer = quantize_network(graph, random_samples(graph, 4, 100), config);
    const interpreter::IntegerInterpreter interpreter(integer);
    const std::string& in = graph.inputs[0];
    const std::string& out = graph.outputs[0];
    Agreement agreement;
    std::set<std::size_t> classes;
    for (int i = 0; i < inputs; ++i) {
        const ir::Tensor x = random_input(graph, in, 2000 + static_cast<uint64_t>(i), "test");
        const auto expected = ir::run_float(graph, {{in, x}}).at(out).as_doubles();
        const auto got = dequantize_output(interpreter.run({{in, quantize_input(x, integer.tensor(in).quant)}}).at(out))
                             .as_doubles();
        agreement.same_top1 += argmax(expected) == argmax(got);
        agreement.mean_cosine += cosine(expected, got) / inputs;
        classes.insert(argmax(expected));
    }
    agreement.distinct_float_classes = static_cast<int>(classes.size());
    return agreement;
}

TEST(QuantAccuracy, Int8ResNet18Cifar10KeepsTop1OnRandomInputs) {
    const int inputs = 32;
    const Agreement agreement = compare("resnet18_cifar10", QuantConfig{}, inputs);
    std::printf(
        "resnet18_cifar10 w8a8: top-1 agreement %d/%d = %.1f%%, %d distinct float top-1 classes, "
        "mean logit cosine %.5f\n",
        agreement.same_top1, inputs, 100.0 * agreement.same_top1 / inputs, agreement.distinct_float_classes,
        agreement.mean_cosine);
    EXPECT_GE(agreement.same_top1, static_cast<int>(std::ceil(0.9 * inputs)));
    EXPECT_GT(agreement.mean_cosine, 0.98);  // secondary figure: the whole logit vector stays close
}

// SqueezeNet's integer path (Concat of requantized branches, ReLU before the pooled classifier).
// Its random-weight class scores are close together after that ReLU, so top-1 agreement is far
// lower than ResNet-18's (14/32 when written); the logits as a whole must still stay close.
TEST(QuantAccuracy, Int8SqueezeNetCifar10StaysCloseToFloat) {
    const int inputs = 32;
    const Agreement agreement = compare("squeezenet11_cifar10", QuantConfig{}, inputs);
    std::printf(
        "squeezenet11_cifar10 w8a8: top-1 agreement %d/%d, %d distinct float top-1 classes, "
        "mean logit cosine %.5f\n",
        agreement.same_top1, inputs, agreement.distinct_float_classes, agreement.mean_cosine);
    EXPECT_GT(agreement.mean_cosine, 0.95);
}

// Lower precision costs accuracy monotonically: the logit cosine of w8a8 > w6a6 > w4a4.
TEST(QuantAccuracy, LowerPrecisionStaysOrdered) {
    const int inputs = 16;
    std::vector<double> cosines;
    for (const std::string precision : {"w8a8", "w6a6", "w4a4"}) {
        QuantConfig config;
        parse_precision(precision, config);
        const Agreement agreement = compare("small_cnn_cifar10", config, inputs);
        std::printf(
            "small_cnn_cifar10 %s: top-1 agreement %d/%d, %d distinct float top-1 classes, "
            "mean logit cosine %.5f\n",
            precision.c_str(), agreement.same_top1, inputs, agreement.distinct_float_classes, agreement.mean_cosine);
        cosines.push_back(agreement.mean_cosine);
    }
    EXPECT_GT(cosines[0], cosines[1]);
    EXPECT_GT(cosines[1], cosines[2]);
}

}  // namespace
}  // namespace cimvp::passes
