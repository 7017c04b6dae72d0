#include "firmware/compiler/interpreter/integer_kernels.h"

#include <algorithm>

namespace cimvp::interpreter {
namespace {

constexpr int64_t kDepthAlignment = 16;  // one 256-bit vector of int16
// Weight rows per block, so a block stays in the L2 cache while every patch streams past it.
constexpr int64_t kBlockBytes = 256 * 1024;

// One output value: a single reduction that vectorises to multiply-adds.
int32_t dot(const int16_t* __restrict a, const int16_t* __restrict b, int64_t depth) {
    int32_t sum = 0;
    for (int64_t k = 0; k < depth; ++k) sum += static_cast<int32_t>(a[k]) * b[k];
    return sum;
}

// A 4 x 4 tile of outputs: sixteen independent reductions share every load of the inner loop.
void dot_tile(const int16_t* __restrict w, const int16_t* __restrict x, int64_t depth, int32_t* __restrict out,
              int64_t columns) {
    const int16_t* w0 = w;
    const int16_t* w1 = w + depth;
    const int16_t* w2 = w + 2 * depth;
    const int16_t* w3 = w + 3 * depth;
    const int16_t* x0 = x;
    const int16_t* x1 = x + depth;
    const int16_t* x2 = x + 2 * depth;
    const int16_t* x3 = x + 3 * depth;
    int32_t s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
    int32_t s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
    for (int64_t k = 0; k < depth; ++k) {
        const int32_t a0 = w0[k], a1 = w1[k], a2 = w2[k], a3 = w3[k];
        const int32_t b0 = x0[k], b1 = x1[k], b2 = x2[k], b3 = x3[k];
        s00 += a0 * b0, s01 += a0 * b1, s02 += a0 * b2, s03 += a0 * b3;
        s10 += a1 * b0, s11 += a1 * b1, s12 += a1 * b2, s13 += a1 * b3;
        s20 += a2 * b0, s21 += a2 * b1, s22 += a2 * b2, s23 += a2 * b3;
        s30 += a3 * b0, s31 += a3 * b1, s32 += a3 * b2, s33 += a3 * b3;
    }
    out[0] = s00, out[1] = s01, out[2] = s02, out[3] = s03;
    out += columns;
    out[0] = s10, out[1] = s11, out[2] = s12, out[3] = s13;
    out += columns;
    out[0] = s20, out[1] = s21, out[2] = s22, out[3] = s23;
    out += columns;
    out[0] = s30, out[1] = s31, out[2] = s32, out[3] = s33;
}

}  // namespace

int64_t padded_depth(int64_t depth) { return (depth + kDepthAlignment - 1) / kDepthAlignment * kDepthAlignment; }

PackedMatrix pack_rows(const int8_t* values, int64_t rows, int64_t depth) {
    PackedMatrix matrix{rows, depth, padded_depth(depth), {}};
    matrix.values.assign(static_cast<std::size_t>(rows * matrix.padded_depth), 0);
    for (int64_t r = 0; r < rows; ++r) {
        std::copy(values + r * depth, values + (r + 1) * depth, matrix.values.begin() + r * matrix.padded_depth);
    }
    return matrix;
}

void multiply_packed(const PackedMatrix& weights, const int16_t* patches, int64_t columns, int32_t* accumulators) {
    const int64_t depth = weights.padded_depth;
    const int64_t block_rows =
        std::max<int64_t>(4, kBlockBytes / (depth * static_cast<int64_t>(sizeof(int16_t))) / 4 * 4);
    for (int64_t r0 = 0; r0 < weights.rows; r0 += block_rows) {
        const int64_t r_end = std::min(weights.rows, r0 + block_rows);
        const int64_t r_tiled = r0 + (r_end - r0) / 4 * 4;
        int64_t p = 0;
        for (; p + 4 <= columns; p += 4) {
            const int16_t* x = patches + p * depth;
            int64_t r = r0;
            for (; r < r_tiled; r += 4) {
                dot_tile(weights.values.data() + r * depth, x, depth, accumulators + r * columns + p, columns);
            }
            for (; r < r_end; ++r) {
                for (int64_t j = 0; j < 4; ++j) {
                    accumulators[r * columns + p + j] = dot(weights.values.data() + r * depth, x + j * depth, depth);
                }
            }
        }
        for (; p < columns; ++p) {
            for (int64_t r = r0; r < r_end; ++r) {
                accumulators[r * columns + p] = dot(weights.values.data() + r * depth, patches + p * depth, depth);
            }
        }
    }
}

void gather_patches(const int32_t* input, int64_t channels, const ir::WindowGeometry& window, int64_t depth_stride,
                    std::vector<int16_t>& patches) {
    // Two spatial axes (the networks here); conv1d/3d inputs are rejected by the interpreter.
    const int64_t kh = window.kernel[0], kw = window.kernel[1];
    const int64_t ih = window.input[0], iw = window.input[1];
    const int64_t oh = window.output[0], ow = window.output[1];
    const int64_t sh = window.strides[0], sw = window.strides[1];
    const int64_t dh = window.dilations[0], dw = window.dilations[1];
    const int64_t ph = window.pad_begin[0], pw = window.pad_begin[1];
    patches.assign(static_cast<std::size_t>(oh * ow * depth_stride), 0);
    for (int64_t y = 0; y < oh; ++y) {
        for (int64_t x = 0; x < ow; ++x) {
            int16_t* patch = patches.data() + (y * ow + x) * depth_stride;
            for (int64_t c = 0; c < channels; ++c) {
                const int32_t* plane = input + c * ih * iw;
                for (int64_t ky = 0; ky < kh; ++ky) {
                    const int64_t row = y * sh - ph + ky * dh;
                    if (row < 0 || row >= ih) {
                        patch += kw;
                        continue;
                    }
                    for (int64_t kx = 0; kx < kw; ++kx, ++patch) {
                        const int64_t column = x * sw - pw + kx * dw;
                        if (column >= 0 && column < iw) *patch = static_cast<int16_t>(plane[row * iw + column]);
                    }
                }
            }
        }
    }
}

void requantize_channels(const int32_t* accumulators, const int32_t* bias,
                         const std::vector<passes::Requantizer>& requantizers, int64_t channels, int64_t count,
                         int32_t low, int32_t high, int32_t* output) {
    for (int64_t c = 0; c < channels; ++c) {
        const passes::Requantizer requantizer = requantizers[static_cast<std::size_t>(c)];
        const int64_t b = bias[c];
        for (int64_t i = 0; i < count; ++i) {
            output[c * count + i] = passes::requantize(accumulators[c * count + i] + b, requantizer, low, high);
        }
    }
}

}  // namespace cimvp::interpreter
