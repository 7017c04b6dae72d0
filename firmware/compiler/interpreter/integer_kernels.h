// Kernels of the integer reference interpreter. Activations are held as int32 (their values fit
// the tensor's N-bit range); the dot products run on int16 copies, whose int16 x int16 -> int32
// multiply-add loops the compiler vectorises (vpmaddwd on AVX2).
#pragma once

#include <cstdint>
#include <vector>

#include "firmware/compiler/ir/window.h"
#include "firmware/compiler/passes/requantize.h"

namespace cimvp::interpreter {

// A weight matrix of `rows` x `depth` int16 values, each row zero-padded to `padded_depth` (a
// multiple of 16) so the inner loops need no remainder.
struct PackedMatrix {
    int64_t rows = 0;
    int64_t depth = 0;
    int64_t padded_depth = 0;
    std::vector<int16_t> values;
};

int64_t padded_depth(int64_t depth);
PackedMatrix pack_rows(const int8_t* values, int64_t rows, int64_t depth);

// accumulators[r * columns + p] = sum_k weights[r][k] * patches[p][k] over the padded depth.
// `patches` holds `columns` rows of weights.padded_depth int16 values.
void multiply_packed(const PackedMatrix& weights, const int16_t* patches, int64_t columns, int32_t* accumulators);

// Gathers the input patches of one image and group: patches[p][k] for output position p and
// k = (channel, kernel offsets...) in weight order, zero where the window reads padding.
// `input` points at the group's first channel of one image (channels x spatial...).
void gather_patches(const int32_t* input, int64_t channels, const ir::WindowGeometry& window, int64_t depth_stride,
                    std::vector<int16_t>& patches);

// output[c * count + i] = requantize(accumulators[c * count + i] + bias[c]) with channel c's requantizer.
void requantize_channels(const int32_t* accumulators, const int32_t* bias,
                         const std::vector<passes::Requantizer>& requantizers, int64_t channels, int64_t count,
                         int32_t low, int32_t high, int32_t* output);

}  // namespace cimvp::interpreter
