// The CIM array's fast paths against a naive reference and the detailed walk: the tile a write
// keeps decoded, its int16 dot products and cached counts, packed MARS tiles and dense streams
// written straight into the kernel's layout, which writes drop a cached tile, the cells encoded late from pending writes,
// and the int32 and int64 paths for weights too wide for int16 or sums beyond the int32 bound.
#include "models/cim/cim_array.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "models/cim/sparse_tile.h"

using namespace cimvp;

namespace {

// Weights of `bits` bits as the array stores them: +-1 for 1 bit, else the signed or unsigned range.
std::vector<int32_t> random_weights(std::mt19937& random, size_t count, int bits, bool is_signed) {
    std::vector<int32_t> weights(count);
    if (bits == 1) {
        for (int32_t& w : weights) w = random() % 2 == 0 ? 1 : -1;
        return weights;
    }
    const int64_t low = is_signed ? -(int64_t{1} << (bits - 1)) : 0;
    const int64_t high = is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1;
    std::uniform_int_distribution<int64_t> value(low, high);
    for (int32_t& w : weights) w = static_cast<int32_t>(value(random));
    return weights;
}

// Input bytes of `bits` bits, about a third of them zero as after a ReLU.
std::vector<uint8_t> random_inputs(std::mt19937& random, size_t count, int bits) {
    std::vector<uint8_t> inputs(count);
    for (uint8_t& x : inputs) x = random() % 3 == 0 ? 0 : static_cast<uint8_t>(random() & ((1u << bits) - 1u));
    return inputs;
}

std::vector<int64_t> reference(const MvmShape& shape, const std::vector<int32_t>& weights,
                               const std::vector<uint8_t>& inputs, int vectors) {
    std::vector<int64_t> sums(static_cast<size_t>(vectors) * shape.channels, 0);
    for (int v = 0; v < vectors; ++v) {
        for (int c = 0; c < shape.channels; ++c) {
            for (int r = 0; r < shape.rows; ++r) {
                const int64_t x = decode_input(inputs[v * shape.rows + r], shape.input_bits, shape.signed_inputs);
                sums[v * shape.channels + c] += x * weights[r * shape.channels + c];
            }
        }
    }
    return sums;
}

// Runs `shape` both ways over `vectors` random vectors and checks fast against the reference with
// `weights`, detailed against fast, and every counter.
void expect_fast_matches(CimArray& array, const MvmShape& shape, const std::vector<int32_t>& weights, int vectors,
                         std::mt19937& random) {
    const auto inputs = random_inputs(random, static_cast<size_t>(vectors) * shape.rows, shape.input_bits);
    // Both set every sum: what the buffers held before must not show.
    std::vector<int64_t> fast(static_cast<size_t>(vectors) * shape.channels, 12345),
        detailed(fast.size(), -777);
    const MvmCounts fast_counts = array.run_fast(shape, vectors, inputs.data(), fast.data());
    const MvmCounts detailed_counts = array.run_detailed(shape, vectors, inputs.data(), detailed.data());
    EXPECT_EQ(fast, reference(shape, weights, inputs, vectors));
    EXPECT_EQ(detailed, fast);
    EXPECT_TRUE(fast_counts == detailed_counts);
    EXPECT_TRUE(fast_counts == array.count(shape, vectors));
}

// `written` holds the tile `shape` as another write path left it in `reference`: the same decoded
// tile, cells, products and counts.
void expect_same_tile(CimArray& written, CimArray& reference, const MvmShape& shape, std::mt19937& random) {
    EXPECT_EQ(written.cached_weight_matrix(shape), reference.cached_weight_matrix(shape));
    EXPECT_EQ(written.weight_matrix(shape), reference.weight_matrix(shape));
    expect_fast_matches(written, shape, reference.weight_matrix(shape), 6, random);
    EXPECT_TRUE(written.count(shape, 6) == reference.count(shape, 6));
}

struct Case {
    int bits_per_cell, rows, channels, row_offset, column_offset, input_bits, weight_bits, vectors;
    bool signed_inputs, signed_weights;
};

std::string describe(const Case& t) {
    return "bits_per_cell " + std::to_string(t.bits_per_cell) + ", " + std::to_string(t.rows) + " x " +
           std::to_string(t.channels) + " at (" + std::to_string(t.row_offset) + ", " +
           std::to_string(t.column_offset) + "), w" + std::to_string(t.weight_bits) + "a" +
           std::to_string(t.input_bits) + ", " + std::to_string(t.vectors) + " vectors";
}

}  // namespace

