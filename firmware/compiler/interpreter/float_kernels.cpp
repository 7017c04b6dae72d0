#include "firmware/compiler/interpreter/float_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "firmware/compiler/interpreter/float_gemm.h"
#include "firmware/compiler/ir/shape_inference.h"

namespace cimvp::ir {

namespace {

using Inputs = std::vector<const Tensor*>;

template <typename Function>
FloatKernel unary(Function function) {
    return [function](const Node& node, const Inputs& inputs) {
        auto outputs = allocate_outputs(node, inputs);
        const float* x = inputs[0]->values<float>();
        float* y = outputs[0].values<float>();
        const int64_t count = outputs[0].element_count();
        for (int64_t i = 0; i < count; ++i) y[i] = function(x[i]);
        return outputs;
    };
}

std::vector<Tensor> leaky_relu(const Node& node, const Inputs& inputs) {
    const float alpha = node.attribute_float("alpha", 0.01f);
    return unary([alpha](float x) { return x < 0 ? alpha * x : x; })(node, inputs);
}

std::vector<Tensor> clip(const Node& node, const Inputs& inputs) {
    // Opset 11 moved min and max from attributes to optional inputs.
    float low = node.attribute_float("min", -std::numeric_limits<float>::infinity());
    float high = node.attribute_float("max", std::numeric_limits<float>::infinity());
    if (inputs.size() > 1 && inputs[1]) low = inputs[1]->values<float>()[0];
    if (inputs.size() > 2 && inputs[2]) high = inputs[2]->values<float>()[0];
    return unary([low, high](float x) { return std::min(std::max(x, low), high); })(node, inputs);
}

std::vector<Tensor> copy_data(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    outputs[0].data = inputs[0]->data;
    return outputs;
}

// Strides of `shape` aligned to the last `rank` axes of a broadcast result; broadcast axes get 0.
std::vector<int64_t> broadcast_strides(const Shape& shape, std::size_t rank) {
    std::vector<int64_t> strides(rank, 0);
    int64_t stride = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const std::size_t axis = shape.size() - 1 - i;
        strides[rank - 1 - i] = shape[axis] == 1 ? 0 : stride;
        stride *= shape[axis];
    }
    return strides;
}

// out = function(a, b) with numpy broadcasting; the last axis runs as a tight loop.
template <typename Function>
void broadcast_apply(const Tensor& a, const Tensor& b, Tensor& out, Function function) {
    const float* pa = a.values<float>();
    const float* pb = b.values<float>();
    float* po = out.values<float>();
    const int64_t count = out.element_count();
    if (a.shape == b.shape) {
        for (int64_t i = 0; i < count; ++i) po[i] = function(pa[i], pb[i]);
        return;
    }
    if (count == 0) return;
    const std::size_t rank = out.shape.size();
    if (rank == 0) {
        po[0] = function(pa[0], pb[0]);
        return;
    }
    const auto sa = broadcast_strides(a.shape, rank);
    const auto sb = broadcast_strides(b.shape, rank);
    const int64_t inner = out.shape[rank - 1];
    const int64_t ia = sa[rank - 1];
    const int64_t ib = sb[rank - 1];
    std::vector<int64_t> index(rank, 0);
    for (int64_t row = 0; row < count / inner; ++row) {
        int64_t offset_a = 0;
        int64_t offset_b = 0;
        for (std::size_t d = 0; d + 1 < rank; ++d) {
            offset_a += index[d] * sa[d];
            offset_b += index[d] * sb[d];
        }
        float* out_row = po + row * inner;
        for (int64_t j = 0; j < inner; ++j) out_row[j] = function(pa[offset_a + j * ia], pb[offset_b + j * ib]);
        for (std::size_t d = rank - 1; d-- > 0;) {  // advance the outer multi-index
            if (++index[d] < out.shape[d]) break;
            index[d] = 0;
        }
    }
}

template <typename Function>
FloatKernel binary(Function function) {
    return [function](const Node& node, const Inputs& inputs) {
        auto outputs = allocate_outputs(node, inputs);
        broadcast_apply(*inputs[0], *inputs[1], outputs[0], function);
        return outputs;
    };
}

std::vector<Tensor> softmax(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const Shape& shape = inputs[0]->shape;
    int64_t axis = node.attribute_int("axis", -1);
    if (axis < 0) axis += static_cast<int64_t>(shape.size());
    const int64_t outer = element_count(Shape(shape.begin(), shape.begin() + axis));
    const int64_t length = shape[static_cast<std::size_t>(axis)];
    const int64_t inner = element_count(Shape(shape.begin() + axis + 1, shape.end()));
    const float* x = inputs[0]->values<float>();
    float* y = outputs[0].values<float>();
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t i = 0; i < inner; ++i) {
            const int64_t base = o * length * inner + i;
            float peak = -std::numeric_limits<float>::infinity();
            for (int64_t l = 0; l < length; ++l) peak = std::max(peak, x[base + l * inner]);
            double sum = 0;  // subtracting the peak keeps exp() in range
            for (int64_t l = 0; l < length; ++l) {
                y[base + l * inner] = std::exp(x[base + l * inner] - peak);
                sum += y[base + l * inner];
            }
            for (int64_t l = 0; l < length; ++l) y[base + l * inner] = static_cast<float>(y[base + l * inner] / sum);
        }
    }
    return outputs;
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

