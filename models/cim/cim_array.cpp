#include "models/cim/cim_array.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>

#include "models/cim/sparse_tile.h"

#if defined(__AVX2__) || defined(__AVX512BW__)
#include <immintrin.h>
#endif

namespace cimvp {

namespace {

// The part of [begin, end) inside [low, high).
int overlap(int begin, int end, int low, int high) { return std::max(0, std::min(end, high) - std::max(begin, low)); }

// How many of `count` flags (each 0 or 1) are 1, eight at a time: the byte sum of a word is its
// product with 0x0101...01, read from the top byte.
uint64_t count_ones(const uint8_t* flags, int count) {
    uint64_t ones = 0;
    int i = 0;
    for (; i + 8 <= count; i += 8) {
        uint64_t word;
        std::memcpy(&word, flags + i, sizeof word);
        ones += (word * 0x0101010101010101ull) >> 56;
    }
    for (; i < count; ++i) ones += flags[i];
    return ones;
}

// The rows and columns one tile touches, and the word-line groups and column groups they fall in.
struct Footprint {
    int row_begin, row_end, column_begin, column_end;
    int first_group, last_group, first_column_group, last_column_group;
};

Footprint footprint(const CimGeometry& geometry, int row_offset, int rows, int column_offset, int columns) {
    Footprint f{row_offset, row_offset + rows, column_offset, column_offset + columns, 0, 0, 0, 0};
    f.first_group = f.row_begin / geometry.max_active_wl;
    f.last_group = (f.row_end - 1) / geometry.max_active_wl;
    f.first_column_group = f.column_begin / geometry.columns_per_adc;
    f.last_column_group = (f.column_end - 1) / geometry.columns_per_adc;
    return f;
}

// Which of a channel's digit columns are kept in a word-line group. kAll and kNone double as masks
// of the channel's value.
enum ChannelKept : int32_t { kNone = 0, kAll = -1, kSome = 1 };

// An exact sum as an int64, or wrapped to 32 bits as the macro's int32 accumulators keep it.
template <class Sum, class Value>
Sum wrapped(Value value) {
    if constexpr (sizeof(Sum) == 4) {
        return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(value)));
    } else {
        return value;
    }
}

// sums[v][c] = sum_r x[v][r] * w[r][c], exact in Accumulator (int32 when the bound allows, else int64).
// Rows are the outer loop so that the inner one runs over a contiguous weight row and vectorises.
// For what the int16 kernel below cannot take: weights wider than int16, sums beyond int32.
template <class Accumulator, class Sum>
void dot_products(const MvmShape& shape, const int32_t* weights, uint64_t vectors, const uint8_t* inputs,
                  Sum* sums) {
    const int channels = shape.channels;
    std::vector<Accumulator> accumulators(static_cast<size_t>(channels));
    Accumulator* acc = accumulators.data();
    for (uint64_t v = 0; v < vectors; ++v) {
        std::fill(accumulators.begin(), accumulators.end(), 0);
        const uint8_t* vector = inputs + v * static_cast<uint64_t>(shape.rows);
        for (int row = 0; row < shape.rows; ++row) {
            const Accumulator x = decode_input(vector[row], shape.input_bits, shape.signed_inputs);
            if (x == 0) continue;  // common after ReLU, and exact to skip
            const int32_t* weight_row = weights + static_cast<size_t>(row) * channels;
            for (int channel = 0; channel < channels; ++channel) acc[channel] += x * weight_row[channel];
        }
        Sum* out = sums + v * static_cast<uint64_t>(channels);
        for (int channel = 0; channel < channels; ++channel) out[channel] = wrapped<Sum>(acc[channel]);
    }
}

// The int16 kernel's layout. Rows go in pairs and channels in blocks of kLanes: the 32-bit lane of
// channel c in row pair p holds (w[2p][c], w[2p + 1][c]). One multiply-add of int16 pairs
// (vpmaddwd) against a vector's input pair, broadcast to every lane, then adds two rows' products
// to kLanes channels' sums at once, and no horizontal sums are left for the end.
constexpr int kLanes = 16;
int row_pairs(int rows) { return (rows + 1) / 2; }
int padded_channels(int channels) { return (channels + kLanes - 1) / kLanes * kLanes; }

// Whether every weight of this width is an int16. Inputs always are: the macro reads them from a byte.
bool fits_int16(int weight_bits, bool is_signed) { return weight_bits <= (is_signed || weight_bits == 1 ? 16 : 15); }

// Row pair `pair` of the layout above from two rows of int32 words (odd == nullptr: the last row
// of an odd count, paired with zeros), padding included, so a reused buffer needs no clearing.
void put_row_pair(const int32_t* even, const int32_t* odd, int channels, size_t pair, std::vector<int16_t>& narrow) {
    const size_t width = static_cast<size_t>(padded_channels(channels));
    int16_t* out = narrow.data() + pair * width * 2;
    // Both rows interleaved in one loop, which vectorises.
    if (odd != nullptr) {
        for (int c = 0; c < channels; ++c) {
            out[2 * c] = static_cast<int16_t>(even[c]);
            out[2 * c + 1] = static_cast<int16_t>(odd[c]);
        }
    } else {
        for (int c = 0; c < channels; ++c) {
            out[2 * c] = static_cast<int16_t>(even[c]);
            out[2 * c + 1] = 0;
        }
    }
    std::fill(out + 2 * channels, out + 2 * width, 0);
}

size_t pair_layout_size(int rows, int channels) {
    return static_cast<size_t>(row_pairs(rows)) * static_cast<size_t>(padded_channels(channels)) * 2;
}

// Row-major int32 weights in the pair layout above.
void pair_layout(const int32_t* words, int rows, int channels, std::vector<int16_t>& narrow) {
    narrow.resize(pair_layout_size(rows, channels));
    for (int r = 0; r < rows; r += 2) {
        const int32_t* even = words + static_cast<size_t>(r) * channels;
        put_row_pair(even, r + 1 < rows ? even + channels : nullptr, channels, static_cast<size_t>(r / 2), narrow);
    }
}

// The row-major words of a tile in the pair layout.
void words_from_pairs(const std::vector<int16_t>& narrow, int rows, int channels, std::vector<int32_t>& words) {
    const size_t width = static_cast<size_t>(padded_channels(channels));
    words.resize(static_cast<size_t>(rows) * channels);
    for (int r = 0; r < rows; ++r) {
        const int16_t* pair = narrow.data() + static_cast<size_t>(r / 2) * width * 2 + (r % 2);
        int32_t* out = words.data() + static_cast<size_t>(r) * channels;
        for (int c = 0; c < channels; ++c) out[c] = pair[2 * c];
    }
}

