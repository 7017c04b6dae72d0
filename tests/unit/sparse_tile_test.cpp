// The stored weight format and the packed MARS weight layout: sizes against closed forms, masks of
// dense tiles, the exact bit order, round trips at every width, binary (+-1) weights, and the
// row-pair form the CIM kernel takes, and the errors for misuse.
#include "models/cim/sparse_tile.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <stdexcept>
#include <string>

using namespace cimvp;

namespace {

// A rows x channels tile of random non-zero values in [-max, max] whose pruned blocks (by `mask`)
// are zero, so that mask_of() must find exactly `mask` again.
std::vector<int32_t> tile_with_blocks(const SparseTileLayout& layout, const std::vector<uint8_t>& mask, int max,
                                      std::mt19937& random) {
    std::uniform_int_distribution<int> pick(1, max);
    std::bernoulli_distribution negative(0.5);
    std::vector<int32_t> weights(static_cast<size_t>(layout.rows()) * layout.channels(), 0);
    const int group_rows = layout.rows() / layout.groups();
    for (int r = 0; r < layout.rows(); ++r) {
        for (int c = 0; c < layout.channels(); ++c) {
            if (!layout.channel_kept(mask, r / group_rows, c)) continue;
            const int value = pick(random);
            weights[static_cast<size_t>(r) * layout.channels() + c] = negative(random) ? -value : value;
        }
    }
    return weights;
}

// unpack_pairs against its definition: (w[2p][c], w[2p + 1][c]) at (p * width + c) * 2, with zeros
// past the last channel and past the last row. The buffer starts full of 99s, which must not show.
void expect_pairs_of(const SparseTileLayout& layout, const std::vector<uint8_t>& bytes,
                     const std::vector<uint8_t>& mask, const std::vector<int32_t>& weights, int width) {
    const int rows = layout.rows(), channels = layout.channels();
    std::vector<int16_t> pairs(static_cast<size_t>((rows + 1) / 2) * width * 2, 99);
    layout.unpack_pairs(bytes.data(), bytes.size(), mask, pairs.data(), width);
    std::vector<int16_t> expected(pairs.size(), 0);
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < channels; ++c) {
            expected[(static_cast<size_t>(r / 2) * width + c) * 2 + r % 2] =
                static_cast<int16_t>(weights[static_cast<size_t>(r) * channels + c]);
        }
    }
    EXPECT_EQ(pairs, expected);
}

std::string error_of(const std::function<void()>& misuse) {
    try {
        misuse();
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "no error";
}

}  // namespace

TEST(SparseTile, FourBitWeightsShareAColumnGroupTwoChannelsAtATime) {
    // Signed 4-bit weights on 1-bit cells take 4 columns: columns_per_adc 8 holds 2 channels.
    // 32 rows (2 groups of 16) x 8 channels = 32 columns = 4 column groups.
    const SparseTileLayout layout(32, 8, 4, 4, 16, 8);
    EXPECT_EQ(layout.groups(), 2);
    EXPECT_EQ(layout.column_groups(), 4);
    EXPECT_EQ(layout.mask_bytes(), 8u);
    const std::vector<uint8_t> mask = {1, 0, 1, 0,   // group 0: channels 0, 1, 4, 5
                                       0, 0, 0, 1};  // group 1: channels 6, 7
    EXPECT_EQ(layout.kept_channels(mask, 0), 4);
    EXPECT_EQ(layout.kept_channels(mask, 1), 2);
    for (int c = 0; c < 8; ++c) {
        EXPECT_EQ(layout.channel_kept(mask, 0, c), c / 2 == 0 || c / 2 == 2) << c;
        EXPECT_EQ(layout.channel_kept(mask, 1, c), c / 2 == 3) << c;
    }
    // group_rows x kept column groups x channels per column group x 4 bits / 8.
    EXPECT_EQ(layout.packed_bytes(mask), (16u * 2 * 2 + 16u * 1 * 2) * 4 / 8);
    EXPECT_EQ(layout.packed_bytes(std::vector<uint8_t>(8, 0)), 0u);
    EXPECT_EQ(layout.packed_bytes(std::vector<uint8_t>(8, 1)), 32u * 8 * 4 / 8);
}

