#include "models/cim/sparse_tile.h"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace cimvp {

namespace {

[[noreturn]] void misuse(const std::string& field, const std::string& problem) {
    throw std::invalid_argument("sparse tile: " + field + " " + problem);
}

void require_positive(const char* field, int value) {
    if (value < 1) misuse(field, "must be at least 1 (is " + std::to_string(value) + ")");
}

void check_weight_bits(int weight_bits) {
    if (weight_bits < 1 || weight_bits > 16) {
        misuse("weight_bits", "must be 1 to 16 (is " + std::to_string(weight_bits) + ")");
    }
}

// The weight_bits bits that store `value`; `where` names the weight for the error.
template <class Where>
uint32_t stored_bits(int32_t value, int weight_bits, const Where& where) {
    if (weight_bits == 1) {
        if (value != 1 && value != -1) {
            misuse("weights", "hold " + std::to_string(value) + " at " + where() + "; 1-bit weights must be +1 or -1");
        }
        return value == 1 ? 1u : 0u;
    }
    // Signed or unsigned, a stored weight must fit its bits: [-2^(wb-1), 2^wb - 1].
    const int64_t low = -(int64_t{1} << (weight_bits - 1)), high = (int64_t{1} << weight_bits) - 1;
    if (value < low || value > high) {
        misuse("weights", "hold " + std::to_string(value) + " at " + where() + ", beyond " +
                              std::to_string(weight_bits) + " bits (" + std::to_string(low) + " to " +
                              std::to_string(high) + ")");
    }
    return static_cast<uint32_t>(value) & ((1u << weight_bits) - 1u);
}

int32_t weight_of_bits(uint32_t bits, int weight_bits) {
    if (weight_bits == 1) return bits != 0 ? 1 : -1;
    const int unused = 32 - weight_bits;
    return static_cast<int32_t>(bits << unused) >> unused;  // sign extension
}

// The weights of whole bytes of kBits-bit fields (kBits divides 8), LSB-first: each field moved to
// the top of an int8 and shifted back down, which sign-extends it. Branch-free, so it vectorises.
template <int kBits>
void decode_whole_bytes(const uint8_t* bytes, size_t count, int32_t* out) {
    constexpr int kPerByte = 8 / kBits;
    for (size_t b = 0; b < count; ++b) {
        for (int k = 0; k < kPerByte; ++k) {
            const auto top = static_cast<int8_t>(static_cast<uint8_t>(bytes[b] << (8 - (k + 1) * kBits)));
            // A 1-bit field is +1 (set) or -1: top >> 7 is -1 when set, else 0.
            out[b * kPerByte + k] = kBits == 1 ? -2 * (top >> 7) - 1 : top >> (8 - kBits);
        }
    }
}

// Appends weights to a stream LSB-first; at most 16 + 7 bits are ever held.
class BitWriter {
public:
    explicit BitWriter(std::vector<uint8_t>& bytes) : bytes_(bytes) {}
    void put(uint32_t bits, int width) {
        held_bits_ |= uint64_t{bits} << held_;
        held_ += width;
        for (; held_ >= 8; held_ -= 8, held_bits_ >>= 8) bytes_.push_back(static_cast<uint8_t>(held_bits_));
    }
    // Pads the last byte with zero bits.
    void finish() {
        if (held_ > 0) bytes_.push_back(static_cast<uint8_t>(held_bits_));
        held_ = 0;
        held_bits_ = 0;
    }

private:
    std::vector<uint8_t>& bytes_;
    uint64_t held_bits_ = 0;
    int held_ = 0;
};

// Reads a stream back, touching no byte beyond the last one a weight occupies.
class BitReader {
public:
    explicit BitReader(const uint8_t* bytes) : next_(bytes) {}
    uint32_t take(int width) {
        for (; held_ < width; held_ += 8) held_bits_ |= uint64_t{*next_++} << held_;
        const auto bits = static_cast<uint32_t>(held_bits_ & ((uint64_t{1} << width) - 1));
        held_bits_ >>= width;
        held_ -= width;
        return bits;
    }

private:
    const uint8_t* next_;
    uint64_t held_bits_ = 0;
    int held_ = 0;
};

// Values place_row may read past the last one it takes.
constexpr size_t kPlaceSlack = 16;

// Places a row's kept values, in channel order, at its kept channels and zeros elsewhere; returns
// the values taken. `kept` holds a 0/1 byte per channel and `blocks` a bit per channel, 16 to a word.
int place_row(const int32_t* values, const uint8_t* kept, const uint16_t* blocks, int channels, int32_t* row) {
#if defined(__AVX512F__)
    // One expand per 16 channels: the next popcount(bits) values go to the set bits' lanes.
    (void)kept;
    int taken = 0;
    for (int c = 0, b = 0; c < channels; c += 16, ++b) {
        const auto bits = static_cast<__mmask16>(blocks[b]);
        // A plain load and a register expand: the memory form of the expand is microcoded on AMD.
        // Up to 15 values past the last one are loaded; unpack leaves that room.
        __m512i loaded = _mm512_loadu_si512(values + taken);
        asm("" : "+v"(loaded));  // keeps GCC from folding the load back into the expand
        const __m512i placed = _mm512_maskz_expand_epi32(bits, loaded);
        const int lanes = std::min(16, channels - c);
        _mm512_mask_storeu_epi32(row + c, static_cast<__mmask16>((1u << lanes) - 1u), placed);
        taken += __builtin_popcount(bits);
    }
    return taken;
#else
    (void)blocks;
    int taken = 0;
    for (int c = 0; c < channels; ++c) {
        row[c] = kept[c] != 0 ? values[taken] : 0;
        taken += kept[c];
    }
    return taken;
#endif
}

}  // namespace

