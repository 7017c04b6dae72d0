// The bit-cell array of an SRAM compute-in-memory macro and its arithmetic, free of SystemC so
// that both fidelity levels can be checked against each other and against a plain reference.
//
// Layout. A weight occupies adjacent columns, least significant digit first, each cell holding an
// unsigned digit of bits_per_cell bits; channel c of a tile starts at column
// column_offset + c * weight_columns. An unsigned N-bit weight takes ceil(N / bits_per_cell)
// columns. A signed (two's-complement) weight keeps its N-1 low bits in ceil((N-1) / bits_per_cell)
// columns and its sign bit alone in one more column, which the digital shift-and-add weights by
// -2^(N-1): every ADC then sees an unsigned column sum. Inputs are applied one bit per cycle
// (bit-serial); the most significant bit plane of a signed input is weighted negatively.
//
// Binary weights. A 1-bit weight is +1 or -1 (two's complement {-1, 0} would waste the cell), with
// or without the signed flag: one column, cell 1 = +1, cell 0 = -1. With s the column sum of an
// input bit plane over a group and n the number of active rows whose input bit is 1,
// sum w * x_bit = s - (n - s) = 2s - n. n is a popcount of the group's input bit plane, taken once
// per activation for all columns (input_sum_bits counts its inputs), and each converted column
// takes one more addition, 2s - n (binary_corrections).
//
// Word-line groups. At most max_active_wl word lines are on at once: group g is rows
// [g * max_active_wl, (g + 1) * max_active_wl). Each group's column sum goes through the column's
// ADC once per input bit. `partitions` split the rows into equal blocks with their own bit-line
// segments and ADCs, which run in parallel; within a partition the groups take turns.
//
// Sparsity (MARS). A mask bit per (word-line group, column group) says whether the block holds
// any non-zero weight; a column group is the columns_per_adc columns that share one ADC. Skipped
// blocks are neither activated nor converted, and are stored as zeros.
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <tuple>
#include <utility>
#include <vector>

namespace cimvp {

class SparseTileLayout;

struct CimGeometry {
    int rows = 128;
    int columns = 128;
    int bits_per_cell = 1;
    int max_active_wl = 16;
    int columns_per_adc = 8;
    int adc_bits = 5;
    int partitions = 1;
    bool adc_ideal = true;
};

// One matrix-vector product over a tile of the array.
struct MvmShape {
    int row_offset = 0;
    int rows = 0;
    int column_offset = 0;
    int channels = 0;
    int input_bits = 8;
    int weight_bits = 8;
    bool signed_inputs = true;
    bool signed_weights = true;
};

// The work of one or more MVMs, in the events the hardware performs.
struct MvmCounts {
    uint64_t macs = 0;                 // word-level multiply-accumulates not skipped (row x channel x vector)
    uint64_t bitserial_cycles = 0;     // word-line group activations, one per input bit
    uint64_t cell_operations = 0;      // active row-column pairs summed on a bit line, per input bit
    uint64_t adc_conversions = 0;      // one per column per activated group per input bit
    uint64_t skipped_groups = 0;       // (word-line group, column group) blocks skipped, per input bit
    uint64_t skipped_conversions = 0;  // conversions those skipped blocks would have needed
    uint64_t clipped_conversions = 0;  // conversions saturated by a non-ideal ADC (detailed mode only)
    uint64_t compute_cycles = 0;       // ADC rounds on the critical partition: the macro's compute time
    uint64_t input_sum_bits = 0;       // binary tiles: input bits the per-activation popcount adds up
    uint64_t binary_corrections = 0;   // binary tiles: one 2s - n per converted column

    MvmCounts& operator+=(const MvmCounts& other);
    bool operator==(const MvmCounts& other) const;
};

class CimArray {
public:
    explicit CimArray(const CimGeometry& geometry);

    const CimGeometry& geometry() const { return geometry_; }
    int weight_columns(int weight_bits, bool is_signed) const;
    static bool binary(int weight_bits) { return weight_bits == 1; }
    int groups() const { return groups_; }
    int column_groups() const { return column_groups_; }
    bool kept(int group, int column_group) const { return kept_[group * column_groups() + column_group] != 0; }

