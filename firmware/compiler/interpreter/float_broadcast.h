// Numpy-style broadcasting of two tensors into an output, shared by the elementwise kernels and
// Gemm's bias.
#pragma once

#include <cstdint>
#include <vector>

#include "firmware/compiler/ir/tensor.h"

namespace cimvp::ir {

// Strides of `shape` aligned to the last `rank` axes of a broadcast result; broadcast axes get 0.
inline std::vector<int64_t> broadcast_strides(const Shape& shape, std::size_t rank) {
    std::vector<int64_t> strides(rank, 0);
    int64_t stride = 1;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        const std::size_t axis = shape.size() - 1 - i;
        strides[rank - 1 - i] = shape[axis] == 1 ? 0 : stride;
        stride *= shape[axis];
    }
    return strides;
}

// out = function(a, b) elementwise with broadcasting, all three holding T; `out` already has the
// broadcast shape and may be `a` itself when a has that shape. The last axis runs as a tight loop.
template <typename T = float, typename Function>
void broadcast_apply(const Tensor& a, const Tensor& b, Tensor& out, Function function) {
    const T* pa = a.values<T>();
    const T* pb = b.values<T>();
    T* po = out.values<T>();
    const int64_t count = out.element_count();
    if (a.shape == b.shape && a.shape == out.shape) {
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
        T* out_row = po + row * inner;
        for (int64_t j = 0; j < inner; ++j) out_row[j] = function(pa[offset_a + j * ia], pb[offset_b + j * ib]);
        for (std::size_t d = rank - 1; d-- > 0;) {  // advance the outer multi-index
            if (++index[d] < out.shape[d]) break;
            index[d] = 0;
        }
    }
}

}  // namespace cimvp::ir