// kLanes int32 sums, as the widest integer vectors the build targets hold them. A lane of a weight
// or input operand is an int16 pair. The portable form reads pairs through the same memcpy as it
// loads them, so it pairs them correctly on either endianness.
#if defined(__AVX512BW__)
struct Lanes {
    __m512i v;
};
inline Lanes zero_lanes() { return {_mm512_setzero_si512()}; }
inline Lanes load_lanes(const int16_t* pairs) { return {_mm512_loadu_si512(pairs)}; }
inline Lanes broadcast_pair(const int16_t* pair) {
    int32_t both;
    std::memcpy(&both, pair, sizeof both);
    return {_mm512_set1_epi32(both)};
}
inline void multiply_add(Lanes& sums, const Lanes& weights, const Lanes& inputs) {
#if defined(__AVX512VNNI__)
    sums.v = _mm512_dpwssd_epi32(sums.v, weights.v, inputs.v);
#else
    sums.v = _mm512_add_epi32(sums.v, _mm512_madd_epi16(weights.v, inputs.v));
#endif
}
inline void store_lanes(int32_t* out, const Lanes& sums) { _mm512_storeu_si512(out, sums.v); }
#elif defined(__AVX2__)
struct Lanes {
    __m256i low, high;
};
inline Lanes zero_lanes() { return {_mm256_setzero_si256(), _mm256_setzero_si256()}; }
inline Lanes load_lanes(const int16_t* pairs) {
    return {_mm256_loadu_si256(reinterpret_cast<const __m256i*>(pairs)),
            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pairs + kLanes))};
}
inline Lanes broadcast_pair(const int16_t* pair) {
    int32_t both;
    std::memcpy(&both, pair, sizeof both);
    const __m256i all = _mm256_set1_epi32(both);
    return {all, all};
}
inline void multiply_add(Lanes& sums, const Lanes& weights, const Lanes& inputs) {
    sums.low = _mm256_add_epi32(sums.low, _mm256_madd_epi16(weights.low, inputs.low));
    sums.high = _mm256_add_epi32(sums.high, _mm256_madd_epi16(weights.high, inputs.high));
}
inline void store_lanes(int32_t* out, const Lanes& sums) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), sums.low);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + kLanes / 2), sums.high);
}
#else
struct Lanes {
    int32_t v[kLanes];
};
inline Lanes zero_lanes() { return {}; }
inline Lanes load_lanes(const int16_t* pairs) {
    Lanes lanes;
    std::memcpy(lanes.v, pairs, sizeof lanes.v);
    return lanes;
}
inline Lanes broadcast_pair(const int16_t* pair) {
    Lanes lanes;
    for (int32_t& lane : lanes.v) std::memcpy(&lane, pair, sizeof lane);
    return lanes;
}
inline int32_t low_half(int32_t pair) { return static_cast<int16_t>(static_cast<uint32_t>(pair) & 0xffffu); }
inline int32_t high_half(int32_t pair) { return static_cast<int16_t>(static_cast<uint32_t>(pair) >> 16); }
inline void multiply_add(Lanes& sums, const Lanes& weights, const Lanes& inputs) {
    for (int i = 0; i < kLanes; ++i) {
        sums.v[i] += low_half(weights.v[i]) * low_half(inputs.v[i]) + high_half(weights.v[i]) * high_half(inputs.v[i]);
    }
}
inline void store_lanes(int32_t* out, const Lanes& sums) { std::memcpy(out, sums.v, sizeof sums.v); }
#endif

using PairRun = std::pair<int, int>;  // row pairs [first, end)

// kVectors input vectors against kBlocks blocks of kLanes channels, over the row pairs of `runs`.
// Each weight load serves kVectors multiply-adds and each input broadcast kBlocks. Sums go to
// out[(v * kBlocks + b) * kLanes + lane].
template <int kVectors, int kBlocks>
void pair_products(const int16_t* weights, size_t pair_stride, const PairRun* runs, size_t run_count, const int16_t* x,
                   size_t x_stride, int32_t* out) {
    Lanes sums[kVectors][kBlocks];
    for (auto& row : sums) {
        for (Lanes& lanes : row) lanes = zero_lanes();
    }
    for (size_t run = 0; run < run_count; ++run) {
        for (int p = runs[run].first; p < runs[run].second; ++p) {
            Lanes w[kBlocks];
            for (int b = 0; b < kBlocks; ++b) w[b] = load_lanes(weights + p * pair_stride + b * kLanes * 2);
            for (int v = 0; v < kVectors; ++v) {
                const Lanes input = broadcast_pair(x + v * x_stride + 2 * p);
                for (int b = 0; b < kBlocks; ++b) multiply_add(sums[v][b], w[b], input);
            }
        }
    }
    for (int v = 0; v < kVectors; ++v) {
        for (int b = 0; b < kBlocks; ++b) store_lanes(out + (v * kBlocks + b) * kLanes, sums[v][b]);
    }
}

using PairProducts = void (*)(const int16_t*, size_t, const PairRun*, size_t, const int16_t*, size_t, int32_t*);
constexpr int kVectorBlock = 4;
constexpr int kChannelBlocks = 2;
template <int kBlocks, size_t... kVectors>
constexpr std::array<PairProducts, sizeof...(kVectors)> pair_kernels(std::index_sequence<kVectors...>) {
    return {&pair_products<static_cast<int>(kVectors) + 1, kBlocks>...};
}