size_t packed_weight_bytes(size_t count, int weight_bits) {
    check_weight_bits(weight_bits);
    return (count * static_cast<size_t>(weight_bits) + 7) / 8;
}

std::vector<uint8_t> encode_weights(const std::vector<int32_t>& weights, int weight_bits) {
    std::vector<uint8_t> bytes;
    bytes.reserve(packed_weight_bytes(weights.size(), weight_bits));
    BitWriter writer(bytes);
    for (size_t i = 0; i < weights.size(); ++i) {
        writer.put(stored_bits(weights[i], weight_bits, [i] { return "index " + std::to_string(i); }), weight_bits);
    }
    writer.finish();
    return bytes;
}

std::vector<int32_t> decode_weights(const uint8_t* bytes, size_t count, int weight_bits) {
    std::vector<int32_t> weights(count);
    decode_weights(bytes, count, weight_bits, weights.data());
    return weights;
}

void decode_weights(const uint8_t* bytes, size_t count, int weight_bits, int32_t* weights) {
    check_weight_bits(weight_bits);
    // Whole weights per byte (1, 2, 4, 8 bits), the common case on every weight write, decode a
    // byte at a time; the bit reader takes the rest, and the tail, touching no byte past the last
    // weight.
    size_t whole_bytes = 0;
    switch (weight_bits) {
        case 1:
            whole_bytes = count / 8;
            decode_whole_bytes<1>(bytes, whole_bytes, weights);
            break;
        case 2:
            whole_bytes = count / 4;
            decode_whole_bytes<2>(bytes, whole_bytes, weights);
            break;
        case 4:
            whole_bytes = count / 2;
            decode_whole_bytes<4>(bytes, whole_bytes, weights);
            break;
        case 8:
            whole_bytes = count;
            decode_whole_bytes<8>(bytes, whole_bytes, weights);
            break;
        default:
            break;
    }
    BitReader reader(bytes + whole_bytes);
    for (size_t i = whole_bytes * 8 / static_cast<size_t>(weight_bits); i < count; ++i) {
        weights[i] = weight_of_bits(reader.take(weight_bits), weight_bits);
    }
}

SparseTileLayout::SparseTileLayout(int rows, int channels, int weight_bits, int weight_columns, int group_rows,
                                   int columns_per_adc)
    : rows_(rows),
      channels_(channels),
      weight_bits_(weight_bits),
      weight_columns_(weight_columns),
      group_rows_(group_rows),
      columns_per_adc_(columns_per_adc) {
    require_positive("rows", rows);
    require_positive("channels", channels);
    require_positive("weight_columns", weight_columns);
    require_positive("group_rows", group_rows);
    require_positive("columns_per_adc", columns_per_adc);
    check_weight_bits(weight_bits);
    if (rows % group_rows != 0) {
        misuse("rows",
               "(" + std::to_string(rows) + ") must be a multiple of group_rows (" + std::to_string(group_rows) + ")");
    }
    if (channels * weight_columns % columns_per_adc != 0) {
        misuse("channels", "x weight_columns (" + std::to_string(channels * weight_columns) +
                               ") must be a multiple of columns_per_adc (" + std::to_string(columns_per_adc) + ")");
    }
    for (int q = 0; q < column_groups(); ++q) {
        block_channels_.emplace_back(q * columns_per_adc_ / weight_columns_,
                                     ((q + 1) * columns_per_adc_ - 1) / weight_columns_);
    }
    if (columns_per_adc_ % weight_columns_ == 0) {
        for (int c = 0; c < channels_; ++c) channel_group_.push_back(c * weight_columns_ / columns_per_adc_);
    }
}

