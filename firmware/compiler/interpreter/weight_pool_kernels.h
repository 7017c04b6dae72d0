// The integer kernel of a weight-pool QConv/QGemm (docs/ir.md, "Weight-pool layers"): the
// accumulators come from the pool, the indices and the error term as the CIMPool chip forms them,
// not from the layer's dense weight. Per kernel row and segment every pool vector's dot product
// with the input slice is computed once and routed to the output channels that index it.
#pragma once

#include <cstdint>
#include <vector>

#include "firmware/compiler/interpreter/integer_kernels.h"
#include "firmware/compiler/ir/graph.h"
#include "firmware/compiler/passes/pool_segments.h"

namespace cimvp::interpreter {

struct PooledWeights {
    int64_t out_channels = 0, channels = 0, kernel_h = 1, kernel_w = 1;  // the weight as [K, C, kh, kw]
    std::vector<passes::SpanSegment> segments;                           // of one kernel row
    PackedMatrix pool;                                                   // N x L
    std::vector<int32_t> indices;                                        // [K, kh, S]
    int64_t pool_scale = 0, error_scale = 0;                             // a, b
    PackedMatrix error;  // K x (C kh kw) in weight order; no rows without an error term

    int64_t depth() const { return channels * kernel_h * kernel_w; }
};

// Reads and checks the pool tensors a pooled node names. Throws std::runtime_error naming the node
// for a missing tensor, a wrong shape or type, or an index outside the pool.
PooledWeights load_pooled_weights(const ir::Graph& graph, const ir::Node& node);

// accumulators[k * columns + p] = a * sum over (u, s) of pool[idx[k, u, s]] . slice(p, u, s)
//                               + b * error[k] . patch(p)      (bias not included)
// `patches` holds `columns` patches in weight order (c, u, v), each padded_depth(depth()) long, as
// gather_patches writes them.
void pooled_accumulators(const PooledWeights& weights, const int16_t* patches, int64_t columns, int32_t* accumulators);

}  // namespace cimvp::interpreter
