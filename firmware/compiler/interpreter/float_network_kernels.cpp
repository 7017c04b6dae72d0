#include <algorithm>
#include <cmath>
#include <limits>

#include "firmware/compiler/interpreter/float_broadcast.h"
#include "firmware/compiler/interpreter/float_gemm.h"
#include "firmware/compiler/interpreter/float_kernels.h"
#include "firmware/compiler/ir/shape_inference.h"

namespace cimvp::ir {

namespace {

using Inputs = std::vector<const Tensor*>;

// Softmax, LogSoftmax and Hardmax along one axis: `normalize` maps one lane (length values, `stride`
// apart) of the input to the output.
template <typename Normalize>
FloatKernel along_axis(Normalize normalize) {
    return [normalize](const Node& node, const Inputs& inputs) {
        auto outputs = allocate_outputs(node, inputs);
        const Shape& shape = inputs[0]->shape;
        int64_t axis = node.attribute_int("axis", -1);
        if (axis < 0) axis += static_cast<int64_t>(shape.size());
        const int64_t outer = element_count(Shape(shape.begin(), shape.begin() + axis));
        const int64_t length = shape[static_cast<std::size_t>(axis)];
        const int64_t inner = element_count(Shape(shape.begin() + axis + 1, shape.end()));
        for (int64_t o = 0; o < outer; ++o) {
            for (int64_t i = 0; i < inner; ++i) {
                const int64_t base = o * length * inner + i;
                normalize(inputs[0]->values<float>() + base, outputs[0].values<float>() + base, length, inner);
            }
        }
        return outputs;
    };
}

float lane_max(const float* x, int64_t length, int64_t stride) {
    float peak = -std::numeric_limits<float>::infinity();
    for (int64_t l = 0; l < length; ++l) peak = std::max(peak, x[l * stride]);
    return peak;
}

// Subtracting the lane's maximum keeps exp() in range.
void softmax_lane(const float* x, float* y, int64_t length, int64_t stride) {
    const float peak = lane_max(x, length, stride);
    double sum = 0;
    for (int64_t l = 0; l < length; ++l) {
        y[l * stride] = std::exp(x[l * stride] - peak);
        sum += y[l * stride];
    }
    for (int64_t l = 0; l < length; ++l) y[l * stride] = static_cast<float>(y[l * stride] / sum);
}

void log_softmax_lane(const float* x, float* y, int64_t length, int64_t stride) {
    const float peak = lane_max(x, length, stride);
    double sum = 0;
    for (int64_t l = 0; l < length; ++l) sum += std::exp(static_cast<double>(x[l * stride] - peak));
    const auto log_sum = static_cast<float>(std::log(sum));
    for (int64_t l = 0; l < length; ++l) y[l * stride] = x[l * stride] - peak - log_sum;
}

// 1 at the first maximum of the lane, 0 elsewhere (y starts zeroed).
void hardmax_lane(const float* x, float* y, int64_t length, int64_t stride) {
    int64_t best = 0;
    for (int64_t l = 1; l < length; ++l) {
        if (x[l * stride] > x[best * stride]) best = l;
    }
    if (length > 0) y[best * stride] = 1.0f;
}

std::vector<Tensor> batch_normalization(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const Shape& shape = inputs[0]->shape;
    const double epsilon = node.attribute_float("epsilon", 1e-5f);
    const int64_t channels = shape[1];
    const int64_t spatial = element_count(Shape(shape.begin() + 2, shape.end()));
    const float* scale = inputs[1]->values<float>();
    const float* bias = inputs[2]->values<float>();
    const float* mean = inputs[3]->values<float>();
    const float* variance = inputs[4]->values<float>();
    const float* x = inputs[0]->values<float>();
    float* y = outputs[0].values<float>();
    for (int64_t n = 0; n < shape[0]; ++n) {
        for (int64_t c = 0; c < channels; ++c) {
            const auto gain = static_cast<float>(scale[c] / std::sqrt(variance[c] + epsilon));
            const float shift = bias[c] - gain * mean[c];
            const int64_t base = (n * channels + c) * spatial;
            for (int64_t i = 0; i < spatial; ++i) y[base + i] = gain * x[base + i] + shift;
        }
    }
    return outputs;
}

// Row-major copy of a 2-D matrix transposed, so every product runs through gemm_accumulate.
std::vector<float> transposed(const float* source, int64_t rows, int64_t cols) {
    std::vector<float> result(static_cast<std::size_t>(rows * cols));
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) result[static_cast<std::size_t>(c * rows + r)] = source[r * cols + c];
    }
    return result;
}

