// How one conv or fully connected layer is cut into weight tiles and spread over the chip's macros.
//
// A kernel row u of a conv reads, for each output pixel, kw * C consecutive input bytes of the
// HWC input (kw pixels, channels innermost). So the weight rows of one kernel row are the
// (v, c) pairs in that order, and one MVM with a strided input covers every output pixel of a band.
// Those rows are cut into row tiles of at most the macro's rows; output channels are cut into
// column tiles of as many channels as the macro's columns hold. Each column tile belongs to a group
// of `slots` macros in one core; each macro of the group adds up its share of the row tiles in
// order into its own partial sums, so partial sums never race between macros, and the vector unit
// adds the slots together. Consecutive column tiles go to the same core, so each core owns a
// contiguous channel range.
// A macro whose tiles do not fit its rows at once runs several weight-reload passes.
//
// A layer whose tiles need only some of the cores can be replicated: the cores split into
// `replicas` equal groups, each holds a copy of the weights, and the layer's bands are dealt out
// to the groups round-robin, so that every group computes a different band at the same time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "firmware/backend/target.h"
#include "firmware/compiler/ir/graph.h"

namespace cimvp::backend {

// The geometry of a QConv, or of a QGemm seen as a 1x1 conv over one pixel.
struct ConvShape {
    int64_t in_channels = 0, height = 1, width = 1;
    int64_t out_channels = 0, out_height = 1, out_width = 1;
    int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
    int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;

    // Stride 1: one MVM covers a whole band, computing the pixels that wrap around the row ends
    // too (they are never written back). Otherwise one MVM per output row.
    bool flat() const { return stride_h == 1 && stride_w == 1; }
    int64_t span() const { return kernel_w * in_channels; }  // weight rows per kernel row
};

// Throws ir::UnsupportedError for grouped or dilated convs and anything else the mapping lacks.
ConvShape conv_shape_of(const ir::Node& node, const ir::Graph& graph);

// One weight tile: output channels [first_channel, +channels) x rows [span_start, +rows) of kernel
// row `kernel_row`, stored in `macro` at `row_offset` during `pass`.
struct WeightTile {
    int column_tile = 0;
    int slot = 0;  // which of the column tile's partial-sum buffers this tile adds into
    int replica = 0;  // which copy of the layer's weights (the cores' group) holds it
    int64_t first_channel = 0, channels = 0;
    int64_t kernel_row = 0, span_start = 0, rows = 0;
    int macro = 0;  // index over the chip's macros, core by core
    int pass = 0;
    int64_t row_offset = 0;
};

struct CoreChannels {
    int64_t first_channel = 0;
    int64_t channels = 0;  // 0: the core has no work in this layer
};

struct ConvMapping {
    int weight_bits = 8;
    int64_t channels_per_tile = 0;
    int slots = 1;  // macros (and partial-sum buffers) per column tile
    std::vector<WeightTile> tiles;      // by replica, macro, then column tile and kernel row
    std::vector<CoreChannels> cores;    // per core of the target
    int passes = 1;                     // the most weight-reload passes any macro needs
    int macros_used = 0;                // of every replica
    int replicas = 1;                   // replica r uses cores [r, r + 1) * cores / replicas

    // The replica core `core` belongs to.
    int replica_of_core(size_t core, size_t core_count) const {
        return static_cast<int>(core / (core_count / static_cast<size_t>(replicas)));
    }
};

// `align_groups`: tiles whose rows are whole word-line groups start on a group boundary, so that
// a MARS block mask can describe them. `replicas` > 1 needs cores of equal macro counts, as many
// of them as a multiple of `replicas` (replicas_possible).
ConvMapping map_conv(const ConvShape& shape, const Target& target, int weight_bits, bool align_groups,
                     int replicas = 1);

// Whether the target's cores can be split into `replicas` groups of equal size and macro count.
bool replicas_possible(const Target& target, int replicas);

// Columns one signed weight of `weight_bits` takes (CimArray's rule: a sign column plus the rest).
int64_t weight_columns(int weight_bits, int bits_per_cell);

}  // namespace cimvp::backend