// sums[v][c] = sum_r x[v][r] * w[r][c] over int16 weights in the pair layout, exact in int32
// under run_fast's bound; row pairs outside `live` are zeros and skipped. Zero inputs are
// multiplied too: skipping them would break the vectors.
template <class Sum>
void narrow_dot_products(const MvmShape& shape, const int16_t* weights, const PairRun* live, size_t live_runs,
                         uint64_t vectors, const uint8_t* inputs, Sum* sums) {
    static constexpr std::array<std::array<PairProducts, kVectorBlock>, kChannelBlocks> kernels = {
        pair_kernels<1>(std::make_index_sequence<kVectorBlock>()),
        pair_kernels<2>(std::make_index_sequence<kVectorBlock>())};
    const int pairs = row_pairs(shape.rows);
    const int channels = shape.channels;
    const int blocks = padded_channels(channels) / kLanes;
    const size_t pair_stride = static_cast<size_t>(blocks) * kLanes * 2;
    const size_t x_stride = static_cast<size_t>(pairs) * 2;
    // The inputs as int16, each vector padded to whole pairs; kept between calls, as the macro
    // multiplies chunk after chunk. decode_input without branches: (v ^ sign) - sign extends.
    thread_local std::vector<int16_t> x;
    x.resize(vectors * x_stride);
    const int low_bits = (1 << shape.input_bits) - 1;
    const int sign = shape.signed_inputs ? 1 << (shape.input_bits - 1) : 0;
    const auto convert = [low_bits, sign](const uint8_t* __restrict in, int16_t* __restrict out, uint64_t count) {
        for (uint64_t i = 0; i < count; ++i) out[i] = static_cast<int16_t>(((in[i] & low_bits) ^ sign) - sign);
    };
    if (shape.rows % 2 == 0) {
        convert(inputs, x.data(), vectors * static_cast<uint64_t>(shape.rows));  // no padding: one long run
    } else {
        for (uint64_t v = 0; v < vectors; ++v) {
            int16_t* out = x.data() + v * x_stride;
            convert(inputs + v * static_cast<uint64_t>(shape.rows), out, static_cast<uint64_t>(shape.rows));
            out[shape.rows] = 0;
        }
    }
    int32_t block_sums[kVectorBlock * kChannelBlocks * kLanes];
    for (uint64_t v = 0; v < vectors; v += kVectorBlock) {
        const int in_block = static_cast<int>(std::min<uint64_t>(kVectorBlock, vectors - v));
        for (int b = 0; b < blocks; b += kChannelBlocks) {
            const int channel_blocks = std::min(kChannelBlocks, blocks - b);
            kernels[channel_blocks - 1][in_block - 1](weights + static_cast<size_t>(b) * kLanes * 2, pair_stride,
                                                      live, live_runs, x.data() + v * x_stride, x_stride,
                                                      block_sums);
            const int first = b * kLanes;
            const int width = std::min(channel_blocks * kLanes, channels - first);
            for (int i = 0; i < in_block; ++i) {
                Sum* out = sums + (v + i) * channels + first;
                const int32_t* in = block_sums + i * channel_blocks * kLanes;
                for (int c = 0; c < width; ++c) out[c] = in[c];
            }
        }
    }
}

// Counts per vector (macs) and per vector and input bit (the rest), scaled to a whole MVM.
MvmCounts scaled(const MvmCounts& unit, int input_bits, uint64_t vectors) {
    const uint64_t steps = vectors * static_cast<uint64_t>(input_bits);
    MvmCounts total;
    total.macs = unit.macs * vectors;
    total.bitserial_cycles = unit.bitserial_cycles * steps;
    total.cell_operations = unit.cell_operations * steps;
    total.adc_conversions = unit.adc_conversions * steps;
    total.skipped_groups = unit.skipped_groups * steps;
    total.skipped_conversions = unit.skipped_conversions * steps;
    total.compute_cycles = unit.compute_cycles * steps;
    total.input_sum_bits = unit.input_sum_bits * steps;
    total.binary_corrections = unit.binary_corrections * steps;
    return total;
}

}  // namespace

// Splits weights into the unsigned digits of their columns (see cim_array.h), and gives the value
// the kept digits of a weight decode to.
class CimArray::DigitCoder {
public:
    // Bytes past a row's last column that encode may write.
    static constexpr int kSlack = 8;

    DigitCoder(int weight_bits, bool is_signed, int bits_per_cell, const std::vector<int32_t>& significance)
        : weight_bits_(weight_bits),
          is_signed_(is_signed),
          columns_(static_cast<int>(significance.size())),
          significance_(significance) {
        const int magnitude_bits = is_signed ? weight_bits - 1 : weight_bits;
        for (int j = 0; j < columns_; ++j) {
            const bool sign_column = is_signed && j == columns_ - 1;
            shift_.push_back(sign_column ? weight_bits - 1 : j * bits_per_cell);
            width_.push_back(sign_column ? 1u
                                         : (1u << std::min(bits_per_cell, magnitude_bits - j * bits_per_cell)) - 1u);
        }
        // Up to 8 bits in up to 8 columns: every pattern's digits fit one 8-byte word, so encoding
        // is a lookup and a store.
        const int columns = columns_;  // a local, so that GCC sees digits[] stay in bounds
        if (weight_bits <= 8 && columns <= kSlack) {
            pattern_mask_ = (1u << weight_bits) - 1u;
            for (uint32_t pattern = 0; pattern <= pattern_mask_; ++pattern) {
                uint8_t digits[kSlack] = {};
                for (int j = 0; j < columns; ++j) digits[j] = digit(pattern, j);
                table_words_.push_back(word(digits));
            }
        }
    }

    // The values the kept digits of `channels` weights decode to: the weight (its low weight_bits
    // bits, sign-extended when signed, as the digits spell it) when all its columns are kept, 0
    // when none are. keep[c * columns + j] is 0xff where column j of channel c is kept.
    void decode_kept(const int32_t* weights, int channels, const uint8_t* keep, const ChannelKept* channel_kept,
                     bool any_partial, int32_t* values) const {
        const int unused_bits = 32 - weight_bits_;
        if (is_signed_) {
            for (int c = 0; c < channels; ++c) {
                const auto low = static_cast<int32_t>(static_cast<uint32_t>(weights[c]) << unused_bits);
                values[c] = (low >> unused_bits) & channel_kept[c];
            }
        } else {
            const auto low_bits = static_cast<int32_t>(0xffffffffu >> unused_bits);
            for (int c = 0; c < channels; ++c) values[c] = weights[c] & low_bits & channel_kept[c];
        }
        if (!any_partial) return;
        for (int c = 0; c < channels; ++c) {
            if (channel_kept[c] != kSome) continue;
            int32_t sum = 0;
            for (int j = 0; j < columns_; ++j) {
                sum += significance_[j] * (digit(static_cast<uint32_t>(weights[c]), j) & keep[c * columns_ + j]);
            }
            values[c] = sum;
        }
    }