TEST(SparseTile, EightBitWeightsHaveOneChannelPerColumnGroup) {
    // Signed 8-bit weights on 1-bit cells: 8 columns, one channel per column group of 8.
    const SparseTileLayout layout(48, 5, 8, 8, 16, 8);
    const std::vector<uint8_t> mask = {1, 1, 0, 0, 1,   //
                                       0, 0, 0, 0, 0,   //
                                       0, 1, 1, 1, 1};  // 3 + 0 + 4 blocks of 16 weights
    EXPECT_EQ(layout.packed_bytes(mask), 16u * (3 + 0 + 4));
    // The bytes are row by row, the kept channels of the row's group in order.
    std::vector<int32_t> weights(48 * 5);
    for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<int32_t>(i % 251) - 125;
    const auto bytes = layout.pack(weights, mask);
    ASSERT_EQ(bytes.size(), 16u * 7);
    EXPECT_EQ(static_cast<int8_t>(bytes[0]), weights[0 * 5 + 0]);
    EXPECT_EQ(static_cast<int8_t>(bytes[1]), weights[0 * 5 + 1]);
    EXPECT_EQ(static_cast<int8_t>(bytes[2]), weights[0 * 5 + 4]);
    EXPECT_EQ(static_cast<int8_t>(bytes[3]), weights[1 * 5 + 0]);
    // Group 1 is absent: row 32 (group 2) follows row 15 directly.
    EXPECT_EQ(static_cast<int8_t>(bytes[16 * 3 + 0]), weights[32 * 5 + 1]);
    EXPECT_EQ(static_cast<int8_t>(bytes[16 * 3 + 3]), weights[32 * 5 + 4]);
    EXPECT_EQ(static_cast<int8_t>(bytes.back()), weights[47 * 5 + 4]);
}

TEST(SparseTile, AChannelSpanningTwoColumnGroupsIsKeptWhenEitherIs) {
    // Signed 12-bit weights on 1-bit cells take 12 columns: channel 0 covers column groups 0 and 1,
    // channel 1 covers groups 1 and 2. 12 bits per weight.
    const SparseTileLayout layout(16, 2, 12, 12, 16, 8);
    ASSERT_EQ(layout.column_groups(), 3);
    const std::vector<uint8_t> only_first = {1, 0, 0}, shared = {0, 1, 0}, only_last = {0, 0, 1};
    EXPECT_TRUE(layout.channel_kept(only_first, 0, 0));
    EXPECT_FALSE(layout.channel_kept(only_first, 0, 1));
    EXPECT_TRUE(layout.channel_kept(shared, 0, 0));
    EXPECT_TRUE(layout.channel_kept(shared, 0, 1));
    EXPECT_FALSE(layout.channel_kept(only_last, 0, 0));
    EXPECT_TRUE(layout.channel_kept(only_last, 0, 1));
    EXPECT_EQ(layout.packed_bytes(only_first), 16u * 1 * 12 / 8);
    EXPECT_EQ(layout.packed_bytes(shared), 16u * 2 * 12 / 8);
    // A non-zero weight in channel 0 alone keeps both of its column groups, and only those.
    std::vector<int32_t> weights(16 * 2, 0);
    weights[5 * 2 + 0] = -1500;
    EXPECT_EQ(layout.mask_of(weights), (std::vector<uint8_t>{1, 1, 0}));
    const auto bytes = layout.pack(weights, layout.mask_of(weights));
    ASSERT_EQ(bytes.size(), 16u * 2 * 12 / 8);  // both channels are kept in the shared column group
    // Row 5, channel 0 is weight 10 of the stream: bits 120..131, i.e. byte 15 and the low half of
    // byte 16. -1500 in 12-bit two's complement is 0xA24.
    EXPECT_EQ(bytes[15], 0x24);
    EXPECT_EQ(bytes[16], 0x0A);
    EXPECT_EQ(layout.unpack(bytes, layout.mask_of(weights)), weights);
}

