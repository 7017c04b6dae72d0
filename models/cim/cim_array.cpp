#include "models/cim/cim_array.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace cimvp {

namespace {

// The part of [begin, end) inside [low, high).
int overlap(int begin, int end, int low, int high) { return std::max(0, std::min(end, high) - std::max(begin, low)); }

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

// sums[v][c] += sum_r x[v][r] * w[r][c], exact in Accumulator (int32 when the bound allows, else int64).
// Rows are the outer loop so that the inner one runs over a contiguous weight row and vectorises.
template <class Accumulator>
void dot_products(const MvmShape& shape, const int32_t* weights, uint64_t vectors, const uint8_t* inputs,
                  int64_t* sums) {
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
        int64_t* out = sums + v * static_cast<uint64_t>(channels);
        for (int channel = 0; channel < channels; ++channel) out[channel] += acc[channel];
    }
}

}  // namespace

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
      cells_(static_cast<size_t>(geometry.rows) * geometry.columns, 0),
      kept_(static_cast<size_t>(geometry.rows / geometry.max_active_wl) * (geometry.columns / geometry.columns_per_adc),
            1) {}

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

int CimArray::write_weights(int row_offset, int column_offset, int rows, int channels, int weight_bits, bool is_signed,
                            const int32_t* weights, const uint8_t* mask) {
    decoded_.clear();
    const int per_weight = weight_columns(weight_bits, is_signed);
    const Footprint f = footprint(geometry_, row_offset, rows, column_offset, channels * per_weight);
    const int mask_width = f.last_column_group - f.first_column_group + 1;
    for (int g = f.first_group; g <= f.last_group; ++g) {
        for (int q = f.first_column_group; q <= f.last_column_group; ++q) {
            const bool keep =
                mask == nullptr || mask[(g - f.first_group) * mask_width + (q - f.first_column_group)] != 0;
            kept_[g * column_groups() + q] = keep ? 1 : 0;
        }
    }
    const int bits = geometry_.bits_per_cell;
    const int magnitude_bits = is_signed ? weight_bits - 1 : weight_bits;
    int rows_written = 0;
    for (int r = 0; r < rows; ++r) {
        const int row = row_offset + r;
        const int group = row / geometry_.max_active_wl;
        bool row_kept = false;
        for (int q = f.first_column_group; q <= f.last_column_group; ++q) row_kept = row_kept || kept(group, q);
        rows_written += row_kept ? 1 : 0;
        uint8_t* cells = cells_.data() + static_cast<size_t>(row) * geometry_.columns;
        for (int c = 0; c < channels; ++c) {
            const auto pattern = static_cast<uint32_t>(weights[static_cast<size_t>(r) * channels + c]);
            for (int j = 0; j < per_weight; ++j) {
                const int column = column_offset + c * per_weight + j;
                const bool column_kept = kept(group, column_group_of(column));
                uint32_t digit = 0;
                if (binary(weight_bits)) {
                    const int32_t value = weights[static_cast<size_t>(r) * channels + c];
                    if (column_kept && value != 1 && value != -1) {
                        throw std::invalid_argument("cim array: weights hold " + std::to_string(value) + " at row " +
                                                    std::to_string(r) + ", channel " + std::to_string(c) +
                                                    "; 1-bit weights must be +1 or -1");
                    }
                    digit = value == 1 ? 1u : 0u;
                } else if (is_signed && j == per_weight - 1) {
                    digit = (pattern >> (weight_bits - 1)) & 1u;
                } else {
                    const int width = std::min(bits, magnitude_bits - j * bits);
                    digit = (pattern >> (j * bits)) & ((1u << width) - 1u);
                }
                cells[column] = column_kept ? static_cast<uint8_t>(digit) : 0;
            }
        }
    }
    return rows_written;
}

