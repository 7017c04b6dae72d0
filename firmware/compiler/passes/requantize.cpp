#include "firmware/compiler/passes/requantize.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace cimvp::passes {

Requantizer make_requantizer(double real_scale) {
    if (!(real_scale >= 0.0) || std::isinf(real_scale)) {
        throw std::runtime_error("requantization scale " + std::to_string(real_scale) + " is not a finite value >= 0");
    }
    if (real_scale == 0.0) return {};
    int exponent = 0;
    const double fraction =
        std::frexp(real_scale, &exponent);  // real_scale = fraction * 2^exponent, fraction in [0.5, 1)
    auto multiplier = static_cast<int64_t>(std::llround(fraction * (1 << kMultiplierBits)));
    int shift = kMultiplierBits - exponent;
    if (multiplier == (int64_t{1} << kMultiplierBits)) {  // rounding reached 2^15: renormalise
        multiplier >>= 1;
        --shift;
    }
    if (shift > kMaxShift) return {};  // below 2^-48: every int32 accumulator rounds to 0
    if (shift < 1) {
        throw std::runtime_error("requantization scale " + std::to_string(real_scale) +
                                 " is too large for a 15-bit multiplier and a shift of at least 1");
    }
    return {static_cast<int32_t>(multiplier), shift};
}

}  // namespace cimvp::passes