std::vector<Tensor> gemm(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const Shape& a_shape = inputs[0]->shape;
    const Shape& b_shape = inputs[1]->shape;
    const bool trans_a = node.attribute_int("transA", 0) != 0;
    const bool trans_b = node.attribute_int("transB", 0) != 0;
    const float alpha = node.attribute_float("alpha", 1.0f);
    const float beta = node.attribute_float("beta", 1.0f);
    const int64_t m = outputs[0].shape[0];
    const int64_t n = outputs[0].shape[1];
    const int64_t k = trans_a ? a_shape[0] : a_shape[1];
    std::vector<float> a_copy;
    std::vector<float> b_copy;
    const float* a = inputs[0]->values<float>();
    const float* b = inputs[1]->values<float>();
    if (trans_a) a = (a_copy = transposed(a, a_shape[0], a_shape[1])).data();
    if (trans_b) b = (b_copy = transposed(b, b_shape[0], b_shape[1])).data();
    Tensor product = Tensor::zeros("product", DataType::kFloat32, {m, n});
    gemm_accumulate(m, n, k, a, k, b, n, product.values<float>(), n);
    if (inputs.size() > 2 && inputs[2]) {
        broadcast_apply(product, *inputs[2], outputs[0],
                        [alpha, beta](float ab, float c) { return alpha * ab + beta * c; });
    } else {
        const float* p = product.values<float>();
        float* y = outputs[0].values<float>();
        for (int64_t i = 0; i < m * n; ++i) y[i] = alpha * p[i];
    }
    return outputs;
}

std::vector<Tensor> matmul(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    Shape a = inputs[0]->shape;
    Shape b = inputs[1]->shape;
    if (a.size() == 1) a.insert(a.begin(), 1);  // numpy promotion of vectors to matrices
    if (b.size() == 1) b.push_back(1);
    const int64_t m = a[a.size() - 2];
    const int64_t k = a.back();
    const int64_t n = b.back();
    const Shape a_batch(a.begin(), a.end() - 2);
    const Shape b_batch(b.begin(), b.end() - 2);
    const Shape batch = broadcast_shapes(a_batch, b_batch);
    const std::size_t rank = batch.size();
    const auto sa = broadcast_strides(a_batch, rank);
    const auto sb = broadcast_strides(b_batch, rank);
    const float* pa = inputs[0]->values<float>();
    const float* pb = inputs[1]->values<float>();
    float* py = outputs[0].values<float>();
    std::vector<int64_t> index(rank, 0);
    for (int64_t item = 0; item < element_count(batch); ++item) {
        int64_t offset_a = 0;
        int64_t offset_b = 0;
        for (std::size_t d = 0; d < rank; ++d) {
            offset_a += index[d] * sa[d];
            offset_b += index[d] * sb[d];
        }
        gemm_accumulate(m, n, k, pa + offset_a * m * k, k, pb + offset_b * k * n, n, py + item * m * n, n);
        for (std::size_t d = rank; d-- > 0;) {
            if (++index[d] < batch[d]) break;
            index[d] = 0;
        }
    }
    return outputs;
}

// Y = (X - mean) / sqrt(var + epsilon) * Scale + B over the axes from `axis` on; statistics in double.
std::vector<Tensor> layer_normalization(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const Shape& shape = inputs[0]->shape;
    int64_t axis = node.attribute_int("axis", -1);
    if (axis < 0) axis += static_cast<int64_t>(shape.size());
    const double epsilon = node.attribute_float("epsilon", 1e-5f);
    const Shape normalized(shape.begin() + axis, shape.end());
    const int64_t rows = element_count(Shape(shape.begin(), shape.begin() + axis));
    const int64_t length = element_count(normalized);
    // Scale and B broadcast to one row of `length` values.
    auto row_of = [&](const Tensor* tensor, float fallback) {
        Tensor row = Tensor::from_values<float>("row", normalized,
                                                std::vector<float>(static_cast<std::size_t>(length), fallback));
        if (tensor) broadcast_apply(row, *tensor, row, [](float, float b) { return b; });
        return row;
    };
    const Tensor scale = row_of(inputs[1], 1.0f);
    const Tensor bias = row_of(inputs.size() > 2 ? inputs[2] : nullptr, 0.0f);
    const float* x = inputs[0]->values<float>();
    float* y = outputs[0].values<float>();
    for (int64_t r = 0; r < rows; ++r) {
        const float* in = x + r * length;
        double sum = 0;
        for (int64_t i = 0; i < length; ++i) sum += in[i];
        const double mean = sum / static_cast<double>(length);
        double squares = 0;
        for (int64_t i = 0; i < length; ++i) squares += (in[i] - mean) * (in[i] - mean);
        const double inv_std = 1.0 / std::sqrt(squares / static_cast<double>(length) + epsilon);
        for (int64_t i = 0; i < length; ++i) {
            y[r * length + i] =
                static_cast<float>((in[i] - mean) * inv_std) * scale.values<float>()[i] + bias.values<float>()[i];
        }
        if (outputs.size() > 1) outputs[1].values<float>()[r] = static_cast<float>(mean);
        if (outputs.size() > 2) outputs[2].values<float>()[r] = static_cast<float>(inv_std);
    }
    return outputs;
}

}  // namespace

std::map<std::string, FloatKernel> network_float_kernels() {
    return {
        {"Softmax", along_axis(softmax_lane)},
        {"LogSoftmax", along_axis(log_softmax_lane)},
        {"Hardmax", along_axis(hardmax_lane)},
        {"BatchNormalization", batch_normalization},
        {"LayerNormalization", layer_normalization},
        {"Gemm", gemm},
        {"MatMul", matmul},
    };
}

}  // namespace cimvp::ir