MvmCounts CimArray::count(const MvmShape& shape, uint64_t vectors) const {
    const int per_weight = weight_columns(shape.weight_bits, shape.signed_weights);
    const Footprint f =
        footprint(geometry_, shape.row_offset, shape.rows, shape.column_offset, shape.channels * per_weight);
    MvmCounts bit;  // per vector and input bit
    uint64_t macs = 0;
    std::vector<uint64_t> partition_rounds(static_cast<size_t>(geometry_.partitions), 0);
    for (int g = f.first_group; g <= f.last_group; ++g) {
        const int active_rows =
            overlap(f.row_begin, f.row_end, g * geometry_.max_active_wl, (g + 1) * geometry_.max_active_wl);
        int rounds = 0;
        for (int q = f.first_column_group; q <= f.last_column_group; ++q) {
            const int columns = overlap(f.column_begin, f.column_end, q * geometry_.columns_per_adc,
                                        (q + 1) * geometry_.columns_per_adc);
            if (kept(g, q)) {
                bit.adc_conversions += columns;
                bit.cell_operations += static_cast<uint64_t>(active_rows) * columns;
                rounds = std::max(rounds, columns);
            } else {
                ++bit.skipped_groups;
                bit.skipped_conversions += columns;
            }
        }
        if (rounds > 0) {
            ++bit.bitserial_cycles;
            partition_rounds[partition_of(g)] += rounds;
            if (binary(shape.weight_bits)) bit.input_sum_bits += active_rows;
        }
        for (int c = 0; c < shape.channels; ++c) {
            const int first = shape.column_offset + c * per_weight;
            bool channel_kept = false;
            for (int q = column_group_of(first); q <= column_group_of(first + per_weight - 1); ++q) {
                channel_kept = channel_kept || kept(g, q);
            }
            macs += channel_kept ? active_rows : 0;
        }
    }
    bit.compute_cycles = *std::max_element(partition_rounds.begin(), partition_rounds.end());
    const uint64_t steps = vectors * static_cast<uint64_t>(shape.input_bits);
    MvmCounts total;
    total.macs = macs * vectors;
    total.bitserial_cycles = bit.bitserial_cycles * steps;
    total.cell_operations = bit.cell_operations * steps;
    total.adc_conversions = bit.adc_conversions * steps;
    total.skipped_groups = bit.skipped_groups * steps;
    total.skipped_conversions = bit.skipped_conversions * steps;
    total.compute_cycles = bit.compute_cycles * steps;
    total.input_sum_bits = bit.input_sum_bits * steps;
    total.binary_corrections = binary(shape.weight_bits) ? total.adc_conversions : 0;
    return total;
}

std::vector<int32_t> CimArray::weight_matrix(const MvmShape& shape) const {
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

const std::vector<int32_t>& CimArray::cached_weight_matrix(const MvmShape& shape) {
    const auto key = std::make_tuple(shape.row_offset, shape.rows, shape.column_offset, shape.channels,
                                     shape.weight_bits, shape.signed_weights);
    auto found = decoded_.find(key);
    if (found == decoded_.end()) found = decoded_.emplace(key, weight_matrix(shape)).first;
    return found->second;
}

MvmCounts CimArray::run_fast(const MvmShape& shape, const std::vector<int32_t>& weights, uint64_t vectors,
                             const uint8_t* inputs, int64_t* sums) const {
    // int32 accumulation is exact while rows x max|input| x max|weight| stays below 2^31.
    const int64_t bound = int64_t{shape.rows} << (shape.input_bits + shape.weight_bits);
    if (bound < (int64_t{1} << 31)) {
        dot_products<int32_t>(shape, weights.data(), vectors, inputs, sums);
    } else {
        dot_products<int64_t>(shape, weights.data(), vectors, inputs, sums);
    }
    return count(shape, vectors);
}

MvmCounts CimArray::run_detailed(const MvmShape& shape, uint64_t vectors, const uint8_t* inputs, int64_t* sums) const {
    const int per_weight = weight_columns(shape.weight_bits, shape.signed_weights);
    const Footprint f =
        footprint(geometry_, shape.row_offset, shape.rows, shape.column_offset, shape.channels * per_weight);
    const int adc_max = (1 << geometry_.adc_bits) - 1;
    const int wl = geometry_.max_active_wl;
    const bool is_binary = binary(shape.weight_bits);
    MvmCounts counts;
    std::vector<uint64_t> partition_rounds(static_cast<size_t>(geometry_.partitions));
    std::vector<uint8_t> channel_kept(static_cast<size_t>(shape.channels));
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
