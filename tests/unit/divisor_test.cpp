// Divisor against plain / and %: powers of two take the shift-and-mask path, other divisors the
// division, and both must agree with the operators everywhere, edges included.
#include "platform/divisor.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>

using namespace cimvp;

TEST(Divisor, QuotientAndRemainderMatchTheOperatorsForPowersOfTwoAndOthers) {
    std::mt19937_64 random(7);
    const uint64_t kMax = std::numeric_limits<uint64_t>::max();
    for (const uint64_t d : {uint64_t{1}, uint64_t{2}, uint64_t{8}, uint64_t{64}, uint64_t{1} << 40, uint64_t{3},
                             uint64_t{6}, uint64_t{100}, uint64_t{1023}, kMax}) {
        const Divisor divisor(d);
        EXPECT_EQ(divisor.value(), d);
        for (const uint64_t x : {uint64_t{0}, uint64_t{1}, d - 1, d, d + 1, kMax - 1, kMax}) {
            EXPECT_EQ(divisor.quotient(x), x / d) << x << " / " << d;
            EXPECT_EQ(divisor.remainder(x), x % d) << x << " % " << d;
        }
        for (int i = 0; i < 1000; ++i) {
            const uint64_t x = random();
            EXPECT_EQ(divisor.quotient(x), x / d) << x << " / " << d;
            EXPECT_EQ(divisor.remainder(x), x % d) << x << " % " << d;
        }
    }
}