    // Writes the digits of `channels` values to digits[c * columns + j], and may write up to
    // kSlack bytes past the last channel's.
    void encode(const int32_t* values, int channels, uint8_t* digits) const {
        if (table_words_.empty()) {
            for (int c = 0; c < channels; ++c) {
                for (int j = 0; j < columns_; ++j)
                    digits[c * columns_ + j] = digit(static_cast<uint32_t>(values[c]), j);
            }
            return;
        }
        // Locals, since stores through uint8_t* could alias the members for the compiler.
        const uint64_t* table_words = table_words_.data();
        const uint32_t pattern_mask = pattern_mask_;
        const int columns = columns_;
        for (int c = 0; c < channels; ++c) {
            // The next channel's store overwrites the bytes this one writes past its columns.
            std::memcpy(digits + c * columns, &table_words[static_cast<uint32_t>(values[c]) & pattern_mask],
                        sizeof(uint64_t));
        }
    }

private:
    uint8_t digit(uint32_t pattern, int j) const { return static_cast<uint8_t>((pattern >> shift_[j]) & width_[j]); }
    // Eight bytes as one word, in memory order.
    static uint64_t word(const uint8_t* bytes) {
        uint64_t w;
        std::memcpy(&w, bytes, sizeof w);
        return w;
    }

    int weight_bits_;
    bool is_signed_;
    int columns_;
    std::vector<int32_t> significance_;
    std::vector<int> shift_;
    std::vector<uint32_t> width_;
    uint32_t pattern_mask_ = 0;
    std::vector<uint64_t> table_words_;  // by the weight's low weight_bits bits
};

MvmCounts& MvmCounts::operator+=(const MvmCounts& other) {
    macs += other.macs;
    bitserial_cycles += other.bitserial_cycles;
    cell_operations += other.cell_operations;
    adc_conversions += other.adc_conversions;
    skipped_groups += other.skipped_groups;
    skipped_conversions += other.skipped_conversions;
    clipped_conversions += other.clipped_conversions;
    compute_cycles += other.compute_cycles;
    input_sum_bits += other.input_sum_bits;
    binary_corrections += other.binary_corrections;
    return *this;
}

bool MvmCounts::operator==(const MvmCounts& other) const {
    return macs == other.macs && bitserial_cycles == other.bitserial_cycles &&
           cell_operations == other.cell_operations && adc_conversions == other.adc_conversions &&
           skipped_groups == other.skipped_groups && skipped_conversions == other.skipped_conversions &&
           clipped_conversions == other.clipped_conversions && compute_cycles == other.compute_cycles &&
           input_sum_bits == other.input_sum_bits && binary_corrections == other.binary_corrections;
}

int decode_input(uint8_t byte, int bits, bool is_signed) {
    const int value = byte & ((1 << bits) - 1);
    return is_signed && (value >> (bits - 1)) != 0 ? value - (1 << bits) : value;
}

CimArray::CimArray(const CimGeometry& geometry)
    : geometry_(geometry),
      groups_(geometry.rows / geometry.max_active_wl),
      column_groups_(geometry.columns / geometry.columns_per_adc),
      groups_per_partition_(groups_ / geometry.partitions),
      cells_(static_cast<size_t>(geometry.rows) * geometry.columns, 0),
      kept_(static_cast<size_t>(groups_) * column_groups_, 1) {}

int CimArray::weight_columns(int weight_bits, bool is_signed) const {
    if (binary(weight_bits)) return 1;
    const int magnitude_bits = is_signed ? weight_bits - 1 : weight_bits;
    const int magnitude_columns = (magnitude_bits + geometry_.bits_per_cell - 1) / geometry_.bits_per_cell;
    return magnitude_columns + (is_signed ? 1 : 0);
}

int64_t CimArray::column_significance(int index, int weight_bits, bool is_signed) const {
    if (is_signed && index == weight_columns(weight_bits, is_signed) - 1) return -(int64_t{1} << (weight_bits - 1));
    return int64_t{1} << (index * geometry_.bits_per_cell);
}

const CimArray::DigitCoder& CimArray::coder_for(int weight_bits, bool is_signed) const {
    std::shared_ptr<const DigitCoder>& coder = coders_[{weight_bits, is_signed}];
    if (!coder) {
        std::vector<int32_t> significance(static_cast<size_t>(weight_columns(weight_bits, is_signed)));
        for (size_t j = 0; j < significance.size(); ++j) {
            significance[j] = static_cast<int32_t>(column_significance(static_cast<int>(j), weight_bits, is_signed));
        }
        coder = std::make_shared<const DigitCoder>(weight_bits, is_signed, geometry_.bits_per_cell, significance);
    }
    return *coder;
}

