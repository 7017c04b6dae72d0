#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "firmware/compiler/interpreter/float_broadcast.h"
#include "firmware/compiler/interpreter/float_kernels.h"

namespace cimvp::ir {

namespace {

using Inputs = std::vector<const Tensor*>;

template <typename Function>
std::vector<Tensor> apply_unary(const Node& node, const Inputs& inputs, Function function) {
    auto outputs = allocate_outputs(node, inputs);
    const float* x = inputs[0]->values<float>();
    float* y = outputs[0].values<float>();
    const int64_t count = outputs[0].element_count();
    for (int64_t i = 0; i < count; ++i) y[i] = function(x[i]);
    return outputs;
}

template <typename Function>
FloatKernel unary(Function function) {
    return [function](const Node& node, const Inputs& inputs) { return apply_unary(node, inputs, function); };
}

// A unary function of one attribute (alpha), e.g. LeakyRelu or Elu.
template <typename Function>
FloatKernel unary_with_alpha(float default_alpha, Function function) {
    return [default_alpha, function](const Node& node, const Inputs& inputs) {
        const float alpha = node.attribute_float("alpha", default_alpha);
        return apply_unary(node, inputs, [alpha, function](float x) { return function(x, alpha); });
    };
}

std::vector<Tensor> selu(const Node& node, const Inputs& inputs) {
    // Defaults from the ONNX operator definition.
    const float alpha = node.attribute_float("alpha", 1.67326319217681884765625f);
    const float gamma = node.attribute_float("gamma", 1.05070102214813232421875f);
    return apply_unary(node, inputs,
                       [alpha, gamma](float x) { return gamma * (x > 0 ? x : alpha * (std::exp(x) - 1)); });
}

std::vector<Tensor> hard_sigmoid(const Node& node, const Inputs& inputs) {
    const float alpha = node.attribute_float("alpha", 0.2f);
    const float beta = node.attribute_float("beta", 0.5f);
    return apply_unary(node, inputs, [alpha, beta](float x) { return std::clamp(alpha * x + beta, 0.0f, 1.0f); });
}

std::vector<Tensor> clip(const Node& node, const Inputs& inputs) {
    float low = -std::numeric_limits<float>::infinity();
    float high = std::numeric_limits<float>::infinity();
    if (inputs.size() > 1 && inputs[1]) low = inputs[1]->values<float>()[0];
    if (inputs.size() > 2 && inputs[2]) high = inputs[2]->values<float>()[0];
    return apply_unary(node, inputs, [low, high](float x) { return std::min(std::max(x, low), high); });
}

template <typename Function>
FloatKernel binary(Function function) {
    return [function](const Node& node, const Inputs& inputs) {
        auto outputs = allocate_outputs(node, inputs);
        broadcast_apply(*inputs[0], *inputs[1], outputs[0], function);
        return outputs;
    };
}

// Neg and Abs on float32, int32 or int64; integers wrap (the negation of the minimum is itself).
template <typename Operation>
FloatKernel signed_unary(Operation operation) {
    return [operation](const Node& node, const Inputs& inputs) {
        auto outputs = allocate_outputs(node, inputs);
        auto run = [&](auto* out, const auto* in) {
            using T = std::remove_pointer_t<decltype(out)>;
            for (int64_t i = 0; i < outputs[0].element_count(); ++i) {
                if constexpr (std::is_integral_v<T>) {
                    const auto magnitude = static_cast<std::make_unsigned_t<T>>(in[i]);
                    const bool negate = operation(in[i]);
                    out[i] = static_cast<T>(negate ? ~magnitude + 1 : magnitude);
                } else {
                    out[i] = operation(in[i]) ? -in[i] : in[i];
                }
            }
        };
        switch (outputs[0].type) {
            case DataType::kInt32:
                run(outputs[0].values<int32_t>(), inputs[0]->values<int32_t>());
                break;
            case DataType::kInt64:
                run(outputs[0].values<int64_t>(), inputs[0]->values<int64_t>());
                break;
            default:
                run(outputs[0].values<float>(), inputs[0]->values<float>());
        }
        return outputs;
    };
}

// Add, Sub and Mul on float32, int32 or int64; integers wrap (computed unsigned, so overflow is defined).
template <typename Operation>
FloatKernel arithmetic(Operation operation) {
    return [operation](const Node& node, const Inputs& inputs) {
        auto outputs = allocate_outputs(node, inputs);
        auto wrapping = [operation](auto a, auto b) {
            using T = decltype(a);
            using U = std::make_unsigned_t<T>;
            return static_cast<T>(operation(static_cast<U>(a), static_cast<U>(b)));
        };
        switch (outputs[0].type) {
            case DataType::kInt32:
                broadcast_apply<int32_t>(*inputs[0], *inputs[1], outputs[0], wrapping);
                break;
            case DataType::kInt64:
                broadcast_apply<int64_t>(*inputs[0], *inputs[1], outputs[0], wrapping);
                break;
            default:
                broadcast_apply<float>(*inputs[0], *inputs[1], outputs[0], operation);
        }
        return outputs;
    };
}

// Folds the inputs into the output one at a time; Mean divides the sum at the end.
template <typename Function>
FloatKernel variadic(Function function, bool mean = false) {
    return [function, mean](const Node& node, const Inputs& inputs) {
        auto outputs = allocate_outputs(node, inputs);
        Tensor& y = outputs[0];
        broadcast_apply(y, *inputs[0], y, [](float, float b) { return b; });
        for (std::size_t i = 1; i < inputs.size(); ++i) broadcast_apply(y, *inputs[i], y, function);
        if (mean) {
            const auto count = static_cast<float>(inputs.size());
            for (int64_t i = 0; i < y.element_count(); ++i) y.values<float>()[i] /= count;
        }
        return outputs;
    };
}

}  // namespace

std::map<std::string, FloatKernel> elementwise_float_kernels() {
    return {
        {"Relu", unary([](float x) { return x > 0 ? x : 0.0f; })},
        {"Sigmoid", unary([](float x) { return 1.0f / (1.0f + std::exp(-x)); })},
        {"Tanh", unary([](float x) { return std::tanh(x); })},
        {"Neg", signed_unary([](auto) { return true; })},     // negate every element
        {"Abs", signed_unary([](auto x) { return x < 0; })},  // negate the negative ones
        {"Exp", unary([](float x) { return std::exp(x); })},
        {"Log", unary([](float x) { return std::log(x); })},
        {"Sqrt", unary([](float x) { return std::sqrt(x); })},
        {"Reciprocal", unary([](float x) { return 1.0f / x; })},
        {"Floor", unary([](float x) { return std::floor(x); })},
        {"Ceil", unary([](float x) { return std::ceil(x); })},
        {"Round", unary([](float x) { return std::nearbyint(x); })},  // halves to even, as ONNX specifies
        {"Sign", unary([](float x) { return x > 0 ? 1.0f : (x < 0 ? -1.0f : 0.0f); })},
        {"Erf", unary([](float x) { return std::erf(x); })},
        {"Sin", unary([](float x) { return std::sin(x); })},
        {"Cos", unary([](float x) { return std::cos(x); })},
        {"Softplus", unary([](float x) { return std::log1p(std::exp(x)); })},
        {"Softsign", unary([](float x) { return x / (1.0f + std::fabs(x)); })},
        {"HardSwish", unary([](float x) { return x * std::clamp(x / 6.0f + 0.5f, 0.0f, 1.0f); })},
        {"LeakyRelu", unary_with_alpha(0.01f, [](float x, float alpha) { return x < 0 ? alpha * x : x; })},
        {"Elu", unary_with_alpha(1.0f, [](float x, float alpha) { return x < 0 ? alpha * (std::exp(x) - 1) : x; })},
        {"Celu", unary_with_alpha(1.0f,
                                  [](float x, float alpha) {
                                      return std::max(0.0f, x) + std::min(0.0f, alpha * (std::exp(x / alpha) - 1));
                                  })},
        {"ThresholdedRelu", unary_with_alpha(1.0f, [](float x, float alpha) { return x > alpha ? x : 0.0f; })},
        {"Selu", selu},
        {"HardSigmoid", hard_sigmoid},
        {"Clip", clip},
        {"Add", arithmetic([](auto a, auto b) { return a + b; })},
        {"Sub", arithmetic([](auto a, auto b) { return a - b; })},
        {"Mul", arithmetic([](auto a, auto b) { return a * b; })},
        {"Div", binary([](float a, float b) { return a / b; })},
        {"Pow", binary([](float a, float b) { return std::pow(a, b); })},
        {"PRelu", binary([](float x, float slope) { return x < 0 ? slope * x : x; })},
        {"Min", variadic([](float a, float b) { return std::min(a, b); })},
        {"Max", variadic([](float a, float b) { return std::max(a, b); })},
        {"Sum", variadic([](float a, float b) { return a + b; })},
        {"Mean", variadic([](float a, float b) { return a + b; }, true)},
    };
}

}  // namespace cimvp::ir
