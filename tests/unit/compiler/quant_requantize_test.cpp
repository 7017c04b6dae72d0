// Requantization arithmetic and precision parsing, against values worked out by hand.
#include <gtest/gtest.h>

#include <cmath>

#include "firmware/compiler/passes/quantization_config.h"
#include "firmware/compiler/passes/requantize.h"

namespace cimvp::passes {
namespace {

TEST(Requantize, MultiplierIsNormalisedTo15Bits) {
    // 0.75 = 24576 / 2^15.
    const Requantizer three_quarters = make_requantizer(0.75);
    EXPECT_EQ(three_quarters.multiplier, 24576);
    EXPECT_EQ(three_quarters.shift, 15);
    // 0.001 = 0.512 * 2^-9: multiplier round(0.512 * 2^15) = 16777, shift 15 + 9 = 24.
    const Requantizer small = make_requantizer(0.001);
    EXPECT_EQ(small.multiplier, 16777);
    EXPECT_EQ(small.shift, 24);
    EXPECT_NEAR(std::ldexp(small.multiplier, -small.shift), 0.001, 0.001 / (1 << 14));
}

TEST(Requantize, RoundingUpToTwoTo15Renormalises) {
    // Just below 1.0: the fraction rounds to 2^15, so the pair becomes 2^14 / 2^14.
    const Requantizer almost_one = make_requantizer(1.0 - 1e-9);
    EXPECT_EQ(almost_one.multiplier, 1 << 14);
    EXPECT_EQ(almost_one.shift, 14);
}

TEST(Requantize, ZeroAndTinyScalesGiveAZeroMultiplier) {
    EXPECT_EQ(make_requantizer(0.0).multiplier, 0);
    EXPECT_EQ(make_requantizer(1e-30).multiplier, 0);
    EXPECT_EQ(requantize(123456789, make_requantizer(1e-30), -128, 127), 0);
}

TEST(Requantize, HugeOrInvalidScalesAreRejected) {
    EXPECT_THROW(make_requantizer(1e6), std::runtime_error);
    EXPECT_THROW(make_requantizer(-1.0), std::runtime_error);
    EXPECT_THROW(make_requantizer(NAN), std::runtime_error);
}

TEST(Requantize, RoundsHalfUpAndSaturates) {
    // Shift 1 halves: 5/2 = 2.5 -> 3, -5/2 = -2.5 -> -2 (half up), -7/2 = -3.5 -> -3.
    EXPECT_EQ(rounding_shift_right(5, 1), 3);
    EXPECT_EQ(rounding_shift_right(-5, 1), -2);
    EXPECT_EQ(rounding_shift_right(-7, 1), -3);
    EXPECT_EQ(rounding_shift_right(4, 2), 1);  // 1.0 exactly
    const Requantizer half{1 << 14, 15};
    EXPECT_EQ(requantize(301, half, -128, 127), 127);  // 150.5 -> 151, saturated to 127
    EXPECT_EQ(requantize(-301, half, -128, 127), -128);
    EXPECT_EQ(requantize(-301, half, 0, 255), 0);   // a fused ReLU
    EXPECT_EQ(requantize(201, half, 0, 255), 101);  // 100.5 -> 101
}

TEST(Requantize, AccumulatorTimesMultiplierUses64Bits) {
    // 2^31 - 1 times a 15-bit multiplier exceeds 32 bits; the result must still be exact.
    const Requantizer requantizer{32767, 30};
    const int64_t expected = ((int64_t{2147483647} * 32767) + (int64_t{1} << 29)) >> 30;  // 65534
    EXPECT_EQ(requantize(2147483647, requantizer, -100000, 100000), expected);
    EXPECT_EQ(expected, 65534);
}

TEST(Requantize, RangesOfNBitIntegers) {
    EXPECT_EQ(range_min(8, true), -128);
    EXPECT_EQ(range_max(8, true), 127);
    EXPECT_EQ(range_max(8, false), 255);
    EXPECT_EQ(range_min(2, true), -2);
    EXPECT_EQ(range_max(2, true), 1);
    EXPECT_EQ(range_max(16, true), 32767);
}

TEST(QuantizationConfig, ParsesPrecision) {
    QuantConfig config;
    parse_precision("w4a6", config);
    EXPECT_EQ(config.weight_bits, 4);
    EXPECT_EQ(config.activation_bits, 6);
    parse_precision("w2a8", config);
    EXPECT_EQ(config.weight_bits, 2);
}

TEST(QuantizationConfig, RejectsBadPrecisionWithOneLine) {
    QuantConfig config;
    for (const std::string text : {"w9a8", "w1a8", "a8w8", "w8", "w8a8x", ""}) {
        try {
            parse_precision(text, config);
            FAIL() << text;
        } catch (const std::runtime_error& error) {
            EXPECT_EQ(std::string(error.what()),
                      "bad precision '" + text + "': expected wXaY with X and Y from 2 to 8 (e.g. w8a8)");
        }
    }
}

TEST(QuantizationConfig, ValidatesRanges) {
    QuantConfig config;
    config.output_bits = 17;
    EXPECT_THROW(validate(config), std::runtime_error);
    config.output_bits = 16;
    config.percentile = 0.0;
    EXPECT_THROW(validate(config), std::runtime_error);
}

}  // namespace
}  // namespace cimvp::passes