    // Stores `rows` x `channels` weights (row-major; the low weight_bits bits of each value, or +-1
    // for 1-bit weights). With a mask (one byte per touched (group, column group), row-major,
    // non-zero = kept) the tile must be aligned to whole blocks; without one, every touched block
    // becomes kept. Returns the word lines written: rows that hold at least one kept block of the
    // tile. A 1-bit weight other than +-1 in a kept block throws std::invalid_argument.
    int write_weights(int row_offset, int column_offset, int rows, int channels, int weight_bits, bool is_signed,
                      const int32_t* weights, const uint8_t* mask);
    // The same for a masked tile in its packed form (sparse_tile.h): stores what write_weights would
    // store from layout.unpack(bytes, size, mask), decoding straight into the multiply kernel's layout
    // where it can (a MARS network writes thousands of such tiles). The layout's group rows, columns
    // per ADC and weight columns must be the array's; a mismatch, or a stream the mask does not
    // match, throws std::invalid_argument.
    int write_packed_weights(int row_offset, int column_offset, bool is_signed, const SparseTileLayout& layout,
                             const uint8_t* bytes, size_t size, const std::vector<uint8_t>& mask);
    // The same for a dense tile in its stored form (sparse_tile.h: rows x channels weights as one bit
    // stream, packed_weight_bytes of them): stores what write_weights would store from the decoded
    // stream without a mask, going straight to the kernel's layout where it can.
    int write_dense_weights(int row_offset, int column_offset, int rows, int channels, int weight_bits, bool is_signed,
                            const uint8_t* stream);

    // Closed-form counts of one MVM over `vectors` input vectors.
    MvmCounts count(const MvmShape& shape, uint64_t vectors) const;

    // The stored tile decoded back into integer weights (rows x channels, row-major).
    std::vector<int32_t> weight_matrix(const MvmShape& shape) const;
    // The same, kept until a write touches the tile's blocks: a tile is multiplied band after band.
    // A write keeps its own tile decoded (the words it stored), so no decode follows a write.
    const std::vector<int32_t>& cached_weight_matrix(const MvmShape& shape);

    // `inputs` holds `vectors` rows of shape.rows bytes; sums[v * channels + c] is set to the results.
    // fast: word-level dot products with the stored tile (decoded once, as cached_weight_matrix),
    // and closed-form counts. detailed: walks bit planes, digit columns and word-line groups through
    // the ADC, counting as it goes.
    MvmCounts run_fast(const MvmShape& shape, uint64_t vectors, const uint8_t* inputs, int64_t* sums);
    // The same with the sums wrapped to 32 bits, as the macro's int32 accumulators keep them.
    MvmCounts run_fast(const MvmShape& shape, uint64_t vectors, const uint8_t* inputs, int32_t* sums);
    MvmCounts run_detailed(const MvmShape& shape, uint64_t vectors, const uint8_t* inputs, int64_t* sums) const;

private:
    template <class Sum>
    MvmCounts run_fast_into(const MvmShape& shape, uint64_t vectors, const uint8_t* inputs, Sum* sums);
    // What the shift-and-add multiplies the sum of a weight's digit column `index` by.
    int64_t column_significance(int index, int weight_bits, bool is_signed) const;
    int column_group_of(int column) const { return column / geometry_.columns_per_adc; }
    // The first and last column group of each channel of a tile: the same in every word-line group.
    // Kept for the last tile asked about: a write and the counts after it ask for the same one.
    const std::vector<std::pair<int, int>>& channel_column_groups(int column_offset, int channels,
                                                                  int per_weight) const;
    int partition_of(int group) const { return group / groups_per_partition_; }