TEST(CimArray, TheTileAWriteKeepsMultipliesLikeTheReferenceAndTheDetailedWalk) {
    // Odd row counts (the int16 kernel pads rows to pairs), channel counts that leave part of a
    // 16-lane block, vector counts that leave remainders after blocks of 4, several cell widths,
    // and the int32 path (unsigned 16-bit weights do not fit int16). The kernel's vector forms
    // (AVX-512, AVX2, portable) are chosen at build time: building this test with
    // -march=x86-64-v4, -v3 or plain x86-64 checks each.
    const Case cases[] = {
        {1, 128, 32, 0, 0, 4, 4, 37, false, true}, {1, 128, 16, 0, 0, 8, 8, 64, true, true},
        {1, 77, 13, 5, 3, 8, 8, 6, true, true},    {2, 33, 7, 90, 10, 5, 6, 9, false, false},
        {3, 128, 9, 0, 1, 7, 13, 5, true, true},   {1, 1, 1, 127, 127, 1, 1, 3, true, true},
        {1, 50, 30, 5, 3, 4, 1, 11, false, true},  {4, 64, 31, 64, 0, 8, 4, 4, true, false},
        {4, 64, 8, 0, 0, 8, 16, 7, false, false},  // int32: 65535 does not fit int16
    };
    std::mt19937 random(3);
    for (const Case& t : cases) {
        SCOPED_TRACE(describe(t));
        CimGeometry geometry;
        geometry.bits_per_cell = t.bits_per_cell;
        CimArray array(geometry);
        ASSERT_LE(t.column_offset + t.channels * array.weight_columns(t.weight_bits, t.signed_weights), 128);
        const auto weights =
            random_weights(random, static_cast<size_t>(t.rows) * t.channels, t.weight_bits, t.signed_weights);
        array.write_weights(t.row_offset, t.column_offset, t.rows, t.channels, t.weight_bits, t.signed_weights,
                            weights.data(), nullptr);
        const MvmShape shape{t.row_offset, t.rows,        t.column_offset, t.channels,
                             t.input_bits, t.weight_bits, t.signed_inputs, t.signed_weights};
        EXPECT_EQ(array.cached_weight_matrix(shape), array.weight_matrix(shape));
        expect_fast_matches(array, shape, weights, t.vectors, random);
    }
}

TEST(CimArray, AMaskedWriteKeepsZerosForSkippedBlocksEvenWhenAWeightStraddlesTwoBlocks) {
    // Signed 3-bit weights take 3 columns, so channels cross the 8-column ADC groups: a channel
    // partly in a skipped block keeps only its kept digits. Binary weights in a skipped block are 0.
    std::mt19937 random(17);
    for (const int weight_bits : {3, 4, 8, 1}) {
        SCOPED_TRACE("weight_bits " + std::to_string(weight_bits));
        CimArray array{CimGeometry{}};
        const int per_weight = array.weight_columns(weight_bits, true);
        const int rows = 64, channels = 48 / per_weight;  // 4 groups x 6 column groups
        std::vector<uint8_t> mask(4 * 6);
        for (uint8_t& m : mask) m = random() % 2;
        mask[0] = 1, mask[1] = 0;  // at least one of each
        const auto weights = random_weights(random, static_cast<size_t>(rows) * channels, weight_bits, true);
        array.write_weights(0, 0, rows, channels, weight_bits, true, weights.data(), mask.data());
        const MvmShape shape{0, rows, 0, channels, 6, weight_bits, true, true};
        // At 1 bit per cell, digit j is bit j, worth 2^j, and the sign column -2^(N-1).
        std::vector<int32_t> expected(weights.size(), 0);
        for (int r = 0; r < rows; ++r) {
            for (int c = 0; c < channels; ++c) {
                const int32_t w = weights[r * channels + c];
                for (int j = 0; j < per_weight; ++j) {
                    if (mask[(r / 16) * 6 + (c * per_weight + j) / 8] == 0) continue;
                    const int32_t significance = j == per_weight - 1 ? -(1 << j) : 1 << j;
                    expected[r * channels + c] += weight_bits == 1 ? w : ((w >> j) & 1) * significance;
                }
            }
        }
        EXPECT_EQ(array.weight_matrix(shape), expected);
        EXPECT_EQ(array.cached_weight_matrix(shape), expected);
        expect_fast_matches(array, shape, expected, 9, random);
    }
}

