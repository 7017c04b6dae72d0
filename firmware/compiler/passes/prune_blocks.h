// Pass: MARS structured pruning of the quantized graph. It zeroes whole blocks of weights that map
// onto one (word-line group, column group) block of an SRAM CIM macro, so the macro can skip them
// and the compressed weight image (models/cim/sparse_tile.h) can leave them out.
//
// Blocks. A QConv weight [K, C, kh, kw] (group == 1) is laid into macro rows tap by tap: for tap
// (u, v) the C input channels are consecutive rows, so a word-line group is `group_rows`
// consecutive input channels of one tap. Output channels fill the columns, `group_channels` of
// them per column group. A block is therefore one tap (u, v) x input channels
// [g * group_rows, (g + 1) * group_rows) x output channels [q * group_channels, (q + 1) * group_channels).
// A QGemm weight [M, F] is the 1 x 1 case with K = M, C = F. Blocks are numbered tap-major, then
// g, then q: index = ((u * kw + v) * (C / group_rows) + g) * (K / group_channels) + q.
//
// Choice. Per layer, the floor(sparsity x blocks) blocks with the smallest L1 norm are zeroed; among
// equal norms the lower block index goes first. Layers whose C is not a multiple of group_rows or
// whose K is not a multiple of group_channels (the first conv with C = 3, say), and grouped convs,
// stay dense and are reported with the reason.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::passes {

struct PruneConfig {
    int group_rows = 16;     // input channels per word-line group: the macro's max_active_wl
    int group_channels = 1;  // output channels per column group: columns_per_adc / weight columns, >= 1
    double sparsity = 0.5;   // share of each layer's blocks to zero, in [0, 1)
};

// Throws std::runtime_error with one line naming the first field out of range.
void validate(const PruneConfig& config);

struct LayerPruning {
    std::string layer;           // the QConv/QGemm node's name
    int64_t blocks = 0;          // 0 for a layer left dense
    int64_t pruned_blocks = 0;   // floor(sparsity x blocks)
    int64_t weights = 0;         // all weights of the layer
    int64_t weights_zeroed = 0;  // weights inside the pruned blocks: pruned_blocks x block size
    std::string dense_reason;    // why the layer stays dense; empty when it was pruned
};

struct PruneReport {
    std::vector<LayerPruning> layers;  // every QConv and QGemm, in node order
    int64_t weights = 0;               // all QConv/QGemm weights of the network
    int64_t zero_weights = 0;          // those that are zero after pruning (pruned or already zero)
    double weight_sparsity() const { return weights > 0 ? static_cast<double>(zero_weights) / weights : 0.0; }
};

struct PrunedGraph {
    ir::Graph graph;
    PruneReport report;
};

// Zeroes blocks of the int8 weight initializers of QConv (group == 1) and QGemm. Throws
// std::runtime_error for a bad config or a weight that is not an int8 initializer of the expected rank.
PrunedGraph prune_blocks(ir::Graph graph, const PruneConfig& config);

}  // namespace cimvp::passes