std::vector<Tensor> concat(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const Shape& shape = outputs[0].shape;
    int64_t axis = node.attribute_int("axis", 0);
    if (axis < 0) axis += static_cast<int64_t>(shape.size());
    const int64_t outer = element_count(Shape(shape.begin(), shape.begin() + axis));
    const auto item_bytes = static_cast<int64_t>(element_size(outputs[0].type)) *
                            element_count(Shape(shape.begin() + axis + 1, shape.end()));
    uint8_t* out = outputs[0].data.data();
    for (int64_t o = 0; o < outer; ++o) {
        for (const Tensor* input : inputs) {
            const int64_t chunk = input->shape[static_cast<std::size_t>(axis)] * item_bytes;
            if (chunk == 0) continue;
            std::memcpy(out, input->data.data() + o * chunk, static_cast<std::size_t>(chunk));
            out += chunk;
        }
    }
    return outputs;
}

std::vector<Tensor> transpose(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const Shape& in_shape = inputs[0]->shape;
    const std::size_t rank = in_shape.size();
    std::vector<int64_t> perm(rank);
    for (std::size_t i = 0; i < rank; ++i) perm[i] = static_cast<int64_t>(rank - 1 - i);
    perm = node.attribute_ints("perm", perm);
    std::vector<int64_t> in_strides(rank, 1);
    for (std::size_t d = rank; d-- > 1;) in_strides[d - 1] = in_strides[d] * in_shape[d];
    const std::size_t bytes = element_size(outputs[0].type);
    const Shape& out_shape = outputs[0].shape;
    std::vector<int64_t> index(rank, 0);
    const uint8_t* source = inputs[0]->data.data();
    uint8_t* target = outputs[0].data.data();
    for (int64_t i = 0; i < outputs[0].element_count(); ++i) {
        int64_t offset = 0;
        for (std::size_t d = 0; d < rank; ++d) offset += index[d] * in_strides[static_cast<std::size_t>(perm[d])];
        std::memcpy(target + static_cast<std::size_t>(i) * bytes, source + static_cast<std::size_t>(offset) * bytes, bytes);
        for (std::size_t d = rank; d-- > 0;) {
            if (++index[d] < out_shape[d]) break;
            index[d] = 0;
        }
    }
    return outputs;
}

}  // namespace

std::vector<Tensor> allocate_outputs(const Node& node, const std::vector<const Tensor*>& inputs) {
    auto outputs = infer_node_outputs(node, inputs);
    for (Tensor& output : outputs) output.data.assign(static_cast<std::size_t>(output.element_count()) * element_size(output.type), 0);
    return outputs;
}

std::map<std::string, FloatKernel> standard_float_kernels() {
    return {
        {"Relu", unary([](float x) { return x > 0 ? x : 0.0f; })},
        {"Sigmoid", unary([](float x) { return 1.0f / (1.0f + std::exp(-x)); })},
        {"Tanh", unary([](float x) { return std::tanh(x); })},
        {"Neg", unary([](float x) { return -x; })},
        {"Abs", unary([](float x) { return std::fabs(x); })},
        {"Exp", unary([](float x) { return std::exp(x); })},
        {"Sqrt", unary([](float x) { return std::sqrt(x); })},
        {"LeakyRelu", leaky_relu},
        {"Clip", clip},
        {"Identity", copy_data},
        {"Dropout", copy_data},  // inference form: the identity
        {"Flatten", copy_data},
        {"Reshape", copy_data},
        {"Add", binary([](float a, float b) { return a + b; })},
        {"Sub", binary([](float a, float b) { return a - b; })},
        {"Mul", binary([](float a, float b) { return a * b; })},
        {"Div", binary([](float a, float b) { return a / b; })},
        {"Softmax", softmax},
        {"BatchNormalization", batch_normalization},
        {"Gemm", gemm},
        {"MatMul", matmul},
        {"Concat", concat},
        {"Transpose", transpose},
    };
}

}  // namespace cimvp::ir