void SparseTileLayout::check_mask(const std::vector<uint8_t>& mask) const {
    if (mask.size() != mask_bytes()) {
        misuse("mask", "has " + std::to_string(mask.size()) + " bytes, the layout needs " +
                           std::to_string(mask_bytes()) + " (groups x column groups)");
    }
}

std::vector<uint8_t> SparseTileLayout::mask_of(const std::vector<int32_t>& weights) const {
    if (weights.size() != static_cast<size_t>(rows_) * channels_) {
        misuse("weights", "have " + std::to_string(weights.size()) + " values, not rows x channels");
    }
    std::vector<uint8_t> mask(mask_bytes(), 0);
    for (int r = 0; r < rows_; ++r) {
        uint8_t* group_mask = mask.data() + static_cast<size_t>(r / group_rows_) * column_groups();
        for (int c = 0; c < channels_; ++c) {
            if (weights[static_cast<size_t>(r) * channels_ + c] == 0) continue;
            // A non-zero weight keeps every column group its columns touch.
            const int first = c * weight_columns_, last = first + weight_columns_ - 1;
            for (int q = first / columns_per_adc_; q <= last / columns_per_adc_; ++q) group_mask[q] = 1;
        }
    }
    return mask;
}

bool SparseTileLayout::channel_kept(const std::vector<uint8_t>& mask, int group, int channel) const {
    check_mask(mask);
    if (group < 0 || group >= groups()) misuse("group", std::to_string(group) + " is outside the tile");
    if (channel < 0 || channel >= channels_) misuse("channel", std::to_string(channel) + " is outside the tile");
    return kept_unchecked(mask, group, channel);
}

bool SparseTileLayout::kept_unchecked(const std::vector<uint8_t>& mask, int group, int channel) const {
    const uint8_t* group_mask = mask.data() + static_cast<size_t>(group) * column_groups();
    const int first = channel * weight_columns_, last = first + weight_columns_ - 1;
    for (int q = first / columns_per_adc_; q <= last / columns_per_adc_; ++q) {
        if (group_mask[q] != 0) return true;
    }
    return false;
}

const std::vector<uint8_t>& SparseTileLayout::kept_table(const std::vector<uint8_t>& mask) const {
    if (!table_.empty() && mask == table_mask_) return table_;
    check_mask(mask);
    // Each kept block keeps the channels whose columns overlap its column group (run on every
    // masked weight write, so it walks the blocks rather than asking per channel, and ors the
    // random flags in rather than branching on them).
    table_.assign(static_cast<size_t>(groups()) * channels_, 0);
    for (int g = 0; g < groups(); ++g) {
        uint8_t* kept = &table_[static_cast<size_t>(g) * channels_];
        const uint8_t* group_mask = &mask[static_cast<size_t>(g) * column_groups()];
        if (!channel_group_.empty()) {  // each channel in one column group: a lookup per channel
            for (int c = 0; c < channels_; ++c) kept[c] = group_mask[channel_group_[c]] != 0 ? 1 : 0;
            continue;
        }
        for (int q = 0; q < column_groups(); ++q) {
            const uint8_t flag = group_mask[q] != 0 ? 1 : 0;
            for (int c = block_channels_[q].first; c <= block_channels_[q].second; ++c) kept[c] |= flag;
        }
    }
    table_kept_ = static_cast<size_t>(std::count(table_.begin(), table_.end(), 1));
    table_mask_ = mask;
    return table_;
}

int SparseTileLayout::kept_channels(const std::vector<uint8_t>& mask, int group) const {
    int kept = 0;
    for (int c = 0; c < channels_; ++c) kept += channel_kept(mask, group, c) ? 1 : 0;
    return kept;
}

