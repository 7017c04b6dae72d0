// The float kernels of the standard operators, by family; float_interpreter.cpp starts its kernel
// table from these.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "firmware/compiler/interpreter/float_interpreter.h"

namespace cimvp::ir {

// Activations and arithmetic (float_elementwise_kernels.cpp).
std::map<std::string, FloatKernel> elementwise_float_kernels();
// Normalizations, the softmax family, Gemm and MatMul (float_network_kernels.cpp).
std::map<std::string, FloatKernel> network_float_kernels();
// Conv, ConvTranspose and pooling (float_window_kernels.cpp).
std::map<std::string, FloatKernel> window_float_kernels();
// Data movement of any element type: reshapes, slices, pads, gathers, casts (float_data_kernels.cpp).
std::map<std::string, FloatKernel> data_float_kernels();
// Reduce* and ArgMax/ArgMin (float_reduction_kernels.cpp).
std::map<std::string, FloatKernel> reduction_float_kernels();

// The node's output tensors, shaped by shape inference (which also validates the node) and zeroed.
std::vector<Tensor> allocate_outputs(const Node& node, const std::vector<const Tensor*>& inputs);

// The elements of a tensor as a row-major multi-index walk: calls visit(flat_index, multi_index).
template <typename Visit>
void for_each_index(const Shape& shape, Visit visit) {
    const int64_t count = element_count(shape);
    std::vector<int64_t> index(shape.size(), 0);
    for (int64_t flat = 0; flat < count; ++flat) {
        visit(flat, index);
        for (std::size_t d = shape.size(); d-- > 0;) {
            if (++index[d] < shape[d]) break;
            index[d] = 0;
        }
    }
}

// Row-major strides of `shape`.
inline std::vector<int64_t> strides_of(const Shape& shape) {
    std::vector<int64_t> strides(shape.size(), 1);
    for (std::size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
    return strides;
}

}  // namespace cimvp::ir
