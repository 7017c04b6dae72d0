#include "firmware/backend/conv_mapping.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "firmware/compiler/ir/window.h"

namespace cimvp::backend {

int64_t weight_columns(int weight_bits, int bits_per_cell) {
    return 1 + (weight_bits - 1 + bits_per_cell - 1) / bits_per_cell;
}

ConvShape conv_shape_of(const ir::Node& node, const ir::Graph& graph) {
    ConvShape shape;
    const ir::Shape& x = graph.tensor(node.input(0)).shape;
    const ir::Shape& w = graph.tensor(node.input(1)).shape;
    const ir::Shape& y = graph.tensor(node.outputs.at(0)).shape;
    if (node.op_type == "QGemm") {
        shape.in_channels = w[1];
        shape.out_channels = w[0];
        return shape;
    }
    if (node.attribute_int("group", 1) != 1) throw ir::UnsupportedError(node.describe() + ": grouped convs are not mapped");
    const ir::WindowGeometry window = ir::resolve_window(node, x, {w[2], w[3]});
    shape.in_channels = x[1];
    shape.height = x[2];
    shape.width = x[3];
    shape.out_channels = y[1];
    shape.out_height = y[2];
    shape.out_width = y[3];
    shape.kernel_h = w[2];
    shape.kernel_w = w[3];
    if (window.dilations[0] != 1 || window.dilations[1] != 1) {
        throw ir::UnsupportedError(node.describe() + ": dilated convs are not mapped");
    }
    shape.stride_h = window.strides[0];
    shape.stride_w = window.strides[1];
    shape.pad_top = window.pad_begin[0];
    shape.pad_left = window.pad_begin[1];
    shape.pad_bottom = window.pad_end[0];
    shape.pad_right = window.pad_end[1];
    return shape;
}

namespace {

bool uniform_cores(const Target& target) {
    for (const CoreTarget& core : target.cores) {
        if (core.macros.size() != target.cores.front().macros.size()) return false;
    }
    return true;
}

// A piece of one kernel row's weight rows.
struct RowTile {
    int64_t kernel_row, span_start, rows;
};

// Deals row tiles out to `slots` macros so that the most rows any macro multiplies is small: a
// column tile's MVMs over a band end when its busiest slot's do. Largest first, each to the slot
// with the fewest rows so far (the lowest such slot on a tie).
std::vector<int> balance_rows(const std::vector<RowTile>& row_tiles, int slots) {
    std::vector<size_t> by_rows(row_tiles.size());
    for (size_t i = 0; i < by_rows.size(); ++i) by_rows[i] = i;
    std::stable_sort(by_rows.begin(), by_rows.end(),
                     [&](size_t a, size_t b) { return row_tiles[a].rows > row_tiles[b].rows; });
    std::vector<int64_t> rows_of_slot(static_cast<size_t>(slots), 0);
    std::vector<int> slot_of(row_tiles.size(), 0);
    for (size_t i : by_rows) {
        const auto least = std::min_element(rows_of_slot.begin(), rows_of_slot.end());
        slot_of[i] = static_cast<int>(least - rows_of_slot.begin());
        *least += row_tiles[i].rows;
    }
    return slot_of;
}

}  // namespace

bool replicas_possible(const Target& target, int replicas) {
    if (replicas == 1) return true;  // the plain mapping
    return replicas > 1 && target.cores.size() % static_cast<size_t>(replicas) == 0 && uniform_cores(target);
}

ConvMapping map_conv(const ConvShape& shape, const Target& target, int weight_bits, bool align_groups, int replicas) {
    if (!replicas_possible(target, replicas)) {
        throw std::invalid_argument("map_conv: the cores do not split into " + std::to_string(replicas) + " equal groups");
    }
    const CimGeometry& g = target.geometry();
    ConvMapping mapping;
    mapping.weight_bits = weight_bits;
    mapping.replicas = replicas;
    mapping.channels_per_tile = g.columns / weight_columns(weight_bits, g.bits_per_cell);
    if (mapping.channels_per_tile == 0) {
        throw ir::UnsupportedError("a " + std::to_string(weight_bits) + "-bit weight needs more than the macro's " +
                                   std::to_string(g.columns) + " columns");
    }
    const int64_t column_tiles = (shape.out_channels + mapping.channels_per_tile - 1) / mapping.channels_per_tile;
    const int macros = target.macro_count() / replicas;  // of one replica: its first cores

    // Row tiles of one column tile: each kernel row's span in pieces of at most `rows`, whole
    // word-line groups when aligning (the last piece takes the rest).
    int64_t piece = g.rows;
    if (align_groups) piece -= piece % g.max_active_wl;
    std::vector<RowTile> row_tiles;
    for (int64_t u = 0; u < shape.kernel_h; ++u) {
        for (int64_t start = 0; start < shape.span(); start += piece) {
            row_tiles.push_back({u, start, std::min(piece, shape.span() - start)});
        }
    }

    // When there are fewer column tiles than macros, each column tile gets `slots` macros of one
    // core, which share its row tiles and sum into separate partial sums that the vector unit adds
    // up. Groups of `slots` macros never straddle a core.
    const int column_count = static_cast<int>(column_tiles);
    mapping.slots = 1;
    const size_t per_core = target.cores.front().macros.size();
    if (uniform_cores(target)) {
        for (int k = std::min<int>(static_cast<int>(row_tiles.size()), macros / column_count); k > 1; --k) {
            if (per_core % static_cast<size_t>(k) == 0) {
                mapping.slots = k;
                break;
            }
        }
    }
    const int groups = macros / mapping.slots;
    const std::vector<int> slot_of_row_tile = balance_rows(row_tiles, mapping.slots);

    // Column tile j goes to macro group j * groups / column_tiles (spread out when there are fewer
    // tiles than groups, in contiguous runs when there are more).
    struct Assignment {
        int column_tile, slot;
        size_t row_tile;
    };
    std::vector<std::vector<Assignment>> work_of_macro(static_cast<size_t>(macros));
    for (int j = 0; j < column_count; ++j) {
        const int group = static_cast<int>(int64_t{j} * groups / column_count);
        for (size_t i = 0; i < row_tiles.size(); ++i) {
            const int slot = slot_of_row_tile[i];
            work_of_macro[static_cast<size_t>(group * mapping.slots + slot)].push_back({j, slot, i});
        }
    }
    // First fit: a tile goes into the first pass with room for it. Any order of a column tile's
    // row tiles gives the same sums, so tiles may share passes freely.
    auto align = [&](int64_t row, const RowTile& row_tile) {
        if (!align_groups || row_tile.rows % g.max_active_wl != 0) return row;
        return (row + g.max_active_wl - 1) / g.max_active_wl * g.max_active_wl;
    };
    for (int m = 0; m < macros; ++m) {
        if (work_of_macro[static_cast<size_t>(m)].empty()) continue;
        ++mapping.macros_used;
        std::vector<int64_t> rows_used;  // per pass
        for (const Assignment& work : work_of_macro[static_cast<size_t>(m)]) {
            const RowTile& row_tile = row_tiles[work.row_tile];
            size_t pass = 0;
            while (pass < rows_used.size() && align(rows_used[pass], row_tile) + row_tile.rows > g.rows) ++pass;
            if (pass == rows_used.size()) rows_used.push_back(0);
            WeightTile tile;
            tile.column_tile = work.column_tile;
            tile.slot = work.slot;
            tile.first_channel = work.column_tile * mapping.channels_per_tile;
            tile.channels = std::min(mapping.channels_per_tile, shape.out_channels - tile.first_channel);
            tile.kernel_row = row_tile.kernel_row;
            tile.span_start = row_tile.span_start;
            tile.rows = row_tile.rows;
            tile.macro = m;
            tile.pass = static_cast<int>(pass);
            tile.row_offset = align(rows_used[pass], row_tile);
            rows_used[pass] = tile.row_offset + tile.rows;
            mapping.tiles.push_back(tile);
        }
        mapping.passes = std::max(mapping.passes, static_cast<int>(rows_used.size()));
    }
    // The other replicas hold the same tiles in the same places of their own macros.
    const size_t one_replica = mapping.tiles.size();
    for (int r = 1; r < replicas; ++r) {
        for (size_t t = 0; t < one_replica; ++t) {
            WeightTile tile = mapping.tiles[t];
            tile.replica = r;
            tile.macro += r * macros;
            mapping.tiles.push_back(tile);
        }
    }
    mapping.macros_used *= replicas;

    // Each core computes the channels of the column tiles its macros hold.
    mapping.cores.assign(target.cores.size(), CoreChannels{});
    const std::vector<int> core_of_macro = target.core_of_macro();
    for (const WeightTile& tile : mapping.tiles) {
        CoreChannels& core = mapping.cores[static_cast<size_t>(core_of_macro[static_cast<size_t>(tile.macro)])];
        if (core.channels == 0) core.first_channel = tile.first_channel;
        core.channels = std::max(core.channels, tile.first_channel + tile.channels - core.first_channel);
    }
    return mapping;
}

}  // namespace cimvp::backend
