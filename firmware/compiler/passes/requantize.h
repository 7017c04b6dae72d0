// Requantization: scaling an integer accumulator to the next layer's integer range with an integer
// multiplier and a right shift, so no floating point remains in integer mode. docs/ir.md defines
// the arithmetic; the chip models must reproduce these functions bit for bit.
#pragma once

#include <algorithm>
#include <cstdint>

namespace cimvp::passes {

// The multiplier is a 15-bit unsigned integer, normalised to [2^14, 2^15) (or 0 for a zero scale):
// a 32x16-bit multiplier in the vector unit, with a relative error below 2^-15, far finer than one
// step of an 8-bit output.
constexpr int kMultiplierBits = 15;
constexpr int kMaxShift = 62;

struct Requantizer {
    int32_t multiplier = 0;
    int32_t shift = 1;  // in [1, kMaxShift]
};

// The integer pair with multiplier / 2^shift closest to `real_scale` (>= 0). Throws
// std::runtime_error when the scale is 2^14 or more, which no sensible calibration produces.
Requantizer make_requantizer(double real_scale);

// Round half up: floor((value + 2^(shift-1)) / 2^shift), i.e. an arithmetic shift right after adding
// half of the divisor. `shift` is in [1, kMaxShift].
inline int64_t rounding_shift_right(int64_t value, int32_t shift) {
    return (value + (int64_t{1} << (shift - 1))) >> shift;
}

inline int32_t saturate(int64_t value, int32_t low, int32_t high) {
    return static_cast<int32_t>(std::clamp<int64_t>(value, low, high));
}

// An int32 accumulator times the multiplier (at most 46 bits, formed in 64), shifted with rounding
// and saturated to [low, high].
inline int32_t requantize(int64_t accumulator, const Requantizer& requantizer, int32_t low, int32_t high) {
    return saturate(rounding_shift_right(accumulator * requantizer.multiplier, requantizer.shift), low, high);
}

// The value range of an N-bit integer: [-2^(N-1), 2^(N-1)-1] signed, [0, 2^N-1] unsigned.
inline int32_t range_min(int bits, bool is_signed) { return is_signed ? -(1 << (bits - 1)) : 0; }
inline int32_t range_max(int bits, bool is_signed) { return is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1; }

}  // namespace cimvp::passes
