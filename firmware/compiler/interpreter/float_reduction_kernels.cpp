#include <algorithm>
#include <cmath>
#include <limits>

#include "firmware/compiler/interpreter/float_kernels.h"
#include "firmware/compiler/ir/shape_rules.h"

namespace cimvp::ir {

namespace {

using Inputs = std::vector<const Tensor*>;

// A reduction as a start value, a step and a final map from (accumulator, count) to the result;
// accumulation is in double so long sums lose nothing to float rounding.
struct Reduction {
    double start;
    double (*step)(double accumulator, double x);
    double (*finish)(double accumulator, int64_t count);
};

double keep(double accumulator, int64_t) { return accumulator; }

// Offset in the output of each input element: reduced axes contribute nothing.
std::vector<int64_t> output_strides(const Shape& input, const std::vector<bool>& reduced) {
    std::vector<int64_t> strides(input.size(), 0);
    int64_t stride = 1;
    for (std::size_t d = input.size(); d-- > 0;) {
        if (reduced[d]) continue;
        strides[d] = stride;
        stride *= input[d];
    }
    return strides;
}

FloatKernel reduce(Reduction reduction) {
    return [reduction](const Node& node, const Inputs& inputs) {
        auto outputs = allocate_outputs(node, inputs);
        const Shape& shape = inputs[0]->shape;
        const auto reduced = shape_rules::reduced_axes(node, inputs);
        const auto strides = output_strides(shape, reduced);
        std::vector<double> accumulators(static_cast<std::size_t>(outputs[0].element_count()), reduction.start);
        const float* x = inputs[0]->values<float>();
        for_each_index(shape, [&](int64_t flat, const std::vector<int64_t>& index) {
            int64_t target = 0;
            for (std::size_t d = 0; d < shape.size(); ++d) target += index[d] * strides[d];
            double& accumulator = accumulators[static_cast<std::size_t>(target)];
            accumulator = reduction.step(accumulator, x[flat]);
        });
        const int64_t count =
            accumulators.empty() ? 0 : inputs[0]->element_count() / static_cast<int64_t>(accumulators.size());
        for (std::size_t i = 0; i < accumulators.size(); ++i) {
            outputs[0].values<float>()[i] = static_cast<float>(reduction.finish(accumulators[i], count));
        }
        return outputs;
    };
}

// ArgMax/ArgMin: the first (or, with select_last_index, the last) index of the extreme along `axis`.
template <typename Better>
FloatKernel arg_reduce(Better better) {
    return [better](const Node& node, const Inputs& inputs) {
        auto outputs = allocate_outputs(node, inputs);
        const Shape& shape = inputs[0]->shape;
        int64_t axis = node.attribute_int("axis", 0);
        if (axis < 0) axis += static_cast<int64_t>(shape.size());
        const bool last = node.attribute_int("select_last_index", 0) != 0;
        const int64_t outer = element_count(Shape(shape.begin(), shape.begin() + axis));
        const int64_t length = shape[static_cast<std::size_t>(axis)];
        const int64_t inner = element_count(Shape(shape.begin() + axis + 1, shape.end()));
        const float* x = inputs[0]->values<float>();
        int64_t* y = outputs[0].values<int64_t>();
        for (int64_t o = 0; o < outer; ++o) {
            for (int64_t i = 0; i < inner; ++i) {
                const float* lane = x + o * length * inner + i;
                int64_t best = 0;
                for (int64_t l = 1; l < length; ++l) {
                    const float candidate = lane[l * inner];
                    const float current = lane[best * inner];
                    if (better(candidate, current) || (last && candidate == current)) best = l;
                }
                y[o * inner + i] = best;
            }
        }
        return outputs;
    };
}

}  // namespace

std::map<std::string, FloatKernel> reduction_float_kernels() {
    constexpr double kInfinity = std::numeric_limits<double>::infinity();
    return {
        {"ReduceSum", reduce({0, [](double a, double x) { return a + x; }, keep})},
        {"ReduceMean", reduce({0, [](double a, double x) { return a + x; },
                               [](double a, int64_t count) { return a / static_cast<double>(count); }})},
        {"ReduceMax", reduce({-kInfinity, [](double a, double x) { return std::max(a, x); }, keep})},
        {"ReduceMin", reduce({kInfinity, [](double a, double x) { return std::min(a, x); }, keep})},
        {"ReduceProd", reduce({1, [](double a, double x) { return a * x; }, keep})},
        {"ReduceSumSquare", reduce({0, [](double a, double x) { return a + x * x; }, keep})},
        {"ReduceL1", reduce({0, [](double a, double x) { return a + std::fabs(x); }, keep})},
        {"ReduceL2",
         reduce({0, [](double a, double x) { return a + x * x; }, [](double a, int64_t) { return std::sqrt(a); }})},
        {"ReduceLogSum",
         reduce({0, [](double a, double x) { return a + x; }, [](double a, int64_t) { return std::log(a); }})},
        {"ReduceLogSumExp", reduce({0, [](double a, double x) { return a + std::exp(x); },
                                    [](double a, int64_t) { return std::log(a); }})},
        {"ArgMax", arg_reduce([](float a, float b) { return a > b; })},
        {"ArgMin", arg_reduce([](float a, float b) { return a < b; })},
    };
}

}  // namespace cimvp::ir