int CimArray::write_weights(int row_offset, int column_offset, int rows, int channels, int weight_bits, bool is_signed,
                            const int32_t* weights, const uint8_t* mask) {
    const int per_weight = weight_columns(weight_bits, is_signed);
    const int tile_columns = channels * per_weight;
    const Footprint f = footprint(geometry_, row_offset, rows, column_offset, tile_columns);
    const WrittenRows stored = mark_written_blocks(row_offset, rows, column_offset, tile_columns, mask);
    const DigitCoder& coder = coder_for(weight_bits, is_signed);
    // The words this write leaves in the cells: what the MVMs use, and what the cells are encoded
    // from when something reads them (settle_cells). A tile whose weights fit int16 goes straight
    // to the pair layout, two decoded rows at a time; any other keeps all its words.
    const bool narrow = fits_int16(weight_bits, is_signed);
    std::vector<int32_t> words;
    std::vector<int16_t> pairs;
    if (!narrow) {
        words = SpareBuffers::take(spares_->words);
        words.resize(static_cast<size_t>(rows) * channels);
    } else {
        pairs = SpareBuffers::take(spares_->narrow);
        pairs.resize(pair_layout_size(rows, channels));
        row_pair_.resize(2 * static_cast<size_t>(channels));
    }
    // Per word-line group: 0xff where a tile column's block is kept, else 0, and how much of each
    // channel is kept.
    std::vector<uint8_t> keep(static_cast<size_t>(tile_columns), 0);
    std::vector<ChannelKept> channel_kept(static_cast<size_t>(channels));
    const std::vector<std::pair<int, int>>& channel_groups = channel_column_groups(column_offset, channels, per_weight);
    const bool one_group_each = channels_in_one_group_;
    // Group by group (no division per row), then the group's rows.
    for (int group = f.first_group; group <= f.last_group; ++group) {
        const int row_begin = std::max(f.row_begin, group * geometry_.max_active_wl) - row_offset;
        const int row_end = std::min(f.row_end, (group + 1) * geometry_.max_active_wl) - row_offset;
        // Without branches on the kept flags (0 or 1): the blocks are random by design.
        const uint8_t* kept_in_group = &kept_[static_cast<size_t>(group) * column_groups_];
        uint8_t partial = 0;
        if (one_group_each) {
            for (int c = 0; c < channels; ++c) {
                channel_kept[c] = static_cast<ChannelKept>(-int32_t{kept_in_group[channel_groups[c].first]});
            }
        } else {
            for (int c = 0; c < channels; ++c) {
                uint8_t all = 1, any = 0;
                for (int q = channel_groups[c].first; q <= channel_groups[c].second; ++q) {
                    all &= kept_in_group[q];
                    any |= kept_in_group[q];
                }
                channel_kept[c] = all != 0 ? kAll : static_cast<ChannelKept>(any);  // kSome or kNone
                partial |= any & (all ^ 1);
            }
        }
        const bool any_partial = partial != 0;
        // Column by column: only the partial decode and binary tiles look at it.
        if (any_partial || binary(weight_bits)) {
            for (int q = f.first_column_group; q <= f.last_column_group; ++q) {
                const int begin = std::max(f.column_begin, q * geometry_.columns_per_adc) - column_offset;
                const int end = std::min(f.column_end, (q + 1) * geometry_.columns_per_adc) - column_offset;
                std::fill(&keep[begin], &keep[end], kept_in_group[q] != 0 ? 0xff : 0);
            }
        }
        for (int r = row_begin; r < row_end; ++r) {
            const int32_t* in = weights + static_cast<size_t>(r) * channels;
            int32_t* out = narrow ? row_pair_.data() + static_cast<size_t>(r % 2) * channels
                                  : words.data() + static_cast<size_t>(r) * channels;
            if (binary(weight_bits)) {
                for (int c = 0; c < channels; ++c) {
                    if (keep[c] != 0 && in[c] != 1 && in[c] != -1) {
                        throw std::invalid_argument("cim array: weights hold " + std::to_string(in[c]) + " at row " +
                                                    std::to_string(r) + ", channel " + std::to_string(c) +
                                                    "; 1-bit weights must be +1 or -1");
                    }
                    out[c] = keep[c] != 0 ? in[c] : 0;  // a skipped block holds no weight at all, not -1
                }
            } else {
                coder.decode_kept(in, channels, keep.data(), channel_kept.data(), any_partial, out);
            }
            if (narrow && (r % 2 == 1 || r == rows - 1)) {
                const int32_t* even = row_pair_.data();
                put_row_pair(even, r % 2 == 1 ? even + channels : nullptr, channels, static_cast<size_t>(r / 2), pairs);
            }
        }
    }
    keep_written_tile({row_offset, rows, column_offset, channels, 1, weight_bits, false, is_signed}, stored,
                      std::move(words), std::move(pairs));
    return stored.rows;
}

int CimArray::write_packed_weights(int row_offset, int column_offset, bool is_signed, const SparseTileLayout& layout,
                                   const uint8_t* bytes, size_t size, const std::vector<uint8_t>& mask) {
    const int rows = layout.rows(), channels = layout.channels(), weight_bits = layout.weight_bits();
    const int per_weight = weight_columns(weight_bits, is_signed);
    if (layout.weight_columns() != per_weight || layout.group_rows() != geometry_.max_active_wl ||
        layout.columns_per_adc() != geometry_.columns_per_adc) {
        throw std::invalid_argument("cim array: the sparse tile layout does not match the array's word-line groups, "
                                    "column groups or weight columns");
    }
    if (row_offset % geometry_.max_active_wl != 0 || column_offset % geometry_.columns_per_adc != 0) {
        throw std::invalid_argument("cim array: a masked tile must start on a word-line group and a column group");
    }
    channel_column_groups(column_offset, channels, per_weight);
    // Straight to the kernel's pair layout where that gives the cells write_weights would store: the
    // stream's sign-extended values are the weights (signed, not binary), and a pruned channel is
    // pruned in all its columns (no channel straddles two column groups).
    if (!is_signed || binary(weight_bits) || !fits_int16(weight_bits, is_signed) || !channels_in_one_group_) {
        unpacked_.resize(static_cast<size_t>(rows) * channels);
        layout.unpack(bytes, size, mask, unpacked_.data());
        return write_weights(row_offset, column_offset, rows, channels, weight_bits, is_signed, unpacked_.data(),
                             mask.data());
    }
    std::vector<int16_t> pairs = SpareBuffers::take(spares_->narrow);
    pairs.resize(pair_layout_size(rows, channels));
    // Decoded before anything changes, so that a stream the mask does not match changes nothing.
    layout.unpack_pairs(bytes, size, mask, pairs.data(), padded_channels(channels));
    const WrittenRows stored = mark_written_blocks(row_offset, rows, column_offset, channels * per_weight, mask.data());
    keep_written_tile({row_offset, rows, column_offset, channels, 1, weight_bits, false, is_signed}, stored, {},
                      std::move(pairs));
    return stored.rows;
}

int CimArray::write_dense_weights(int row_offset, int column_offset, int rows, int channels, int weight_bits,
                                  bool is_signed, const uint8_t* stream) {
    unpacked_.resize(static_cast<size_t>(rows) * channels);
    decode_weights(stream, unpacked_.size(), weight_bits, unpacked_.data());
    // The decoded values are the weights when they are signed, not binary, and fit int16: then they
    // go straight to the kernel's pair layout, with no per-row decode and no per-group bookkeeping.
    if (!is_signed || binary(weight_bits) || !fits_int16(weight_bits, is_signed)) {
        return write_weights(row_offset, column_offset, rows, channels, weight_bits, is_signed, unpacked_.data(),
                             nullptr);
    }
    std::vector<int16_t> pairs = SpareBuffers::take(spares_->narrow);
    pair_layout(unpacked_.data(), rows, channels, pairs);
    const int per_weight = weight_columns(weight_bits, is_signed);
    const WrittenRows stored = mark_written_blocks(row_offset, rows, column_offset, channels * per_weight, nullptr);
    keep_written_tile({row_offset, rows, column_offset, channels, 1, weight_bits, false, is_signed}, stored, {},
                      std::move(pairs));
    return stored.rows;
}

