#include "firmware/compiler/interpreter/float_gemm.h"

#include <algorithm>

namespace cimvp::ir {

namespace {

// A 4 x 16 block of C lives in registers (eight 8-wide vectors with AVX2) while k streams by;
// the K and N blocking keeps the slice of B being reused in L2.
constexpr int64_t kRows = 4;
constexpr int64_t kCols = 16;
constexpr int64_t kDepth = 128;
constexpr int64_t kPanel = 512;

void full_block(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
    float acc[kRows][kCols] = {};
    for (int64_t p = 0; p < k; ++p) {
        const float* b_row = b + p * ldb;
#pragma GCC unroll 4
        for (int64_t r = 0; r < kRows; ++r) {
            const float a_value = a[r * lda + p];
#pragma GCC unroll 16
            for (int64_t j = 0; j < kCols; ++j) acc[r][j] += a_value * b_row[j];
        }
    }
    for (int64_t r = 0; r < kRows; ++r) {
        for (int64_t j = 0; j < kCols; ++j) c[r * ldc + j] += acc[r][j];
    }
}

void edge_block(int64_t rows, int64_t cols, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                float* c, int64_t ldc) {
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t p = 0; p < k; ++p) {
            const float a_value = a[r * lda + p];
            const float* b_row = b + p * ldb;
            for (int64_t j = 0; j < cols; ++j) c[r * ldc + j] += a_value * b_row[j];
        }
    }
}

}  // namespace

void gemm_accumulate(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                     float* c, int64_t ldc) {
    for (int64_t p0 = 0; p0 < k; p0 += kDepth) {
        const int64_t depth = std::min(kDepth, k - p0);
        for (int64_t panel = 0; panel < n; panel += kPanel) {
            const int64_t panel_end = std::min(n, panel + kPanel);
            for (int64_t i0 = 0; i0 < m; i0 += kRows) {
                const int64_t rows = std::min(kRows, m - i0);
                const float* a_block = a + i0 * lda + p0;
                for (int64_t j0 = panel; j0 < panel_end; j0 += kCols) {
                    const int64_t cols = std::min(kCols, panel_end - j0);
                    const float* b_block = b + p0 * ldb + j0;
                    float* c_block = c + i0 * ldc + j0;
                    if (rows == kRows && cols == kCols) {
                        full_block(depth, a_block, lda, b_block, ldb, c_block, ldc);
                    } else {
                        edge_block(rows, cols, depth, a_block, lda, b_block, ldb, c_block, ldc);
                    }
                }
            }
        }
    }
}

}  // namespace cimvp::ir