TEST(SparseTile, MaskOfPackAndUnpackRoundTrip) {
    struct Case {
        int rows, channels, weight_bits, weight_columns, group_rows, columns_per_adc, max;
    };
    const Case cases[] = {
        {64, 16, 4, 4, 16, 8, 7},     // two channels per column group
        {128, 16, 8, 8, 16, 8, 127},  // one channel per column group
        {32, 4, 12, 12, 8, 8, 2047},  // channels across column groups, 12 bits each
        {32, 5, 3, 3, 16, 5, 3},      // 3-bit weights: streams that end mid-byte
        {96, 25, 4, 2, 32, 10, 7},    // 2-bit cells: 5 channels per column group
        {15, 36, 4, 4, 5, 8, 7},      // 5-row groups: row pairs across groups, an odd row count
    };
    std::mt19937 random(17);
    for (const Case& t : cases) {
        SCOPED_TRACE(std::to_string(t.weight_bits) + "-bit, " + std::to_string(t.channels) + " channels");
        const SparseTileLayout layout(t.rows, t.channels, t.weight_bits, t.weight_columns, t.group_rows,
                                      t.columns_per_adc);
        std::bernoulli_distribution keep(0.5);
        std::vector<uint8_t> mask(layout.mask_bytes());
        for (auto& block : mask) block = keep(random) ? 1 : 0;
        // The first word-line group wholly pruned, as MARS prunes: its row pairs are zeros without
        // any expanding (with 5-row groups, the pair of its last row and group 1's first still is).
        std::fill_n(mask.begin(), layout.column_groups(), 0);
        const auto weights = tile_with_blocks(layout, mask, t.max, random);
        const auto found = layout.mask_of(weights);
        if (t.columns_per_adc % t.weight_columns == 0) {
            EXPECT_EQ(found, mask);
        } else {
            // A kept channel also keeps the neighbouring column group it spills into.
            for (size_t i = 0; i < mask.size(); ++i) EXPECT_TRUE(found[i] || !mask[i]) << i;
        }
        const auto bytes = layout.pack(weights, found);
        EXPECT_EQ(bytes.size(), layout.packed_bytes(found));
        EXPECT_EQ(layout.unpack(bytes, found), weights);
        EXPECT_EQ(layout.unpack(layout.pack(weights, mask), mask), weights);
        expect_pairs_of(layout, bytes, found, weights, t.channels);
        expect_pairs_of(layout, bytes, found, weights, (t.channels + 15) / 16 * 16 + 16);
    }
}

TEST(SparseTile, OneLayoutUnpacksTileAfterTileWithTheirOwnMasks) {
    // The macro keeps one layout for every write of a shape: working space and the cached mask
    // table must not leak from one tile into the next. 40 channels: two whole blocks of 16 and a tail.
    const SparseTileLayout layout(64, 40, 4, 4, 16, 8);
    std::mt19937 random(23);
    std::bernoulli_distribution keep(0.5);
    std::vector<int32_t> unpacked(static_cast<size_t>(layout.rows()) * layout.channels(), 99);
    for (int tile = 0; tile < 20; ++tile) {
        SCOPED_TRACE("tile " + std::to_string(tile));
        std::vector<uint8_t> mask(layout.mask_bytes());
        for (auto& block : mask) block = tile % 5 == 0 ? 1 - (tile / 5) % 2 : keep(random) ? 1 : 0;
        const auto weights = tile_with_blocks(layout, mask, 7, random);
        const auto bytes = layout.pack(weights, mask);
        layout.unpack(bytes.data(), bytes.size(), mask, unpacked.data());
        EXPECT_EQ(unpacked, weights);
        expect_pairs_of(layout, bytes, mask, weights, 48);
    }
}

TEST(SparseTile, AnAllKeptMaskGivesTheDenseRowMajorTile) {
    std::mt19937 random(23);
    std::uniform_int_distribution<int> pick(-128, 127);
    const SparseTileLayout narrow(32, 8, 8, 8, 16, 8);
    std::vector<int32_t> weights(32 * 8);
    for (auto& w : weights) w = pick(random);
    const auto bytes = narrow.pack(weights, std::vector<uint8_t>(narrow.mask_bytes(), 1));
    ASSERT_EQ(bytes.size(), weights.size());
    for (size_t i = 0; i < weights.size(); ++i) ASSERT_EQ(static_cast<int8_t>(bytes[i]), weights[i]) << i;
    EXPECT_EQ(decode_weights(bytes.data(), bytes.size(), 8), weights);

    const SparseTileLayout wide(16, 2, 16, 16, 16, 8);
    const std::vector<int32_t> wide_weights(32, -32768);
    const auto wide_bytes = wide.pack(wide_weights, std::vector<uint8_t>(wide.mask_bytes(), 1));
    ASSERT_EQ(wide_bytes.size(), 64u);
    EXPECT_EQ(wide_bytes[0], 0x00);
    EXPECT_EQ(wide_bytes[1], 0x80);
    EXPECT_EQ(decode_weights(wide_bytes.data(), 32, 16), wide_weights);
}

TEST(SparseTile, PruningDropsWeightsTheMaskDeclaresZero) {
    const SparseTileLayout layout(32, 2, 8, 8, 16, 8);
    const std::vector<int32_t> weights(64, 3);
    const std::vector<uint8_t> mask = {0, 1, 1, 0};
    const auto dense = layout.unpack(layout.pack(weights, mask), mask);
    for (int r = 0; r < 32; ++r) {
        EXPECT_EQ(dense[r * 2 + 0], r < 16 ? 0 : 3) << r;
        EXPECT_EQ(dense[r * 2 + 1], r < 16 ? 3 : 0) << r;
    }
}

