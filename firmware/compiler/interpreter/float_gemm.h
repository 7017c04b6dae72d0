// Single-precision matrix multiply used by Conv (after im2col), Gemm and MatMul.
#pragma once

#include <cstdint>

namespace cimvp::ir {

// C[m x n] += A[m x k] * B[k x n], all row-major with leading dimensions lda, ldb, ldc.
void gemm_accumulate(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                     float* c, int64_t ldc);

}  // namespace cimvp::ir