CimArray::WrittenRows CimArray::mark_written_blocks(int row_offset, int rows, int column_offset, int columns,
                                                    const uint8_t* mask) {
    const Footprint f = footprint(geometry_, row_offset, rows, column_offset, columns);
    forget_tiles_touching(f.row_begin, f.row_end, f.column_begin, f.column_end);
    const int mask_width = f.last_column_group - f.first_column_group + 1;
    WrittenRows stored;
    for (int g = f.first_group; g <= f.last_group; ++g) {
        uint8_t any_block = 0;
        for (int q = f.first_column_group; q <= f.last_column_group; ++q) {
            const uint8_t keep =
                mask == nullptr || mask[(g - f.first_group) * mask_width + (q - f.first_column_group)] != 0 ? 1 : 0;
            kept_[g * column_groups() + q] = keep;
            any_block |= keep;
        }
        if (any_block == 0) continue;
        // The group's tile rows, and the row pairs they are in: a write stores zeros in the blocks it
        // does not keep, so only these pairs need multiplying (a pair across two groups is live if
        // either group is).
        const int row_begin = std::max(f.row_begin, g * geometry_.max_active_wl);
        const int row_end = std::min(f.row_end, (g + 1) * geometry_.max_active_wl);
        stored.rows += row_end - row_begin;
        const int first = (row_begin - row_offset) / 2, end = row_pairs(row_end - row_offset);
        if (!stored.live_pairs.empty() && stored.live_pairs.back().second >= first) {
            stored.live_pairs.back().second = std::max(stored.live_pairs.back().second, end);
        } else {
            stored.live_pairs.emplace_back(first, end);
        }
    }
    return stored;
}

void CimArray::keep_written_tile(const MvmShape& written, const WrittenRows& stored, std::vector<int32_t> words,
                                 std::vector<int16_t> pairs) {
    DecodedTile decoded;
    decoded.rows = written.rows;
    decoded.channels = written.channels;
    decoded.words = std::move(words);
    if (!pairs.empty()) decoded.live_pairs = stored.live_pairs;
    decoded.narrow = std::move(pairs);
    decoded.unit = unit_counts(written);
    std::shared_ptr<const DecodedTile> tile = shared(std::move(decoded));
    decoded_.insert_or_assign(key_of(written), tile);
    defer_cells(key_of(written), std::move(tile));
}

void CimArray::defer_cells(const TileKey& key, std::shared_ptr<const DecodedTile> tile) {
    const auto covers = [this](const TileKey& outer, const TileKey& inner) {
        const auto [outer_row, outer_rows, outer_column, outer_channels, outer_bits, outer_signed] = outer;
        const auto [inner_row, inner_rows, inner_column, inner_channels, inner_bits, inner_signed] = inner;
        const int outer_end = outer_column + outer_channels * weight_columns(outer_bits, outer_signed);
        const int inner_end = inner_column + inner_channels * weight_columns(inner_bits, inner_signed);
        return outer_row <= inner_row && inner_row + inner_rows <= outer_row + outer_rows &&
               outer_column <= inner_column && inner_end <= outer_end;
    };
    // A write that this one overwrites entirely need never be encoded.
    pending_cells_.erase(std::remove_if(pending_cells_.begin(), pending_cells_.end(),
                                        [&](const PendingCells& p) { return covers(key, p.key); }),
                         pending_cells_.end());
    pending_cells_.push_back({key, std::move(tile)});
    if (pending_cells_.size() > kMaxPendingCells) settle_cells();
}

void CimArray::settle_cells() const {
    for (const PendingCells& p : pending_cells_) {
        const auto [row_offset, rows, column_offset, channels, weight_bits, is_signed] = p.key;
        uint8_t* first_row = cells_.data() + static_cast<size_t>(row_offset) * geometry_.columns + column_offset;
        const int32_t* words = words_of(*p.tile).data();
        if (binary(weight_bits)) {
            for (int r = 0; r < rows; ++r) {
                for (int c = 0; c < channels; ++c) {
                    first_row[static_cast<size_t>(r) * geometry_.columns + c] =
                        words[static_cast<size_t>(r) * channels + c] == 1 ? 1 : 0;
                }
            }
            continue;
        }
        const int per_weight = weight_columns(weight_bits, is_signed);
        const DigitCoder& coder = coder_for(weight_bits, is_signed);
        const size_t tile_columns = static_cast<size_t>(channels) * per_weight;
        std::vector<uint8_t> row_digits(tile_columns + DigitCoder::kSlack);
        for (int r = 0; r < rows; ++r) {
            coder.encode(words + static_cast<size_t>(r) * channels, channels, row_digits.data());
            std::memcpy(first_row + static_cast<size_t>(r) * geometry_.columns, row_digits.data(), tile_columns);
        }
    }
    pending_cells_.clear();
}

void CimArray::forget_tiles_touching(int row_begin, int row_end, int column_begin, int column_end) {
    const Footprint written =
        footprint(geometry_, row_begin, row_end - row_begin, column_begin, column_end - column_begin);
    for (auto it = decoded_.begin(); it != decoded_.end();) {
        const auto [row_offset, rows, column_offset, channels, weight_bits, is_signed] = it->first;
        const Footprint tile =
            footprint(geometry_, row_offset, rows, column_offset, channels * weight_columns(weight_bits, is_signed));
        const bool touched = tile.first_group <= written.last_group && written.first_group <= tile.last_group &&
                             tile.first_column_group <= written.last_column_group &&
                             written.first_column_group <= tile.last_column_group;
        it = touched ? decoded_.erase(it) : std::next(it);
    }
}

const std::vector<std::pair<int, int>>& CimArray::channel_column_groups(int column_offset, int channels,
                                                                        int per_weight) const {
    const std::tuple<int, int, int> tile{column_offset, channels, per_weight};
    if (tile == channel_groups_of_) return channel_groups_;
    channel_groups_.clear();
    for (int c = 0; c < channels; ++c) {
        const int first = column_offset + c * per_weight;
        channel_groups_.emplace_back(column_group_of(first), column_group_of(first + per_weight - 1));
    }
    channels_in_one_group_ =
        std::all_of(channel_groups_.begin(), channel_groups_.end(),
                    [](const std::pair<int, int>& groups) { return groups.first == groups.second; });
    const int column_end = column_offset + channels * per_weight;
    group_columns_.assign(static_cast<size_t>(column_groups_), 0);
    group_channels_.assign(static_cast<size_t>(column_groups_), 0);
    for (int q = column_group_of(column_offset); q <= column_group_of(column_end - 1); ++q) {
        group_columns_[static_cast<size_t>(q)] = static_cast<uint64_t>(
            overlap(column_offset, column_end, q * geometry_.columns_per_adc, (q + 1) * geometry_.columns_per_adc));
    }
    for (const auto& [first_group, last_group] : channel_groups_) {
        if (first_group == last_group) ++group_channels_[static_cast<size_t>(first_group)];
    }
    const auto first = static_cast<size_t>(column_group_of(column_offset));
    const auto last = static_cast<size_t>(column_group_of(column_end - 1));
    uniform_groups_ = channels_in_one_group_;
    for (size_t q = first; q <= last; ++q) {
        uniform_groups_ = uniform_groups_ && group_columns_[q] == group_columns_[first] &&
                          group_channels_[q] == group_channels_[first];
    }
    channel_groups_of_ = tile;
    return channel_groups_;
}