TEST(SparseTile, MisuseIsOneLineNamingTheField) {
    EXPECT_EQ(error_of([] { SparseTileLayout(20, 2, 8, 8, 16, 8); }),
              "sparse tile: rows (20) must be a multiple of group_rows (16)");
    EXPECT_EQ(error_of([] { SparseTileLayout(16, 3, 4, 4, 16, 8); }),
              "sparse tile: channels x weight_columns (12) must be a multiple of columns_per_adc (8)");
    EXPECT_EQ(error_of([] { SparseTileLayout(16, 1, 17, 8, 16, 8); }),
              "sparse tile: weight_bits must be 1 to 16 (is 17)");
    EXPECT_EQ(error_of([] { SparseTileLayout(16, 0, 8, 8, 16, 8); }),
              "sparse tile: channels must be at least 1 (is 0)");
    const SparseTileLayout layout(16, 2, 8, 8, 16, 8);
    EXPECT_EQ(error_of([&] { layout.packed_bytes({1}); }),
              "sparse tile: mask has 1 bytes, the layout needs 2 (groups x column groups)");
    EXPECT_EQ(error_of([&] {
                  layout.unpack(std::vector<uint8_t>(10), {1, 0});
              }),
              "sparse tile: bytes are 10, the mask implies 16");
    EXPECT_EQ(error_of([&] {
                  std::vector<int16_t> pairs(32);
                  layout.unpack_pairs(std::vector<uint8_t>(10).data(), 10, {1, 0}, pairs.data(), 2);
              }),
              "sparse tile: bytes are 10, the mask implies 16");
    EXPECT_EQ(error_of([&] {
                  std::vector<int16_t> pairs(32);
                  layout.unpack_pairs(std::vector<uint8_t>(16).data(), 16, {1, 0}, pairs.data(), 1);
              }),
              "sparse tile: width (1) must be at least channels (2)");
    EXPECT_EQ(error_of([&] {
                  layout.pack(std::vector<int32_t>(31), {1, 1});
              }),
              "sparse tile: weights have 31 values, not rows x channels");
    EXPECT_EQ(error_of([&] {
                  layout.pack(std::vector<int32_t>(32, 300), {1, 1});
              }),
              "sparse tile: weights hold 300 at row 0, channel 0, beyond 8 bits (-128 to 255)");
    EXPECT_EQ(error_of([] {
                  encode_weights({1, -9}, 4);
              }),
              "sparse tile: weights hold -9 at index 1, beyond 4 bits (-8 to 15)");
    EXPECT_EQ(error_of([] { encode_weights({1}, 0); }), "sparse tile: weight_bits must be 1 to 16 (is 0)");
    EXPECT_EQ(error_of([&] { layout.channel_kept({1, 1}, 1, 0); }), "sparse tile: group 1 is outside the tile");
}

// --- the stored weight format -----------------------------------------------------------------

TEST(WeightEncoding, RoundTripsEveryWidthAtTheEndsOfItsRange) {
    std::mt19937 random(41);
    for (int bits = 2; bits <= 16; ++bits) {
        SCOPED_TRACE(std::to_string(bits) + " bits");
        const int32_t low = -(1 << (bits - 1)), high = (1 << (bits - 1)) - 1;
        // Both ends and their neighbours, then random values; an odd count ends mid-byte for odd widths.
        std::vector<int32_t> weights = {low, high, low + 1, high - 1, 0, -1, 1};
        std::uniform_int_distribution<int32_t> pick(low, high);
        for (int i = 0; i < 100; ++i) weights.push_back(pick(random));
        const auto bytes = encode_weights(weights, bits);
        EXPECT_EQ(bytes.size(), (weights.size() * bits + 7) / 8);
        EXPECT_EQ(bytes.size(), packed_weight_bytes(weights.size(), bits));
        EXPECT_EQ(decode_weights(bytes.data(), weights.size(), bits), weights);
        // Unsigned values up to 2^bits - 1 keep their bits and come back sign-extended.
        const auto unsigned_bytes = encode_weights({(1 << bits) - 1, 1 << (bits - 1)}, bits);
        EXPECT_EQ(decode_weights(unsigned_bytes.data(), 2, bits), (std::vector<int32_t>{-1, low}));
    }
    std::vector<int32_t> binary;
    std::bernoulli_distribution plus(0.5);
    for (int i = 0; i < 107; ++i) binary.push_back(plus(random) ? 1 : -1);
    const auto bytes = encode_weights(binary, 1);
    EXPECT_EQ(bytes.size(), 14u);  // ceil(107 / 8)
    EXPECT_EQ(decode_weights(bytes.data(), binary.size(), 1), binary);
}

