// Division by a divisor fixed at construction, as a shift and a mask when it is a power of two.
// Bank and word arithmetic runs for every row of every memory access, and a 64-bit division
// costs tens of cycles; the platforms ship power-of-two banks and widths, while any other
// divisor still divides exactly.
#pragma once

#include <cstdint>

namespace cimvp {

inline bool is_power_of_two(uint64_t value) { return value != 0 && (value & (value - 1)) == 0; }

class Divisor {
public:
    explicit Divisor(uint64_t divisor)
        : divisor_(divisor), shift_(is_power_of_two(divisor) ? __builtin_ctzll(divisor) : -1) {}

    uint64_t value() const { return divisor_; }
    uint64_t quotient(uint64_t x) const { return shift_ >= 0 ? x >> shift_ : x / divisor_; }
    uint64_t remainder(uint64_t x) const { return shift_ >= 0 ? x & (divisor_ - 1) : x % divisor_; }

private:
    uint64_t divisor_;
    int shift_;  // log2 of the divisor, or -1 when it is not a power of two
};

}  // namespace cimvp
