// A per-layer table of a graph: op, shapes, parameters, MACs and weight bytes, with totals.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::ir {

struct LayerSummary {
    std::string name;
    std::string op_type;
    Shape input_shape;         // of the first input
    Shape output_shape;        // of the first output
    int64_t params = 0;        // elements of the node's constant inputs
    int64_t weight_bytes = 0;  // their storage, at `quant.bits` per element when quantized
    int64_t macs = 0;
};

struct GraphSummary {
    std::vector<LayerSummary> layers;
    int64_t total_params = 0;
    int64_t total_weight_bytes = 0;
    int64_t total_macs = 0;
};

// Multiply-accumulates of one node; graph.values must hold its shapes (run infer_shapes first).
using MacFunction = std::function<int64_t(const Node& node, const Graph& graph)>;
void register_mac_function(const std::string& op_type, MacFunction function);

// Summarizes a graph whose shapes are inferred. Ops without a MAC function count 0 MACs.
GraphSummary summarize(const Graph& graph);
// The table as aligned text, one line per layer, then a totals line.
std::string format_summary(const GraphSummary& summary);

}  // namespace cimvp::ir
