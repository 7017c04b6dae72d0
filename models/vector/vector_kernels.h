// The vector unit's arithmetic, separate from its data movement and timing: element types as the
// ISA stores them, and the element-wise, requantization and pooling kernels. The arithmetic is
// docs/ir.md's, built from the same rounding and saturation functions as the reference
// interpreter (firmware/compiler/passes/requantize.h), so the chip matches it bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>

#include "firmware/isa/opcode_table.h"

namespace cimvp::vector {

using isa::ElementType;

unsigned element_bytes(ElementType type);
int32_t type_min(ElementType type);
int32_t type_max(ElementType type);

// Little-endian elements of `type` to int32 and back. store() keeps the low bytes, so callers
// store only values inside the type's range.
void load(ElementType type, const uint8_t* bytes, size_t count, int32_t* values);
void store(ElementType type, const int32_t* values, size_t count, uint8_t* bytes);

// Element-wise operations that an element costs in the lanes, by kind; they drive energy counters.
struct OpCounts {
    uint64_t add = 0;
    uint64_t compare = 0;
    uint64_t multiply = 0;
    OpCounts& operator+=(const OpCounts& other) {
        add += other.add;
        compare += other.compare;
        multiply += other.multiply;
        return *this;
    }
};

struct Clamp {
    int32_t low;
    int32_t high;
};

// out[i] = clamp((a[i]*multiplier_a + b[i]*multiplier_b + 2^(shift-1)) >> shift), products in 64 bits.
OpCounts add(const int32_t* a, const int32_t* b, size_t count, int64_t multiplier_a, int64_t multiplier_b,
             int32_t shift, Clamp clamp, int32_t* out);
// out[i] = max(in[i], 0).
OpCounts relu(const int32_t* in, size_t count, int32_t* out);

// Per-channel tables of vrequant; `bias` may be null (no bias).
struct ChannelTables {
    const int32_t* bias;
    const int32_t* multipliers;
    const int32_t* shifts;
    uint64_t channels;
    uint64_t channel_stride;
};
// out[k] = requantize(src[k] + bias[c], multipliers[c], shifts[c]) for element index first + k,
// c = ((first + k) / channel_stride) % channels; the sum is formed in 64 bits.
OpCounts requantize(const int32_t* src, size_t count, uint64_t first, const ChannelTables& tables, Clamp clamp,
                    int32_t* out);

// The window geometry of vmaxpool and vavgpool over an HWC tensor.
struct PoolShape {
    int64_t height, width, channels;
    int64_t kernel_h, kernel_w, stride_h, stride_w;
    int64_t pad_top, pad_left, pad_bottom, pad_right;
    int64_t out_height() const { return (height + pad_top + pad_bottom - kernel_h) / stride_h + 1; }
    int64_t out_width() const { return (width + pad_left + pad_right - kernel_w) / stride_w + 1; }
    // The input rows [first, last) that output row `oy` reads, clipped to the tensor.
    int64_t first_row(int64_t oy) const;
    int64_t last_row(int64_t oy) const;
};

// Input rows as the line buffer holds them: row r (W*C int32 values) is at rows + (r % slots) * W*C.
struct LineBuffer {
    const int32_t* rows;
    int64_t slots;
};

// One output row (out_width * channels values, HWC) of a max pool (padding ignored) or of an
// average pool (window sums with padding as 0, then requantized with `multiplier` and `shift`).
OpCounts max_pool_row(const PoolShape& shape, const LineBuffer& input, int64_t oy, int32_t* out);
OpCounts average_pool_row(const PoolShape& shape, const LineBuffer& input, int64_t oy, int64_t multiplier,
                          int32_t shift, Clamp clamp, int32_t* out);

}  // namespace cimvp::vector
