#include "models/vector/vector_kernels.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "firmware/compiler/passes/requantize.h"

namespace cimvp::vector {
namespace {

int32_t requantized(int64_t value, int64_t multiplier, int32_t shift, Clamp clamp) {
    return passes::saturate(passes::rounding_shift_right(value * multiplier, shift), clamp.low, clamp.high);
}

// One channel's run: the same bias, multiplier and shift for every element.
void requantize_run(const int32_t* src, size_t count, int32_t bias, int32_t multiplier, int32_t shift, Clamp clamp,
                    int32_t* out) {
    for (size_t k = 0; k < count; ++k) out[k] = requantized(int64_t{src[k]} + bias, multiplier, shift, clamp);
}

// Consecutive channels, one element each (bias may be null).
void requantize_channels(const int32_t* src, size_t count, const int32_t* bias, const int32_t* multipliers,
                         const int32_t* shifts, Clamp clamp, int32_t* out) {
    for (size_t k = 0; k < count; ++k) {
        out[k] = requantized(int64_t{src[k]} + (bias != nullptr ? bias[k] : 0), multipliers[k], shifts[k], clamp);
    }
}

template <typename T>
void load_as(const uint8_t* bytes, size_t count, int32_t* values) {
    for (size_t i = 0; i < count; ++i) {
        T value;
        std::memcpy(&value, bytes + i * sizeof(T), sizeof(T));
        values[i] = static_cast<int32_t>(value);
    }
}

template <typename T>
void store_as(const int32_t* values, size_t count, uint8_t* bytes) {
    for (size_t i = 0; i < count; ++i) {
        const auto value = static_cast<T>(values[i]);
        std::memcpy(bytes + i * sizeof(T), &value, sizeof(T));
    }
}

}  // namespace

unsigned element_bytes(ElementType type) {
    switch (type) {
        case ElementType::kInt8:
        case ElementType::kUint8:
            return 1;
        case ElementType::kInt16:
            return 2;
        case ElementType::kInt32:
            return 4;
    }
    return 0;
}

int32_t type_min(ElementType type) {
    switch (type) {
        case ElementType::kInt8:
            return std::numeric_limits<int8_t>::min();
        case ElementType::kUint8:
            return 0;
        case ElementType::kInt16:
            return std::numeric_limits<int16_t>::min();
        case ElementType::kInt32:
            return std::numeric_limits<int32_t>::min();
    }
    return 0;
}

int32_t type_max(ElementType type) {
    switch (type) {
        case ElementType::kInt8:
            return std::numeric_limits<int8_t>::max();
        case ElementType::kUint8:
            return std::numeric_limits<uint8_t>::max();
        case ElementType::kInt16:
            return std::numeric_limits<int16_t>::max();
        case ElementType::kInt32:
            return std::numeric_limits<int32_t>::max();
    }
    return 0;
}

void load(ElementType type, const uint8_t* bytes, size_t count, int32_t* values) {
    switch (type) {
        case ElementType::kInt8:
            return load_as<int8_t>(bytes, count, values);
        case ElementType::kUint8:
            return load_as<uint8_t>(bytes, count, values);
        case ElementType::kInt16:
            return load_as<int16_t>(bytes, count, values);
        case ElementType::kInt32:
            return load_as<int32_t>(bytes, count, values);
    }
}

void store(ElementType type, const int32_t* values, size_t count, uint8_t* bytes) {
    switch (type) {
        case ElementType::kInt8:
            return store_as<int8_t>(values, count, bytes);
        case ElementType::kUint8:
            return store_as<uint8_t>(values, count, bytes);
        case ElementType::kInt16:
            return store_as<int16_t>(values, count, bytes);
        case ElementType::kInt32:
            return store_as<int32_t>(values, count, bytes);
    }
}

OpCounts add(const int32_t* a, const int32_t* b, size_t count, int64_t multiplier_a, int64_t multiplier_b,
             int32_t shift, Clamp clamp, int32_t* out) {
    for (size_t i = 0; i < count; ++i) {
        const int64_t sum = a[i] * multiplier_a + b[i] * multiplier_b;
        out[i] = passes::saturate(passes::rounding_shift_right(sum, shift), clamp.low, clamp.high);
    }
    // Two products, the sum and the rounding add, and the two bounds of the clamp.
    return {2 * count, 2 * count, 2 * count};
}

OpCounts relu(const int32_t* in, size_t count, int32_t* out) {
    for (size_t i = 0; i < count; ++i) out[i] = std::max(in[i], 0);
    return {0, count, 0};
}

OpCounts requantize(const int32_t* src, size_t count, uint64_t first, const ChannelTables& tables, Clamp clamp,
                    int32_t* out) {
    // Elements go in runs that a loop without a channel counter takes, so that it vectorises: with
    // one element per channel (HWC), a run is the channels from c to the last; otherwise a run is
    // the rest of channel c's elements.
    uint64_t c = (first / tables.channel_stride) % tables.channels;
    uint64_t into_run = first % tables.channel_stride;
    for (size_t k = 0; k < count;) {
        if (tables.channel_stride == 1) {
            const size_t n = std::min<uint64_t>(count - k, tables.channels - c);
            requantize_channels(src + k, n, tables.bias ? tables.bias + c : nullptr, tables.multipliers + c,
                                tables.shifts + c, clamp, out + k);
            k += n;
            c = 0;
            continue;
        }
        const size_t n = std::min<uint64_t>(count - k, tables.channel_stride - into_run);
        requantize_run(src + k, n, tables.bias ? tables.bias[c] : 0, tables.multipliers[c], tables.shifts[c], clamp,
                       out + k);
        k += n;
        into_run = 0;
        if (++c == tables.channels) c = 0;
    }
    // The bias add (when there is a bias) and the rounding add, the product, the two clamp bounds.
    return {(tables.bias ? 2 : 1) * count, 2 * count, count};
}

int64_t PoolShape::first_row(int64_t oy) const { return std::max<int64_t>(0, oy * stride_h - pad_top); }
int64_t PoolShape::last_row(int64_t oy) const { return std::min(height, oy * stride_h - pad_top + kernel_h); }

namespace {

// Visits the in-bounds input elements of every window of output row `oy`: for each output
// position (ox, c), start(), then visit(value) per element, then finish() giving the output.
template <typename Start, typename Visit, typename Finish>
void for_each_window(const PoolShape& shape, const LineBuffer& input, int64_t oy, int32_t* out, Start start,
                     Visit visit, Finish finish) {
    const int64_t row_values = shape.width * shape.channels;
    const int64_t first_row = shape.first_row(oy), last_row = shape.last_row(oy);
    for (int64_t ox = 0; ox < shape.out_width(); ++ox) {
        const int64_t first_column = std::max<int64_t>(0, ox * shape.stride_w - shape.pad_left);
        const int64_t last_column = std::min(shape.width, ox * shape.stride_w - shape.pad_left + shape.kernel_w);
        for (int64_t c = 0; c < shape.channels; ++c) {
            start();
            for (int64_t row = first_row; row < last_row; ++row) {
                const int32_t* values = input.rows + (row % input.slots) * row_values;
                for (int64_t column = first_column; column < last_column; ++column) {
                    visit(values[column * shape.channels + c]);
                }
            }
            out[ox * shape.channels + c] = finish();
        }
    }
}

}  // namespace

OpCounts max_pool_row(const PoolShape& shape, const LineBuffer& input, int64_t oy, int32_t* out) {
    int32_t best = 0;
    uint64_t visited = 0, outputs = 0;
    for_each_window(
        shape, input, oy, out, [&] { best = std::numeric_limits<int32_t>::min(); },
        [&](int32_t value) {
            best = std::max(best, value);
            ++visited;
        },
        [&] {
            ++outputs;
            return best;
        });
    // The first element of a window is taken as is; every other one is compared.
    return {0, visited - outputs, 0};
}

OpCounts average_pool_row(const PoolShape& shape, const LineBuffer& input, int64_t oy, int64_t multiplier,
                          int32_t shift, Clamp clamp, int32_t* out) {
    int64_t sum = 0;
    uint64_t visited = 0, outputs = 0;
    for_each_window(
        shape, input, oy, out, [&] { sum = 0; },
        [&](int32_t value) {
            sum += value;
            ++visited;
        },
        [&] {
            ++outputs;
            return requantized(sum, multiplier, shift, clamp);
        });
    // Window adds (the first element loads the sum) plus the rounding add; the product; the clamp.
    return {visited, 2 * outputs, outputs};
}

}  // namespace cimvp::vector