TEST(WeightEncoding, BitsArePackedLsbFirstWithTheLastBytePadded) {
    // 4-bit: weight 0 in the low nibble of byte 0, weight 1 in its high nibble.
    EXPECT_EQ(encode_weights({3, -2, 7}, 4), (std::vector<uint8_t>{0xE3, 0x07}));
    // 3-bit: 1 (001), -1 (111), 2 (010) -> bits 0..8, LSB first: 1,0,0, 1,1,1, 0,1,0.
    EXPECT_EQ(encode_weights({1, -1, 2}, 3), (std::vector<uint8_t>{0xB9, 0x00}));
    // 1-bit: +1 is a set bit, -1 a clear one.
    EXPECT_EQ(encode_weights({1, -1, -1, 1, 1, 1, -1, 1, 1}, 1), (std::vector<uint8_t>{0xB9, 0x01}));
    // 16-bit: little-endian int16.
    EXPECT_EQ(encode_weights({-32768, 0x1234}, 16), (std::vector<uint8_t>{0x00, 0x80, 0x34, 0x12}));
}

TEST(WeightEncoding, OneBitWeightsArePlusOrMinusOneOnly) {
    EXPECT_EQ(error_of([] {
                  encode_weights({1, -1, 0}, 1);
              }),
              "sparse tile: weights hold 0 at index 2; 1-bit weights must be +1 or -1");
    EXPECT_EQ(error_of([] { encode_weights({2}, 1); }),
              "sparse tile: weights hold 2 at index 0; 1-bit weights must be +1 or -1");
    // In a sparse tile, zeros belong in pruned blocks only.
    const SparseTileLayout layout(32, 8, 1, 1, 16, 8);
    std::vector<int32_t> weights(32 * 8, 1);
    for (int r = 16; r < 32; ++r) weights[r * 8 + 3] = 0;
    EXPECT_EQ(error_of([&] {
                  layout.pack(weights, {1, 1});
              }),
              "sparse tile: weights hold 0 at row 16, channel 3; 1-bit weights must be +1 or -1");
    for (int c = 0; c < 8; ++c) {
        for (int r = 16; r < 32; ++r) weights[r * 8 + c] = 0;
    }
    EXPECT_EQ(layout.mask_of(weights), (std::vector<uint8_t>{1, 0}));
    const auto bytes = layout.pack(weights, {1, 0});
    EXPECT_EQ(bytes, std::vector<uint8_t>(16, 0xFF));  // 16 rows x 8 weights of +1
    EXPECT_EQ(layout.unpack(bytes, {1, 0}), weights);
}

TEST(SparseTile, HalfPrunedTilesTakeTheFormulasBytesAtEveryWidth) {
    // 64 rows (4 groups of 16) x 16 channels, one channel per column group (weight_columns =
    // columns_per_adc), blocks with g + q even kept: half of them. Bytes = ceil(kept weights x wb / 8).
    std::mt19937 random(43);
    for (int bits = 1; bits <= 16; ++bits) {
        SCOPED_TRACE(std::to_string(bits) + " bits");
        const SparseTileLayout layout(64, 16, bits, 4, 16, 4);
        std::vector<uint8_t> mask(4 * 16);
        for (int g = 0; g < 4; ++g) {
            for (int q = 0; q < 16; ++q) mask[g * 16 + q] = (g + q) % 2 == 0 ? 1 : 0;
        }
        const size_t kept_weights = 32 * 16;
        EXPECT_EQ(layout.packed_bytes(mask), (kept_weights * bits + 7) / 8);
        std::vector<int32_t> weights(64 * 16, 0);
        const int32_t low = bits == 1 ? -1 : -(1 << (bits - 1)), high = bits == 1 ? 1 : (1 << (bits - 1)) - 1;
        std::uniform_int_distribution<int32_t> pick(low, high);
        for (int r = 0; r < 64; ++r) {
            for (int c = 0; c < 16; ++c) {
                if (mask[(r / 16) * 16 + c] == 0) continue;
                int32_t value = pick(random);
                if (bits == 1 && value == 0) value = 1;
                weights[r * 16 + c] = c == 0 ? low : c == 2 ? high : value;
            }
        }
        const auto bytes = layout.pack(weights, mask);
        EXPECT_EQ(bytes.size(), layout.packed_bytes(mask));
        EXPECT_EQ(layout.unpack(bytes, mask), weights);
    }
}
