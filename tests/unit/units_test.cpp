#include <gtest/gtest.h>

#include "platform/units.h"

using cimvp::Dimension;
using cimvp::parse_quantity;

TEST(Units, ParsesEachDimensionIntoItsBaseUnit) {
    EXPECT_DOUBLE_EQ(*parse_quantity("500MHz", Dimension::Frequency), 500e6);
    EXPECT_DOUBLE_EQ(*parse_quantity("2ns", Dimension::Time), 2.0);
    EXPECT_DOUBLE_EQ(*parse_quantity("1.5us", Dimension::Time), 1500.0);
    EXPECT_DOUBLE_EQ(*parse_quantity("256KiB", Dimension::Bytes), 262144.0);
    EXPECT_DOUBLE_EQ(*parse_quantity("1GiB", Dimension::Bytes), 1073741824.0);
    EXPECT_DOUBLE_EQ(*parse_quantity("1.5pJ", Dimension::Energy), 1.5);
    EXPECT_DOUBLE_EQ(*parse_quantity("20fJ", Dimension::Energy), 0.02);
    EXPECT_DOUBLE_EQ(*parse_quantity("0.02mm2", Dimension::Area), 20000.0);
    EXPECT_DOUBLE_EQ(*parse_quantity("1e-3W", Dimension::Power), 1.0);
    EXPECT_DOUBLE_EQ(*parse_quantity(" 64 ", Dimension::Dimensionless), 64.0);
}

TEST(Units, RejectsMissingAndWrongUnitsWithAReason) {
    std::string why;
    EXPECT_FALSE(parse_quantity("256", Dimension::Bytes, &why));
    EXPECT_EQ(why, "missing unit: a size needs one, e.g. 1B");
    EXPECT_FALSE(parse_quantity("2ns", Dimension::Bytes, &why));
    EXPECT_NE(why.find("unit 'ns' is not a size unit"), std::string::npos) << why;
    EXPECT_FALSE(parse_quantity("fast", Dimension::Time, &why));
    EXPECT_EQ(why, "'fast' is not a number");
    EXPECT_FALSE(parse_quantity("4ns", Dimension::Dimensionless, &why));
}

TEST(Units, ParsesAddressesInHexBinaryAndDecimalWithSeparators) {
    EXPECT_EQ(*cimvp::parse_unsigned("0x8000_0000"), 0x80000000ULL);
    EXPECT_EQ(*cimvp::parse_unsigned("0b1010"), 10ULL);
    EXPECT_EQ(*cimvp::parse_unsigned("1_000"), 1000ULL);
    EXPECT_FALSE(cimvp::parse_unsigned("0x"));
    EXPECT_FALSE(cimvp::parse_unsigned("12ab"));
    EXPECT_FALSE(cimvp::parse_unsigned("0xFFFFFFFFFFFFFFFFF"));
}

TEST(Units, FormatsWithReadablePrefixes) {
    EXPECT_EQ(cimvp::format_quantity(1536, Dimension::Bytes), "1.5KiB");
    EXPECT_EQ(cimvp::format_quantity(2e6, Dimension::Time), "2ms");
    EXPECT_EQ(cimvp::format_quantity(0.5, Dimension::Time), "500ps");
}
