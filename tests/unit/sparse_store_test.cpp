#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "models/memory/sparse_store.h"

using cimvp::SparseStore;

namespace {
constexpr uint64_t kFourGiB = uint64_t{4} << 30;
}

TEST(SparseStore, UntouchedBytesReadAsZeroAndCostNothing) {
    SparseStore store(kFourGiB);
    std::vector<uint8_t> bytes(8192, 0xAB);
    store.read(kFourGiB - bytes.size(), bytes.data(), bytes.size());
    EXPECT_EQ(bytes, std::vector<uint8_t>(8192, 0));
    EXPECT_EQ(store.resident_bytes(), 0u);
}

TEST(SparseStore, RoundTripsAcrossAPageBoundary) {
    SparseStore store(kFourGiB);
    std::vector<uint8_t> written(5000);
    std::iota(written.begin(), written.end(), uint8_t{1});
    const uint64_t address = 3 * 4096 - 100;  // spans pages 2, 3 and 4
    store.write(address, written.data(), written.size());
    std::vector<uint8_t> read(written.size());
    store.read(address, read.data(), read.size());
    EXPECT_EQ(read, written);
    EXPECT_EQ(store.resident_pages(), 3u);
    uint8_t before = 0xFF;
    store.read(address - 1, &before, 1);
    EXPECT_EQ(before, 0);
}

TEST(SparseStore, MemoryIsProportionalToTouchedPages) {
    SparseStore store(kFourGiB);
    const uint8_t one = 1;
    for (uint64_t page = 0; page < 100; ++page) store.write(page * (uint64_t{1} << 25), &one, 1);  // 32 MiB apart
    EXPECT_EQ(store.resident_pages(), 100u);
    EXPECT_EQ(store.resident_bytes(), 100u * SparseStore::kDefaultPageBytes);
    store.write(5, &one, 1);  // same page again: nothing new
    EXPECT_EQ(store.resident_pages(), 100u);
}

TEST(SparseStore, WritingZerosToUntouchedPagesAllocatesNothing) {
    SparseStore store(kFourGiB);
    const std::vector<uint8_t> zeros(1 << 20, 0);
    store.write(0, zeros.data(), zeros.size());
    EXPECT_EQ(store.resident_bytes(), 0u);
    // A touched page still takes zeros, so a later read sees them.
    const uint8_t seven = 7;
    store.write(10, &seven, 1);
    store.write(10, zeros.data(), 1);
    uint8_t value = 0xFF;
    store.read(10, &value, 1);
    EXPECT_EQ(value, 0);
}

TEST(SparseStore, RejectsAccessesOutsideItsSizeWithoutOverflow) {
    SparseStore store(4096 * 4);
    uint8_t byte = 0;
    EXPECT_TRUE(store.contains(4096 * 4 - 1, 1));
    EXPECT_TRUE(store.contains(4096 * 4, 0));
    EXPECT_FALSE(store.contains(4096 * 4, 1));
    EXPECT_FALSE(store.contains(8, std::numeric_limits<uint64_t>::max()));
    EXPECT_FALSE(store.contains(std::numeric_limits<uint64_t>::max(), 2));
    EXPECT_THROW(store.read(4096 * 4, &byte, 1), std::out_of_range);
    EXPECT_THROW(store.write(4096 * 4 - 1, &byte, 2), std::out_of_range);
    EXPECT_THROW(SparseStore(4096, 1000), std::invalid_argument);
}