TEST(CimArray, APackedMaskedTileStoresWhatItsUnpackedWeightsWould) {
    // write_packed_weights against write_weights of the unpacked tile, tile after tile into one
    // array each: the kept blocks, the rows written, the cells, the cached tile, the products and the
    // counts. Signed 4-, 8- and 16-bit weights at one bit per cell go straight to the pair layout
    // (also with 5-row groups: pairs across groups, an odd row count); 3-bit and 2-bit-cell tiles
    // (channels across column groups), unsigned and binary ones take the unpacked path.
    struct PackedCase {
        int bits_per_cell, max_active_wl, rows, channels, weight_bits;
        bool is_signed;
    };
    const PackedCase cases[] = {
        {1, 16, 128, 32, 4, true}, {1, 16, 64, 16, 8, true}, {1, 16, 32, 8, 16, true}, {1, 5, 15, 28, 4, true},
        {1, 16, 64, 40, 3, true},  {2, 16, 48, 40, 4, true}, {1, 16, 64, 32, 4, false}, {1, 16, 32, 64, 1, true},
    };
    std::mt19937 random(43);
    for (const PackedCase& t : cases) {
        SCOPED_TRACE("bits_per_cell " + std::to_string(t.bits_per_cell) + ", groups of " +
                     std::to_string(t.max_active_wl) + ", " + std::to_string(t.rows) + " x " +
                     std::to_string(t.channels) + ", " + std::to_string(t.weight_bits) + " bits" +
                     (t.is_signed ? "" : " unsigned"));
        CimGeometry geometry;
        geometry.bits_per_cell = t.bits_per_cell;
        geometry.max_active_wl = t.max_active_wl;
        geometry.rows = t.rows + t.max_active_wl;  // room for the tile one group down
        CimArray packed(geometry), unpacked(geometry);
        const int per_weight = packed.weight_columns(t.weight_bits, t.is_signed);
        const SparseTileLayout layout(t.rows, t.channels, t.weight_bits, per_weight, t.max_active_wl,
                                      geometry.columns_per_adc);
        for (int tile = 0; tile < 4; ++tile) {
            SCOPED_TRACE("tile " + std::to_string(tile));
            const int row_offset = tile % 2 == 0 ? 0 : t.max_active_wl;
            std::vector<uint8_t> mask(layout.mask_bytes());
            for (uint8_t& block : mask) block = random() % 2;
            if (tile == 2) {
                // Whole word-line groups pruned, as MARS prunes them: the kernel skips their row pairs
                // (with 5-row groups, a pair across a pruned and a kept group stays).
                for (int g = 0; g < layout.groups(); g += 2) {
                    std::fill_n(mask.begin() + g * layout.column_groups(), layout.column_groups(), 0);
                }
            }
            if (tile == 3) std::fill(mask.begin(), mask.end(), 0);  // a fully pruned tile writes no row
            auto weights = random_weights(random, static_cast<size_t>(t.rows) * t.channels, t.weight_bits, t.is_signed);
            const auto bytes = layout.pack(weights, mask);
            const auto unpacked_weights = layout.unpack(bytes, mask);
            const int rows_written = packed.write_packed_weights(row_offset, 0, t.is_signed, layout, bytes.data(),
                                                                 bytes.size(), mask);
            EXPECT_EQ(rows_written, unpacked.write_weights(row_offset, 0, t.rows, t.channels, t.weight_bits,
                                                           t.is_signed, unpacked_weights.data(), mask.data()));
            int groups_with_a_kept_block = 0;
            for (int g = 0; g < layout.groups(); ++g) {
                const auto group_mask = mask.begin() + g * layout.column_groups();
                groups_with_a_kept_block += std::count(group_mask, group_mask + layout.column_groups(), 1) > 0 ? 1 : 0;
            }
            EXPECT_EQ(rows_written, groups_with_a_kept_block * t.max_active_wl);
            expect_same_tile(packed, unpacked, {row_offset, t.rows, 0, t.channels, 4, t.weight_bits, false, t.is_signed},
                             random);
        }
    }
}