size_t SparseTileLayout::packed_bytes(const std::vector<uint8_t>& mask) const {
    kept_table(mask);
    return packed_weight_bytes(table_kept_ * static_cast<size_t>(group_rows_), weight_bits_);
}

std::vector<uint8_t> SparseTileLayout::pack(const std::vector<int32_t>& weights,
                                            const std::vector<uint8_t>& mask) const {
    if (weights.size() != static_cast<size_t>(rows_) * channels_) {
        misuse("weights", "have " + std::to_string(weights.size()) + " values, not rows x channels");
    }
    std::vector<uint8_t> bytes;
    bytes.reserve(packed_bytes(mask));
    const std::vector<uint8_t>& kept = kept_table(mask);
    BitWriter writer(bytes);
    for (int r = 0; r < rows_; ++r) {
        for (int c = 0; c < channels_; ++c) {
            if (!kept[static_cast<size_t>(r / group_rows_) * channels_ + c]) continue;
            const auto where = [r, c] { return "row " + std::to_string(r) + ", channel " + std::to_string(c); };
            writer.put(stored_bits(weights[static_cast<size_t>(r) * channels_ + c], weight_bits_, where), weight_bits_);
        }
    }
    writer.finish();
    return bytes;
}

std::vector<int32_t> SparseTileLayout::unpack(const std::vector<uint8_t>& bytes,
                                              const std::vector<uint8_t>& mask) const {
    std::vector<int32_t> weights(static_cast<size_t>(rows_) * channels_);
    unpack(bytes.data(), bytes.size(), mask, weights.data());
    return weights;
}

const std::vector<uint8_t>& SparseTileLayout::decode_kept_values(const uint8_t* bytes, size_t size,
                                                                 const std::vector<uint8_t>& mask) const {
    const std::vector<uint8_t>& kept = kept_table(mask);
    const size_t kept_weights = table_kept_ * static_cast<size_t>(group_rows_);
    if (size != packed_weight_bytes(kept_weights, weight_bits_)) {
        misuse("bytes", "are " + std::to_string(size) + ", the mask implies " +
                            std::to_string(packed_weight_bytes(kept_weights, weight_bits_)));
    }
    values_.resize(kept_weights + kPlaceSlack);
    decode_weights(bytes, kept_weights, weight_bits_, values_.data());
    return kept;
}

void SparseTileLayout::channel_bits(const uint8_t* kept_in_group, uint16_t* blocks) const {
    for (int first = 0; first < channels_; first += 16) {
        uint32_t bits = 0;  // in a register: or-ing into memory would chain every step on a store
        for (int c = first; c < std::min(first + 16, channels_); ++c) bits |= uint32_t{kept_in_group[c]} << (c - first);
        blocks[first / 16] = static_cast<uint16_t>(bits);
    }
}

void SparseTileLayout::unpack(const uint8_t* bytes, size_t size, const std::vector<uint8_t>& mask,
                              int32_t* weights) const {
    // The kept weights are decoded as one stream (decode_weights) and then put in their places,
    // group by group.
    const std::vector<uint8_t>& kept = decode_kept_values(bytes, size, mask);
    const int32_t* next = values_.data();
    blocks_.resize(static_cast<size_t>((channels_ + 15) / 16));
    for (int g = 0; g < groups(); ++g) {
        const uint8_t* kept_in_group = &kept[static_cast<size_t>(g) * channels_];
        channel_bits(kept_in_group, blocks_.data());
        for (int r = g * group_rows_; r < (g + 1) * group_rows_; ++r) {
            next +=
                place_row(next, kept_in_group, blocks_.data(), channels_, weights + static_cast<size_t>(r) * channels_);
        }
    }
}