MvmCounts CimArray::count(const MvmShape& shape, uint64_t vectors) const {
    return scaled(unit_counts(shape), shape.input_bits, vectors);
}

MvmCounts CimArray::unit_counts(const MvmShape& shape) const {
    const int per_weight = weight_columns(shape.weight_bits, shape.signed_weights);
    const Footprint f =
        footprint(geometry_, shape.row_offset, shape.rows, shape.column_offset, shape.channels * per_weight);
    MvmCounts unit;
    partition_rounds_.assign(static_cast<size_t>(geometry_.partitions), 0);
    const std::vector<std::pair<int, int>>& channel_groups =
        channel_column_groups(shape.column_offset, shape.channels, per_weight);
    const bool one_group_each = channels_in_one_group_;
    // Kept blocks are random by design: the loops add masked amounts rather than branch on them.
    for (int g = f.first_group; g <= f.last_group; ++g) {
        const auto active_rows = static_cast<uint64_t>(
            overlap(f.row_begin, f.row_end, g * geometry_.max_active_wl, (g + 1) * geometry_.max_active_wl));
        const uint8_t* kept_in_group = &kept_[static_cast<size_t>(g) * column_groups_];
        int rounds = 0;
        uint64_t skipped = 0, kept_columns = 0, skipped_columns = 0, kept_channels = 0;
        if (uniform_groups_) {  // every column group alike: only how many are kept matters
            const int touched = f.last_column_group - f.first_column_group + 1;
            const uint64_t kept = count_ones(kept_in_group + f.first_column_group, touched);
            const uint64_t columns = group_columns_[static_cast<size_t>(f.first_column_group)];
            kept_columns = kept * columns;
            skipped = static_cast<uint64_t>(touched) - kept;
            skipped_columns = skipped * columns;
            rounds = kept > 0 ? static_cast<int>(columns) : 0;
            kept_channels = kept * group_channels_[static_cast<size_t>(f.first_column_group)];
        } else {
            for (int q = f.first_column_group; q <= f.last_column_group; ++q) {
                const uint64_t columns = group_columns_[static_cast<size_t>(q)];
                const uint64_t keep = kept_in_group[q] != 0 ? ~uint64_t{0} : 0;
                kept_columns += columns & keep;
                skipped_columns += columns & ~keep;
                skipped += 1 & ~keep;
                rounds = std::max(rounds, static_cast<int>(columns & keep));
                kept_channels += group_channels_[static_cast<size_t>(q)] & keep;  // channels in this group alone
            }
        }
        unit.adc_conversions += kept_columns;
        unit.cell_operations += active_rows * kept_columns;
        unit.skipped_groups += skipped;
        unit.skipped_conversions += skipped_columns;
        if (rounds > 0) {
            ++unit.bitserial_cycles;
            partition_rounds_[static_cast<size_t>(partition_of(g))] += static_cast<uint64_t>(rounds);
            if (binary(shape.weight_bits)) unit.input_sum_bits += active_rows;
        }
        if (skipped == 0) {  // every channel is kept in this group
            unit.macs += active_rows * static_cast<uint64_t>(shape.channels);
            continue;
        }
        if (!one_group_each) {  // a channel across column groups is kept when any of them is
            for (const auto& [first_group, last_group] : channel_groups) {
                if (first_group == last_group) continue;  // counted above
                uint8_t channel_kept = 0;
                for (int q = first_group; q <= last_group; ++q) channel_kept |= kept_in_group[q];
                kept_channels += channel_kept != 0 ? 1 : 0;
            }
        }
        unit.macs += active_rows * kept_channels;
    }
    unit.compute_cycles = *std::max_element(partition_rounds_.begin(), partition_rounds_.end());
    unit.binary_corrections = binary(shape.weight_bits) ? unit.adc_conversions : 0;
    return unit;
}

std::vector<int32_t> CimArray::weight_matrix(const MvmShape& shape) const {
    settle_cells();
    const int per_weight = weight_columns(shape.weight_bits, shape.signed_weights);
    std::vector<int32_t> weights(static_cast<size_t>(shape.rows) * shape.channels, 0);
    for (int r = 0; r < shape.rows; ++r) {
        const uint8_t* cells = cells_.data() + static_cast<size_t>(shape.row_offset + r) * geometry_.columns;
        const int group = (shape.row_offset + r) / geometry_.max_active_wl;
        for (int c = 0; c < shape.channels; ++c) {
            int64_t value = 0;
            if (binary(shape.weight_bits)) {
                // A skipped block holds no weight at all, not -1.
                const int column = shape.column_offset + c;
                value = kept(group, column_group_of(column)) ? 2 * cells[column] - 1 : 0;
            } else {
                for (int j = 0; j < per_weight; ++j) {
                    value += column_significance(j, shape.weight_bits, shape.signed_weights) *
                             cells[shape.column_offset + c * per_weight + j];
                }
            }
            weights[static_cast<size_t>(r) * shape.channels + c] = static_cast<int32_t>(value);
        }
    }
    return weights;
}

CimArray::TileKey CimArray::key_of(const MvmShape& shape) {
    return {shape.row_offset, shape.rows, shape.column_offset, shape.channels, shape.weight_bits, shape.signed_weights};
}

CimArray::DecodedTile CimArray::decoded_tile(const MvmShape& shape, std::vector<int32_t> words) const {
    DecodedTile tile;
    tile.rows = shape.rows;
    tile.channels = shape.channels;
    if (fits_int16(shape.weight_bits, shape.signed_weights)) {
        tile.narrow = SpareBuffers::take(spares_->narrow);
        pair_layout(words.data(), shape.rows, shape.channels, tile.narrow);
        tile.live_pairs = {{0, row_pairs(shape.rows)}};
    }
    tile.words = std::move(words);
    tile.unit = unit_counts(shape);
    return tile;
}

const std::vector<int32_t>& CimArray::words_of(const DecodedTile& tile) {
    if (tile.words.empty() && !tile.narrow.empty()) words_from_pairs(tile.narrow, tile.rows, tile.channels, tile.words);
    return tile.words;
}

