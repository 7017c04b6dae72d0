#include "firmware/compiler/interpreter/float_gemm.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace cimvp::ir {

namespace {

// A 4 x 16 block of C stays in registers (eight 8-float vectors) while k streams by; the K and N
// blocking keeps the slice of B being reused in L2. GCC vector types compile to AVX2 FMAs under
// -march=native and to narrower instructions elsewhere.
constexpr int64_t kRows = 4;
constexpr int64_t kCols = 16;
constexpr int64_t kDepth = 256;
constexpr int64_t kPanel = 256;

using Vector8 = float __attribute__((vector_size(32)));

inline Vector8 load(const float* source) {
    Vector8 value;
    std::memcpy(&value, source, sizeof(value));
    return value;
}

inline void add_store(float* target, Vector8 value) {
    Vector8 sum = load(target) + value;
    std::memcpy(target, &sum, sizeof(sum));
}

void full_block(int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc) {
    Vector8 acc00{}, acc01{}, acc10{}, acc11{}, acc20{}, acc21{}, acc30{}, acc31{};
    const float* a0 = a;
    const float* a1 = a + lda;
    const float* a2 = a + 2 * lda;
    const float* a3 = a + 3 * lda;
    for (int64_t p = 0; p < k; ++p) {
        const Vector8 b0 = load(b + p * ldb);
        const Vector8 b1 = load(b + p * ldb + 8);
        const Vector8 v0 = Vector8{} + a0[p];
        const Vector8 v1 = Vector8{} + a1[p];
        const Vector8 v2 = Vector8{} + a2[p];
        const Vector8 v3 = Vector8{} + a3[p];
        acc00 += v0 * b0;
        acc01 += v0 * b1;
        acc10 += v1 * b0;
        acc11 += v1 * b1;
        acc20 += v2 * b0;
        acc21 += v2 * b1;
        acc30 += v3 * b0;
        acc31 += v3 * b1;
    }
    add_store(c, acc00);
    add_store(c + 8, acc01);
    add_store(c + ldc, acc10);
    add_store(c + ldc + 8, acc11);
    add_store(c + 2 * ldc, acc20);
    add_store(c + 2 * ldc + 8, acc21);
    add_store(c + 3 * ldc, acc30);
    add_store(c + 3 * ldc + 8, acc31);
}

// A partial block at the right or bottom edge runs through the same kernel on zero-padded copies
// (k never exceeds kDepth, so they fit on the stack).
void edge_block(int64_t rows, int64_t cols, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                float* c, int64_t ldc) {
    float a_padded[kRows * kDepth] = {};
    float b_padded[kDepth * kCols] = {};
    float c_padded[kRows * kCols] = {};
    for (int64_t r = 0; r < rows; ++r) std::copy(a + r * lda, a + r * lda + k, a_padded + r * k);
    for (int64_t p = 0; p < k; ++p) std::copy(b + p * ldb, b + p * ldb + cols, b_padded + p * kCols);
    full_block(k, a_padded, k, b_padded, kCols, c_padded, kCols);
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t j = 0; j < cols; ++j) c[r * ldc + j] += c_padded[r * kCols + j];
    }
}

}  // namespace

void gemm_accumulate(int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                     float* c, int64_t ldc) {
    // B is copied panel by panel into 16-column strips, so the kernel reads it sequentially.
    std::vector<float> packed(static_cast<std::size_t>(kDepth * kPanel));
    for (int64_t p0 = 0; p0 < k; p0 += kDepth) {
        const int64_t depth = std::min(kDepth, k - p0);
        for (int64_t panel = 0; panel < n; panel += kPanel) {
            const int64_t panel_end = std::min(n, panel + kPanel);
            const int64_t full_end = panel + (panel_end - panel) / kCols * kCols;
            for (int64_t j0 = panel; j0 < full_end; j0 += kCols) {
                float* strip = packed.data() + (j0 - panel) * depth;
                for (int64_t p = 0; p < depth; ++p) {
                    std::copy(b + (p0 + p) * ldb + j0, b + (p0 + p) * ldb + j0 + kCols, strip + p * kCols);
                }
            }
            for (int64_t i0 = 0; i0 < m; i0 += kRows) {
                const int64_t rows = std::min(kRows, m - i0);
                const float* a_block = a + i0 * lda + p0;
                for (int64_t j0 = panel; j0 < panel_end; j0 += kCols) {
                    float* c_block = c + i0 * ldc + j0;
                    if (j0 < full_end && rows == kRows) {
                        full_block(depth, a_block, lda, packed.data() + (j0 - panel) * depth, kCols, c_block, ldc);
                    } else {
                        edge_block(rows, std::min(kCols, panel_end - j0), depth, a_block, lda, b + p0 * ldb + j0, ldb,
                                   c_block, ldc);
                    }
                }
            }
        }
    }
}

}  // namespace cimvp::ir
