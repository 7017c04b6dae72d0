// The compressed form of a weight tile under MARS structured sparsity, shared by the macro that
// reads it (sram_cim_macro) and the compiler back end that writes it. Free of SystemC.
//
// Tile. `rows` x `channels` integer weights, row-major; channel c occupies the weight_columns
// adjacent columns from c * weight_columns (relative to the tile's first column). The tile starts
// on a word-line group and a column group boundary in the array, and `rows` and
// channels * weight_columns are multiples of group_rows (max_active_wl) and columns_per_adc, so
// tile-relative blocks are array blocks.
//
// Mask. One byte per (word-line group g, column group q) of the tile, row-major by group:
// mask[g * column_groups() + q], non-zero = kept. A pruned block holds only zeros (in a 1-bit tile,
// whose weights are +-1, the only zeros there are).
//
// Kept channels. Channel c is kept in group g when any column group its columns overlap is kept
// in g. (A channel that straddles a kept and a pruned column group keeps its value here, but the
// array stores the pruned columns as zeros; mask_of() never prunes a column of a non-zero weight.)
//
// Stored weights. A stored run of weights is a bit stream: weight i takes bits
// [i * weight_bits, (i + 1) * weight_bits), least significant bit first, bytes filled from their
// least significant bit, the last byte padded with zero bits. Each weight is its low weight_bits
// bits of two's complement (unsigned values up to 2^weight_bits - 1 keep their bits too), except
// that 1-bit weights are binary: bit 1 stores +1 and bit 0 stores -1. A dense tile is its
// row-major rows x channels weights as one stream: rows back to back, no per-row padding.
//
// Packed tile. For each tile row r in order, the weights of the channels kept in r's group, in
// channel order, as one stream as above. An all-kept mask therefore gives exactly the dense tile,
// and pruned blocks cost no bytes: in memory, on the bus, or in the write.
//
// Misuse (a misaligned tile, sizes that do not match the layout, a value that does not fit its
// bits, a 1-bit weight other than +1 or -1) throws std::invalid_argument with one line naming the
// field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace cimvp {

// Bytes that `count` stored weights of weight_bits bits take: ceil(count * weight_bits / 8).
size_t packed_weight_bytes(size_t count, int weight_bits);

// The stored form of a dense tile's weights (row-major), as weight_write reads it.
std::vector<uint8_t> encode_weights(const std::vector<int32_t>& weights, int weight_bits);

// `count` stored weights (packed_weight_bytes(count, weight_bits) bytes), sign-extended to int32
// (+-1 at 1 bit); the macro applies the low weight_bits bits, so unsigned weights survive.
std::vector<int32_t> decode_weights(const uint8_t* bytes, size_t count, int weight_bits);
// The same into weights[0, count).
void decode_weights(const uint8_t* bytes, size_t count, int weight_bits, int32_t* weights);

class SparseTileLayout {
public:
    SparseTileLayout(int rows, int channels, int weight_bits, int weight_columns, int group_rows, int columns_per_adc);

    int rows() const { return rows_; }
    int channels() const { return channels_; }
    int weight_bits() const { return weight_bits_; }
    int weight_columns() const { return weight_columns_; }
    int group_rows() const { return group_rows_; }
    int columns_per_adc() const { return columns_per_adc_; }
    int groups() const { return rows_ / group_rows_; }
    int column_groups() const { return channels_ * weight_columns_ / columns_per_adc_; }
    size_t mask_bytes() const { return static_cast<size_t>(groups()) * column_groups(); }

    // The mask of a dense tile: a block is kept iff a weight of a channel overlapping its column
    // group, in its rows, is non-zero.
    std::vector<uint8_t> mask_of(const std::vector<int32_t>& weights) const;

    bool channel_kept(const std::vector<uint8_t>& mask, int group, int channel) const;
    // Channels kept in `group`, and the bytes of the whole packed tile.
    int kept_channels(const std::vector<uint8_t>& mask, int group) const;
    size_t packed_bytes(const std::vector<uint8_t>& mask) const;

    // Weights of channels pruned in a group are dropped: the mask is authoritative.
    std::vector<uint8_t> pack(const std::vector<int32_t>& weights, const std::vector<uint8_t>& mask) const;
    // The dense tile back, with zeros where channels are pruned.
    std::vector<int32_t> unpack(const std::vector<uint8_t>& bytes, const std::vector<uint8_t>& mask) const;
    // The same from `size` bytes into weights[0, rows x channels).
    void unpack(const uint8_t* bytes, size_t size, const std::vector<uint8_t>& mask, int32_t* weights) const;
    // The same tile as row pairs for a kernel that multiplies two rows at once: row pair p, channel c
    // is the int16 pair (w[2p][c], w[2p + 1][c]) at pairs[(p * width + c) * 2], each weight as unpack
    // gives it, cut to its low 16 bits. The channels from `channels` to `width`, and the odd row of
    // the last pair of an odd row count, are zeros. pairs holds ceil(rows / 2) x width x 2 values.
    void unpack_pairs(const uint8_t* bytes, size_t size, const std::vector<uint8_t>& mask, int16_t* pairs,
                      int width) const;

private:
    void check_mask(const std::vector<uint8_t>& mask) const;
    bool kept_unchecked(const std::vector<uint8_t>& mask, int group, int channel) const;
    // groups x channels: 1 where the channel is kept in the group. The last mask's table is kept:
    // a weight write asks for packed_bytes and then unpacks, both with the same mask.
    const std::vector<uint8_t>& kept_table(const std::vector<uint8_t>& mask) const;
    // Checks that `size` bytes are what the mask implies and decodes them into values_; returns the
    // kept table.
    const std::vector<uint8_t>& decode_kept_values(const uint8_t* bytes, size_t size,
                                                   const std::vector<uint8_t>& mask) const;
    // A group's row of the kept table as a bit per channel, 16 to a word.
    void channel_bits(const uint8_t* kept_in_group, uint16_t* blocks) const;

    int rows_, channels_, weight_bits_, weight_columns_, group_rows_, columns_per_adc_;
    mutable std::vector<uint8_t> table_mask_, table_;
    mutable size_t table_kept_ = 0;                    // ones in table_
    std::vector<std::pair<int, int>> block_channels_;  // first and last channel of each column group
    std::vector<int> channel_group_;  // each channel's column group, where none spans two; else empty
    // unpack's working space, kept between writes.
    mutable std::vector<int32_t> values_;
    mutable std::vector<uint16_t> blocks_;
    // unpack_pairs' working space: where each row's values start, and each group's channel bits
    // (per row, so that no row divides by the group size).
    mutable std::vector<int> row_starts_;
    mutable std::vector<uint16_t> group_blocks_;
    mutable std::vector<size_t> row_blocks_;  // where each row's group's bits start in group_blocks_
};

}  // namespace cimvp