TEST(CimArray, ADenseStreamStoresWhatItsDecodedWeightsWould) {
    // write_dense_weights against write_weights of the decoded stream, tile after tile into one
    // array each, the later tiles overlapping the earlier ones. Signed 4-, 8- and 16-bit tiles go
    // straight to the pair layout (odd rows, channels that leave part of a 16-lane block, offsets off
    // the blocks, 2-bit cells); unsigned and binary ones take write_weights.
    struct DenseCase {
        int bits_per_cell, rows, channels, weight_bits;
        bool is_signed;
    };
    const DenseCase cases[] = {{1, 128, 32, 4, true}, {1, 77, 13, 8, true}, {1, 33, 8, 16, true},
                               {2, 50, 30, 4, true},  {1, 64, 32, 4, false}, {1, 45, 100, 1, true}};
    std::mt19937 random(47);
    for (const DenseCase& t : cases) {
        SCOPED_TRACE("bits_per_cell " + std::to_string(t.bits_per_cell) + ", " + std::to_string(t.rows) + " x " +
                     std::to_string(t.channels) + ", " + std::to_string(t.weight_bits) + " bits" +
                     (t.is_signed ? "" : " unsigned"));
        CimGeometry geometry;
        geometry.bits_per_cell = t.bits_per_cell;
        CimArray direct(geometry), decoded(geometry);
        const int columns = t.channels * direct.weight_columns(t.weight_bits, t.is_signed);
        for (int tile = 0; tile < 3; ++tile) {
            SCOPED_TRACE("tile " + std::to_string(tile));
            const int row_offset = (128 - t.rows) * tile / 2, column_offset = (128 - columns) * tile / 2;
            const auto weights =
                random_weights(random, static_cast<size_t>(t.rows) * t.channels, t.weight_bits, t.is_signed);
            const auto stream = encode_weights(weights, t.weight_bits);
            const auto values = decode_weights(stream.data(), weights.size(), t.weight_bits);
            EXPECT_EQ(direct.write_dense_weights(row_offset, column_offset, t.rows, t.channels, t.weight_bits,
                                                 t.is_signed, stream.data()),
                      t.rows);
            decoded.write_weights(row_offset, column_offset, t.rows, t.channels, t.weight_bits, t.is_signed,
                                  values.data(), nullptr);
            expect_same_tile(direct, decoded,
                             {row_offset, t.rows, column_offset, t.channels, 6, t.weight_bits, true, t.is_signed},
                             random);
        }
    }
}

TEST(CimArray, AWriteDropsTheCachedTilesItOverlapsAndKeepsTheOthers) {
    CimArray array{CimGeometry{}};
    std::mt19937 random(23);
    // Tile a: rows 0..63, channels of 8-bit weights in columns 0..63. Tile b: rows 64..127.
    const MvmShape a{0, 64, 0, 8, 8, 8, true, true}, b{64, 64, 0, 8, 8, 8, true, true};
    auto a_weights = random_weights(random, 64 * 8, 8, true);
    const auto b_weights = random_weights(random, 64 * 8, 8, true);
    array.write_weights(0, 0, 64, 8, 8, true, a_weights.data(), nullptr);
    const std::vector<int32_t>* a_cached = &array.cached_weight_matrix(a);
    array.write_weights(64, 0, 64, 8, 8, true, b_weights.data(), nullptr);
    EXPECT_EQ(&array.cached_weight_matrix(a), a_cached);  // other word-line groups: still cached
    expect_fast_matches(array, a, a_weights, 5, random);
    expect_fast_matches(array, b, b_weights, 5, random);

    // A 4-bit tile over rows 32..47 and a's first columns overwrites part of a's cells.
    const auto overlap = random_weights(random, 16 * 4, 4, true);
    array.write_weights(32, 0, 16, 4, 4, true, overlap.data(), nullptr);
    const std::vector<int32_t> decoded = array.weight_matrix(a);
    EXPECT_EQ(array.cached_weight_matrix(a), decoded);
    EXPECT_NE(decoded, a_weights);
    expect_fast_matches(array, a, decoded, 5, random);
    expect_fast_matches(array, b, b_weights, 5, random);

    // A masked write that skips a block of a changes a's counts as well as its weights.
    const std::vector<uint8_t> skip_first(1, 0);
    array.write_weights(0, 0, 16, 1, 8, true, a_weights.data(), skip_first.data());
    const MvmCounts counts = array.count(a, 1);
    EXPECT_EQ(counts.skipped_groups, 8u);  // one block per input bit
    expect_fast_matches(array, a, array.weight_matrix(a), 5, random);
}