std::shared_ptr<const CimArray::DecodedTile> CimArray::shared(DecodedTile tile) const {
    // The deleter holds the spares itself: tiles are dropped while the array's members go too.
    return std::shared_ptr<const DecodedTile>(new DecodedTile(std::move(tile)),
                                              [spares = spares_](const DecodedTile* dropped) {
                                                  std::unique_ptr<DecodedTile> owned(const_cast<DecodedTile*>(dropped));
                                                  spares->keep(std::move(owned->words), std::move(owned->narrow));
                                              });
}

const CimArray::DecodedTile& CimArray::tile_of(const MvmShape& shape) {
    const TileKey key = key_of(shape);
    auto found = decoded_.find(key);
    if (found == decoded_.end()) {
        found = decoded_.emplace(key, shared(decoded_tile(shape, weight_matrix(shape)))).first;
    }
    return *found->second;
}

const std::vector<int32_t>& CimArray::cached_weight_matrix(const MvmShape& shape) { return words_of(tile_of(shape)); }

template <class Sum>
MvmCounts CimArray::run_fast_into(const MvmShape& shape, uint64_t vectors, const uint8_t* inputs, Sum* sums) {
    const DecodedTile& tile = tile_of(shape);
    // int32 accumulation is exact while rows x max|input| x max|weight| stays below 2^31.
    const int64_t bound = int64_t{shape.rows} << (shape.input_bits + shape.weight_bits);
    if (bound >= (int64_t{1} << 31)) {
        dot_products<int64_t>(shape, words_of(tile).data(), vectors, inputs, sums);
    } else if (tile.narrow.empty()) {
        dot_products<int32_t>(shape, tile.words.data(), vectors, inputs, sums);
    } else {
        narrow_dot_products(shape, tile.narrow.data(), tile.live_pairs.data(), tile.live_pairs.size(), vectors, inputs,
                            sums);
    }
    return scaled(tile.unit, shape.input_bits, vectors);
}

MvmCounts CimArray::run_fast(const MvmShape& shape, uint64_t vectors, const uint8_t* inputs, int64_t* sums) {
    return run_fast_into(shape, vectors, inputs, sums);
}

MvmCounts CimArray::run_fast(const MvmShape& shape, uint64_t vectors, const uint8_t* inputs, int32_t* sums) {
    return run_fast_into(shape, vectors, inputs, sums);
}

MvmCounts CimArray::run_detailed(const MvmShape& shape, uint64_t vectors, const uint8_t* inputs, int64_t* sums) const {
    settle_cells();
    const int per_weight = weight_columns(shape.weight_bits, shape.signed_weights);
    const Footprint f =
        footprint(geometry_, shape.row_offset, shape.rows, shape.column_offset, shape.channels * per_weight);
    const int adc_max = (1 << geometry_.adc_bits) - 1;
    const int wl = geometry_.max_active_wl;
    const bool is_binary = binary(shape.weight_bits);
    MvmCounts counts;
    std::vector<uint64_t> partition_rounds(static_cast<size_t>(geometry_.partitions));
    std::vector<uint8_t> channel_kept(static_cast<size_t>(shape.channels));
    std::fill(sums, sums + vectors * static_cast<uint64_t>(shape.channels), 0);  // summed into below
    for (uint64_t v = 0; v < vectors; ++v) {
        const uint8_t* vector = inputs + v * static_cast<uint64_t>(shape.rows);
        int64_t* out = sums + v * static_cast<uint64_t>(shape.channels);
        for (int k = 0; k < shape.input_bits; ++k) {
            const int64_t plane =
                (shape.signed_inputs && k == shape.input_bits - 1) ? -(int64_t{1} << k) : (int64_t{1} << k);
            std::fill(partition_rounds.begin(), partition_rounds.end(), 0);
            for (int g = f.first_group; g <= f.last_group; ++g) {
                const int row_begin = std::max(f.row_begin, g * wl), row_end = std::min(f.row_end, (g + 1) * wl);
                std::fill(channel_kept.begin(), channel_kept.end(), 0);
                // Binary tiles: the popcount of the group's input bit plane, exact and digital.
                int active_ones = 0;
                if (is_binary) {
                    for (int row = row_begin; row < row_end; ++row) {
                        active_ones += (vector[row - shape.row_offset] >> k) & 1;
                    }
                }
                int rounds = 0;
                for (int q = f.first_column_group; q <= f.last_column_group; ++q) {
                    const int column_begin = std::max(f.column_begin, q * geometry_.columns_per_adc);
                    const int column_end = std::min(f.column_end, (q + 1) * geometry_.columns_per_adc);
                    if (!kept(g, q)) {
                        ++counts.skipped_groups;
                        counts.skipped_conversions += column_end - column_begin;
                        continue;
                    }
                    rounds = std::max(rounds, column_end - column_begin);
                    for (int column = column_begin; column < column_end; ++column) {
                        // The bit line sums the cells whose word line carries a 1 in this bit plane.
                        int column_sum = 0;
                        for (int row = row_begin; row < row_end; ++row) {
                            const int input_bit = (vector[row - shape.row_offset] >> k) & 1;
                            column_sum += input_bit * cells_[static_cast<size_t>(row) * geometry_.columns + column];
                        }
                        counts.cell_operations += row_end - row_begin;
                        ++counts.adc_conversions;
                        if (!geometry_.adc_ideal && column_sum > adc_max) {
                            column_sum = adc_max;
                            ++counts.clipped_conversions;
                        }
                        const int channel = (column - shape.column_offset) / per_weight;
                        const int index = (column - shape.column_offset) % per_weight;
                        if (is_binary) {
                            out[channel] += plane * (2 * column_sum - active_ones);
                            ++counts.binary_corrections;
                        } else {
                            out[channel] += plane *
                                            column_significance(index, shape.weight_bits, shape.signed_weights) *
                                            column_sum;
                        }
                        channel_kept[channel] = 1;
                    }
                }
                if (rounds > 0) {
                    ++counts.bitserial_cycles;
                    partition_rounds[partition_of(g)] += rounds;
                    if (is_binary) counts.input_sum_bits += row_end - row_begin;
                }
                if (k == 0) {
                    for (int c = 0; c < shape.channels; ++c) counts.macs += channel_kept[c] ? row_end - row_begin : 0;
                }
            }
            counts.compute_cycles += *std::max_element(partition_rounds.begin(), partition_rounds.end());
        }
    }
    return counts;
}

}  // namespace cimvp