    // [first, end) runs of row pairs; a tile of 8 word-line groups has at most 4, kept in place.
    using PairRuns = boost::container::small_vector<std::pair<int, int>, 4>;
    // A tile as run_fast wants it, valid while no write touches its blocks.
    struct DecodedTile {
        int rows = 0, channels = 0;
        // rows x channels, row-major. A tile with a narrow form gets them only when something asks
        // (words_of): the MVMs use the narrow form, and most tiles are never read back.
        mutable std::vector<int32_t> words;
        std::vector<int16_t>
            narrow;      // row pairs x channel blocks (cim_array.cpp), when every weight fits int16; else empty
        // [first, end) runs of the row pairs the narrow kernel multiplies: pairs wholly in word-line
        // groups that keep none of the tile's blocks are zeros, and a pruned tile skips them.
        PairRuns live_pairs;
        MvmCounts unit;  // count() per vector, and per input bit for all but macs
    };
    static const std::vector<int32_t>& words_of(const DecodedTile& tile);
    // (row_offset, rows, column_offset, channels, weight_bits, signed weights)
    using TileKey = std::tuple<int, int, int, int, int, bool>;
    static TileKey key_of(const MvmShape& shape);
    // The buffers of dropped tiles, for the next ones: writing a tile then costs no allocation and
    // no clearing (a MARS network writes thousands of tiles of one shape).
    struct SpareBuffers {
        static constexpr size_t kMax = 8;
        std::vector<std::vector<int32_t>> words;
        std::vector<std::vector<int16_t>> narrow;
        void keep(std::vector<int32_t> dropped_words, std::vector<int16_t> dropped_narrow) {
            if (!dropped_words.empty() && words.size() < kMax) words.push_back(std::move(dropped_words));
            if (!dropped_narrow.empty() && narrow.size() < kMax) narrow.push_back(std::move(dropped_narrow));
        }
        // A spare buffer from `pool`, or a new one; its values are left to the caller.
        template <class T>
        static std::vector<T> take(std::vector<std::vector<T>>& pool) {
            if (pool.empty()) return {};
            std::vector<T> buffer = std::move(pool.back());
            pool.pop_back();
            return buffer;
        }
    };
    std::shared_ptr<SpareBuffers> spares_ = std::make_shared<SpareBuffers>();
    // The tile, shared, with a deleter that keeps its buffers as spares.
    std::shared_ptr<const DecodedTile> shared(DecodedTile tile) const;
    const DecodedTile& tile_of(const MvmShape& shape);
    DecodedTile decoded_tile(const MvmShape& shape, std::vector<int32_t> words) const;
    // Drops the decoded tiles that share a (word-line group, column group) block with rows
    // [row_begin, row_end) x columns [column_begin, column_end): a write there may change their
    // cells, or which of their blocks are kept (their counts, and the zeros of binary weights).
    void forget_tiles_touching(int row_begin, int row_end, int column_begin, int column_end);
    MvmCounts unit_counts(const MvmShape& shape) const;
    // The word lines a write stores: the tile's rows in word-line groups with a kept block, and the
    // runs of row pairs they are in.
    struct WrittenRows {
        int rows = 0;
        PairRuns live_pairs;
    };
    // A write's first step: drops the decoded tiles it touches and marks its blocks kept (every one
    // without a mask).
    WrittenRows mark_written_blocks(int row_offset, int rows, int column_offset, int columns, const uint8_t* mask);
    // A write's last step: the tile's words (or pairs alone) become its decoded tile and wait to be
    // encoded into the cells. A decoded tile does not depend on the inputs' width or sign.
    void keep_written_tile(const MvmShape& written, const WrittenRows& stored, std::vector<int32_t> words,
                           std::vector<int16_t> pairs);

    // Cells are encoded only when something reads them (the detailed walk, a decode of a tile no
    // write produced): fast-mode MVMs use the decoded words, and most tiles are never read back.
    // Until then each write's words wait here, oldest first; a later write that covers an earlier
    // one's cells drops it.
    struct PendingCells {
        TileKey key;
        std::shared_ptr<const DecodedTile> tile;
    };
    static constexpr size_t kMaxPendingCells = 64;
    // Digits of a weight width and their values, made once per (weight_bits, signed).
    class DigitCoder;
    const DigitCoder& coder_for(int weight_bits, bool is_signed) const;
    mutable std::map<std::pair<int, bool>, std::shared_ptr<const DigitCoder>> coders_;
    void defer_cells(const TileKey& key, std::shared_ptr<const DecodedTile> tile);
    void settle_cells() const;

    CimGeometry geometry_;
    // Derived once: kept() and the counts ask for them in their inner loops.
    int groups_, column_groups_, groups_per_partition_;
    mutable std::vector<uint8_t> cells_;  // rows x columns digits of bits_per_cell bits, once settled
    mutable std::vector<PendingCells> pending_cells_;
    std::vector<uint8_t> kept_;                                        // groups x column_groups
    mutable std::tuple<int, int, int> channel_groups_of_{-1, -1, -1};  // (column_offset, channels, per_weight)
    mutable std::vector<std::pair<int, int>> channel_groups_;
    mutable bool channels_in_one_group_ = false;  // no channel of those straddles two column groups
    // Per column group of the array: the tile's columns in it, and its channels that lie in it alone.
    mutable std::vector<uint64_t> group_columns_, group_channels_;
    mutable bool uniform_groups_ = false;  // no channel across groups, and every touched group alike
    mutable std::vector<uint64_t> partition_rounds_;  // unit_counts' working space
    std::vector<int32_t> row_pair_;                   // write_weights' two decoded rows
    std::vector<int32_t> unpacked_;                   // the decoded tile of write_packed/dense_weights
    // Shared with the pending cell writes that still hold them.
    std::map<TileKey, std::shared_ptr<const DecodedTile>> decoded_;
};

// The input value the macro sees in a byte: its low `bits` bits, sign-extended when signed.
int decode_input(uint8_t byte, int bits, bool is_signed);

}  // namespace cimvp