TEST(CimArray, CellsEncodedLateHoldWhatEveryWriteInTurnLeft) {
    // Cells are encoded only when read, from the writes still pending, oldest first, and a write
    // drops the pending ones it covers. 200 overlapping 4-bit tiles at random places (more than the
    // 64 that may wait) must leave the cells an eager model computes: bit j of each weight in
    // column 4c + j, the sign bit (3) in the fourth.
    CimArray array{CimGeometry{}};
    std::mt19937 random(41);
    std::vector<int32_t> model(128 * 128, 0);  // the cells, as the array should hold them
    for (int write = 0; write < 200; ++write) {
        const int rows = 1 + static_cast<int>(random() % 64), channels = 1 + static_cast<int>(random() % 16);
        const int row_offset = static_cast<int>(random() % (129 - rows));
        const int column_offset = 4 * static_cast<int>(random() % (33 - channels));
        const auto weights = random_weights(random, static_cast<size_t>(rows) * channels, 4, true);
        array.write_weights(row_offset, column_offset, rows, channels, 4, true, weights.data(), nullptr);
        for (int r = 0; r < rows; ++r) {
            for (int c = 0; c < channels; ++c) {
                for (int j = 0; j < 4; ++j) {
                    model[(row_offset + r) * 128 + column_offset + 4 * c + j] = (weights[r * channels + c] >> j) & 1;
                }
            }
        }
        if (write % 50 != 49) continue;
        // Read the whole array back, as 32 channels of 4-bit weights, through the cells.
        const std::vector<int32_t> stored = array.weight_matrix(MvmShape{0, 128, 0, 32, 8, 4, true, true});
        for (int r = 0; r < 128; ++r) {
            for (int c = 0; c < 32; ++c) {
                const int* digits = &model[r * 128 + 4 * c];
                ASSERT_EQ(stored[r * 32 + c], digits[0] + 2 * digits[1] + 4 * digits[2] - 8 * digits[3])
                    << "after write " << write << ", row " << r << ", channel " << c;
            }
        }
    }
}

TEST(CimArray, ABinaryTileSeesBlocksAnotherWriteMarksKept) {
    // A binary tile whose block a mask skipped reads as zeros; an unmasked write into the same
    // block (columns 0..3 of group 0) makes the block kept again, so the rest of it reads as +-1.
    CimArray array{CimGeometry{}};
    std::mt19937 random(29);
    const MvmShape tile{0, 16, 0, 8, 8, 1, true, true};
    const auto weights = random_weights(random, 16 * 8, 1, true);
    const std::vector<uint8_t> skipped(1, 0);
    array.write_weights(0, 0, 16, 8, 1, true, weights.data(), skipped.data());
    EXPECT_EQ(array.cached_weight_matrix(tile), std::vector<int32_t>(16 * 8, 0));
    const auto left = random_weights(random, 16 * 4, 1, true);
    array.write_weights(0, 0, 16, 4, 1, true, left.data(), nullptr);
    const std::vector<int32_t> decoded = array.weight_matrix(tile);
    EXPECT_EQ(array.cached_weight_matrix(tile), decoded);
    for (int r = 0; r < 16; ++r) {
        for (int c = 0; c < 8; ++c) EXPECT_EQ(decoded[r * 8 + c], c < 4 ? left[r * 4 + c] : -1);  // cells left at 0
    }
    expect_fast_matches(array, tile, decoded, 7, random);
}