void SparseTileLayout::unpack_pairs(const uint8_t* bytes, size_t size, const std::vector<uint8_t>& mask,
                                    int16_t* pairs, int width) const {
    if (width < channels_) {
        misuse("width", "(" + std::to_string(width) + ") must be at least channels (" + std::to_string(channels_) + ")");
    }
    const std::vector<uint8_t>& kept = decode_kept_values(bytes, size, mask);
    // Each group's channels as bits (channels from `channels` to `width` are zeros), and where each
    // row's values start in the stream.
    const size_t blocks_per_row = static_cast<size_t>((width + 15) / 16);
    group_blocks_.assign(static_cast<size_t>(groups()) * blocks_per_row, 0);
    row_starts_.resize(static_cast<size_t>(rows_) + 1);
    row_blocks_.resize(static_cast<size_t>(rows_));
    row_starts_[0] = 0;
    bool pruned_group = false;
    for (int g = 0; g < groups(); ++g) {
        const uint8_t* kept_in_group = &kept[static_cast<size_t>(g) * channels_];
        channel_bits(kept_in_group, &group_blocks_[static_cast<size_t>(g) * blocks_per_row]);
        const int per_row = static_cast<int>(std::count(kept_in_group, kept_in_group + channels_, 1));
        pruned_group |= per_row == 0;
        for (int r = g * group_rows_; r < (g + 1) * group_rows_; ++r) {
            row_starts_[static_cast<size_t>(r) + 1] = row_starts_[static_cast<size_t>(r)] + per_row;
            row_blocks_[static_cast<size_t>(r)] = static_cast<size_t>(g) * blocks_per_row;
        }
    }
    // Row pairs of wholly pruned groups (MARS prunes whole word-line groups) are zeros with no
    // expanding to do. The check is compiled in only for tiles that have such a group, so that
    // other tiles pay nothing per pair for it.
    const auto expand = [&](auto skip_pruned_pairs) {
        const int32_t* values = values_.data();
        for (int r = 0; r < rows_; r += 2) {
            const bool odd = r + 1 < rows_;  // the last row of an odd count pairs with zeros
            int16_t* out = pairs + static_cast<size_t>(r / 2) * static_cast<size_t>(width) * 2;
            if constexpr (decltype(skip_pruned_pairs)::value) {
                if (row_starts_[static_cast<size_t>(r) + (odd ? 2 : 1)] == row_starts_[static_cast<size_t>(r)]) {
                    std::fill_n(out, static_cast<size_t>(width) * 2, int16_t{0});
                    continue;
                }
            }
            const int32_t* even_values = values + row_starts_[static_cast<size_t>(r)];
            const int32_t* odd_values = values + row_starts_[static_cast<size_t>(r) + (odd ? 1 : 0)];
            const uint16_t* even_bits = &group_blocks_[row_blocks_[static_cast<size_t>(r)]];
            const uint16_t* odd_bits = odd ? &group_blocks_[row_blocks_[static_cast<size_t>(r) + 1]] : nullptr;
            for (int c = 0, b = 0; c < width; c += 16, ++b) {
                const uint32_t even_lanes = even_bits[b], odd_lanes = odd ? odd_bits[b] : 0;
                const int lanes = std::min(16, width - c);
#if defined(__AVX512F__)
                // Each row's values expanded to their channels, then the pair (even, odd) as the low and
                // high half of one 32-bit lane: int16 pairs in memory order. Loads may run 15 values past
                // the stream's end, which decode_kept_values leaves room for.
                __m512i even = _mm512_loadu_si512(even_values);
                __m512i odd_row = _mm512_loadu_si512(odd_values);
                asm("" : "+v"(even), "+v"(odd_row));  // a register expand: the memory form is microcoded on AMD
                even = _mm512_maskz_expand_epi32(static_cast<__mmask16>(even_lanes), even);
                odd_row = _mm512_maskz_expand_epi32(static_cast<__mmask16>(odd_lanes), odd_row);
                const __m512i lane_pairs = _mm512_or_si512(_mm512_and_si512(even, _mm512_set1_epi32(0xffff)),
                                                           _mm512_maskz_slli_epi32(0xffff, odd_row, 16));
                if (lanes == 16) {  // a plain store: masked ones are slow on AMD
                    _mm512_storeu_si512(out + 2 * c, lane_pairs);
                } else {
                    _mm512_mask_storeu_epi32(out + 2 * c, static_cast<__mmask16>((1u << lanes) - 1u), lane_pairs);
                }
#else
                const int32_t* next_even = even_values;
                const int32_t* next_odd = odd_values;
                for (int k = 0; k < lanes; ++k) {
                    out[2 * (c + k)] = (even_lanes >> k & 1u) != 0 ? static_cast<int16_t>(*next_even++) : 0;
                    out[2 * (c + k) + 1] = (odd_lanes >> k & 1u) != 0 ? static_cast<int16_t>(*next_odd++) : 0;
                }
#endif
                even_values += __builtin_popcount(even_lanes);
                odd_values += __builtin_popcount(odd_lanes);
            }
        }
    };
    if (pruned_group) {
        expand(std::true_type{});
    } else {
        expand(std::false_type{});
    }
}

}  // namespace cimvp
