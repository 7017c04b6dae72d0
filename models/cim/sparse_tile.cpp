#include "models/cim/sparse_tile.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace cimvp {

namespace {

[[noreturn]] void misuse(const std::string& field, const std::string& problem) {
    throw std::invalid_argument("sparse tile: " + field + " " + problem);
}

void require_positive(const char* field, int value) {
    if (value < 1) misuse(field, "must be at least 1 (is " + std::to_string(value) + ")");
}

void store_weight(int32_t value, int width, uint8_t* bytes) {
    // Signed or unsigned, a stored weight must fit its bytes: [-2^(8w-1), 2^(8w) - 1].
    const int64_t low = -(int64_t{1} << (8 * width - 1)), high = (int64_t{1} << (8 * width)) - 1;
    if (value < low || value > high) {
        misuse("weights",
               "hold " + std::to_string(value) + ", beyond " + std::to_string(width) + " byte(s) per weight");
    }
    bytes[0] = static_cast<uint8_t>(value);
    if (width == 2) bytes[1] = static_cast<uint8_t>(static_cast<uint32_t>(value) >> 8);
}

int32_t load_weight(const uint8_t* bytes, int width) {
    if (width == 1) return static_cast<int8_t>(bytes[0]);
    return static_cast<int16_t>(static_cast<uint16_t>(bytes[0] | (bytes[1] << 8)));
}

}  // namespace

int bytes_per_weight(int weight_bits) { return weight_bits <= 8 ? 1 : 2; }

std::vector<uint8_t> encode_weights(const std::vector<int32_t>& weights, int weight_bits) {
    const int width = bytes_per_weight(weight_bits);
    std::vector<uint8_t> bytes(weights.size() * width);
    for (size_t i = 0; i < weights.size(); ++i) {
        store_weight(weights[i], width, bytes.data() + i * width);
    }
    return bytes;
}

std::vector<int32_t> decode_weights(const uint8_t* bytes, size_t count, int weight_bits) {
    const int width = bytes_per_weight(weight_bits);
    std::vector<int32_t> weights(count);
    for (size_t i = 0; i < count; ++i) weights[i] = load_weight(bytes + i * width, width);
    return weights;
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
    if (weight_bits < 1 || weight_bits > 16) {
        misuse("weight_bits", "must be 1 to 16 (is " + std::to_string(weight_bits) + ")");
    }
    if (rows % group_rows != 0) {
        misuse("rows",
               "(" + std::to_string(rows) + ") must be a multiple of group_rows (" + std::to_string(group_rows) + ")");
    }
    if (channels * weight_columns % columns_per_adc != 0) {
        misuse("channels", "x weight_columns (" + std::to_string(channels * weight_columns) +
                               ") must be a multiple of columns_per_adc (" + std::to_string(columns_per_adc) + ")");
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

std::vector<uint8_t> SparseTileLayout::kept_table(const std::vector<uint8_t>& mask) const {
    check_mask(mask);
    std::vector<uint8_t> table(static_cast<size_t>(groups()) * channels_);
    for (int g = 0; g < groups(); ++g) {
        for (int c = 0; c < channels_; ++c) table[static_cast<size_t>(g) * channels_ + c] = kept_unchecked(mask, g, c);
    }
    return table;
}

int SparseTileLayout::kept_channels(const std::vector<uint8_t>& mask, int group) const {
    int kept = 0;
    for (int c = 0; c < channels_; ++c) kept += channel_kept(mask, group, c) ? 1 : 0;
    return kept;
}

size_t SparseTileLayout::packed_bytes(const std::vector<uint8_t>& mask) const {
    const std::vector<uint8_t> table = kept_table(mask);
    const size_t kept = static_cast<size_t>(std::count(table.begin(), table.end(), 1));
    return kept * static_cast<size_t>(group_rows_) * bytes_per_weight(weight_bits_);
}

std::vector<uint8_t> SparseTileLayout::pack(const std::vector<int32_t>& weights,
                                            const std::vector<uint8_t>& mask) const {
    if (weights.size() != static_cast<size_t>(rows_) * channels_) {
        misuse("weights", "have " + std::to_string(weights.size()) + " values, not rows x channels");
    }
    const int width = bytes_per_weight(weight_bits_);
    std::vector<uint8_t> bytes(packed_bytes(mask));
    const std::vector<uint8_t> kept = kept_table(mask);
    uint8_t* out = bytes.data();
    for (int r = 0; r < rows_; ++r) {
        for (int c = 0; c < channels_; ++c) {
            if (!kept[static_cast<size_t>(r / group_rows_) * channels_ + c]) continue;
            store_weight(weights[static_cast<size_t>(r) * channels_ + c], width, out);
            out += width;
        }
    }
    return bytes;
}

std::vector<int32_t> SparseTileLayout::unpack(const std::vector<uint8_t>& bytes,
                                              const std::vector<uint8_t>& mask) const {
    if (bytes.size() != packed_bytes(mask)) {
        misuse("bytes",
               "are " + std::to_string(bytes.size()) + ", the mask implies " + std::to_string(packed_bytes(mask)));
    }
    const int width = bytes_per_weight(weight_bits_);
    const std::vector<uint8_t> kept = kept_table(mask);
    std::vector<int32_t> weights(static_cast<size_t>(rows_) * channels_, 0);
    const uint8_t* in = bytes.data();
    for (int r = 0; r < rows_; ++r) {
        for (int c = 0; c < channels_; ++c) {
            if (!kept[static_cast<size_t>(r / group_rows_) * channels_ + c]) continue;
            weights[static_cast<size_t>(r) * channels_ + c] = load_weight(in, width);
            in += width;
        }
    }
    return weights;
}

}  // namespace cimvp