TEST(CimArray, SumsBeyondInt32AreExact) {
    // 20-bit unsigned weights (4 bits per cell) x 8-bit unsigned inputs over 128 rows exceed the
    // int32 bound: 128 x 255 x (2^20 - 1) = 34225488000.
    CimGeometry geometry;
    geometry.bits_per_cell = 4;
    CimArray array(geometry);
    const MvmShape shape{0, 128, 0, 2, 8, 20, false, false};
    std::vector<int32_t> weights(128 * 2, (1 << 20) - 1);
    array.write_weights(0, 0, 128, 2, 20, false, weights.data(), nullptr);
    const std::vector<uint8_t> inputs(128, 255);
    std::vector<int64_t> sums(2, 0);
    array.run_fast(shape, 1, inputs.data(), sums.data());
    EXPECT_EQ(sums, std::vector<int64_t>(2, 34225488000));
    // The macro's accumulators are int32: 34225488000 = 7 x 2^32 + 4160716928 wraps to -134250368.
    std::vector<int32_t> wrapped(2, 0);
    array.run_fast(shape, 1, inputs.data(), wrapped.data());
    EXPECT_EQ(wrapped, std::vector<int32_t>(2, -134250368));
    std::mt19937 random(31);
    weights = random_weights(random, 128 * 2, 20, false);
    array.write_weights(0, 0, 128, 2, 20, false, weights.data(), nullptr);
    expect_fast_matches(array, shape, weights, 3, random);
}

TEST(CimArray, RunFastSetsTheSumsAndCountsEachChunk) {
    // The macro calls run_fast chunk by chunk into sums it does not clear first.
    CimArray array{CimGeometry{}};
    std::mt19937 random(37);
    const MvmShape shape{0, 100, 0, 25, 4, 4, false, true};
    const auto weights = random_weights(random, 100 * 25, 4, true);
    array.write_weights(0, 0, 100, 25, 4, true, weights.data(), nullptr);
    const auto inputs = random_inputs(random, 10 * 100, 4);
    std::vector<int64_t> sums(10 * 25, 1000);
    MvmCounts counts;
    counts += array.run_fast(shape, 3, inputs.data(), sums.data());
    counts += array.run_fast(shape, 7, inputs.data() + 300, sums.data() + 75);
    EXPECT_EQ(sums, reference(shape, weights, inputs, 10));
    EXPECT_TRUE(counts == array.count(shape, 10));
    EXPECT_EQ(counts.macs, 10u * 100 * 25);
    // The macro's int32 form gives the same sums within the int32 bound (the int16 pair kernel).
    std::vector<int32_t> narrow(10 * 25, 1000);
    EXPECT_TRUE(array.run_fast(shape, 10, inputs.data(), narrow.data()) == array.count(shape, 10));
    EXPECT_EQ(std::vector<int64_t>(narrow.begin(), narrow.end()), sums);
}

TEST(CimArray, TilesOfOtherShapesReuseTheBuffersOfDroppedOnes) {
    // Dropped tiles lend their buffers to later writes, which must overwrite every element: here a
    // full tile is replaced by smaller ones of odd rows and channels that are no multiple of 16.
    const CimGeometry geometry{};
    CimArray array{geometry};
    std::mt19937 random(31);
    const auto full_weights = random_weights(random, 128 * 32, 4, true);
    array.write_weights(0, 0, 128, 32, 4, true, full_weights.data(), nullptr);
    for (int round = 0; round < 12; ++round) {
        SCOPED_TRACE("round " + std::to_string(round));
        const MvmShape shape{round % 3, 45 + round, 4 * (round % 5), 7 + round, 4, 4, true, true};
        const auto weights = random_weights(random, static_cast<size_t>(shape.rows) * shape.channels, 4, true);
        array.write_weights(shape.row_offset, shape.column_offset, shape.rows, shape.channels, 4, true, weights.data(),
                            nullptr);
        expect_fast_matches(array, shape, weights, 5, random);
    }
}
