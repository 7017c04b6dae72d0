// Pass: CIMPool weight-pool compression of the quantized graph (docs/ir.md, "Weight-pool layers").
//
// Every pooled QConv/QGemm weight is cut, per output channel k and kernel row u, into the segments
// of pool_segments.h; each segment is replaced by the index of one vector of a single network-wide
// pool, plus an optional 1-bit error term per weight:
//     w[k, c, u, v] = a * pool[idx[k, u, s]][i - offset_s] + b * error[k, c, u, v],   i = v * C + c,
// with per-layer integers a, b and one per-tensor weight scale q. The node keeps its op type and its
// dense int8 weight (exactly that tensor), so every other consumer keeps working.
//
// Algorithm (all in float on the dequantized weights W = w_int * s_w[k]):
// - Vectors. Each layer's weights are divided by the layer's mean |W|, so one pool fits layers of
//   any scale; segments shorter than L are compared only on their own length (zero padded).
// - Pool. Seeded k-means on the normalised vectors of all pooled layers (a seeded sample of at most
//   64 * N vectors, so ResNet-18 ImageNet stays fast), initialised with N sampled vectors. The
//   centres are then formatted: binary = sign (0 -> +1), the mean scaling folded into the per-layer
//   scale a; int / full = symmetric rounding to +-(2^(bits-1)-1) of the largest centre entry.
// - Refinement, a few rounds of: assignment with the layer's current pool scale alpha (squared
//   error, which for a binary pool is maximal correlation), alpha by least squares, and a pool
//   update (the alpha-weighted mean of the vectors assigned to each entry, formatted again).
//   non_repeating solves one linear assignment per (kernel row, segment, group of N output
//   channels), so a group uses distinct entries; kmeans takes the nearest entry.
// - Error term. Signs of the residual W - alpha * pool (0 -> +1). Blocks of error_group_rows span
//   rows x error_group_channels output channels, aligned, partial at the ends; the
//   ceil(error_keep * blocks) blocks of largest residual L1 are kept (ties: lower block number).
// - Integers. The pair (a, b), a >= 1, b >= 0, |a| * max|pool| + |b| <= 127, and the scale q that
//   together minimise ||W - q (a pool + b error)||_2 are found by trying every pair (q is the least-
//   squares scale of each). This joint fit replaces separate float scales (least-squares alpha, mean
//   |residual| for the error) that would then be rounded to integers of the wrong ratio.
//   The bias is re-quantized to s_in * q and the requantization recomputed.
// Deterministic for a config (its seed included) on one build: random numbers come from
// zoo::SeededRandom, never a std distribution.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "firmware/compiler/ir/graph.h"
#include "firmware/compiler/passes/pool_segments.h"

namespace cimvp::passes {

enum class PoolAssignment { kKmeans, kNonRepeating };         // "kmeans", "non_repeating"
enum class PoolFormat { kBinary, kInteger, kFullPrecision };  // "binary", "int", "full" (8-bit integers)

struct WeightPoolConfig {
    int vector_length = 128;  // L
    int pool_size = 128;      // N
    PoolAxis axis = PoolAxis::kKernelRow;
    PoolAssignment assignment = PoolAssignment::kNonRepeating;
    PoolFormat format = PoolFormat::kBinary;
    int pool_bits = 4;          // kInteger only (2..8); kFullPrecision stores 8-bit integers
    bool error_term = true;     // 1-bit error term per weight
    double error_keep = 0.5;    // share of error-term blocks kept (structured pruning), (0, 1]
    int error_group_rows = 16;  // block = error_group_rows consecutive span rows x error_group_channels channels
    int error_group_channels = 8;
    bool first_and_last_dense = true;  // first conv and last QGemm stay ordinary QConv/QGemm
    uint64_t seed = 1;
};

// Throws std::runtime_error with one line naming the first bad field.
void validate(const WeightPoolConfig& config);
// Throw std::runtime_error listing the valid names for an unknown one.
// Bits of one pool index stored compactly: ceil(log2(pool_size)).
int pool_index_bits(int64_t pool_size);

PoolAssignment parse_pool_assignment(const std::string& name);
PoolFormat parse_pool_format(const std::string& name);
std::string to_string(PoolAssignment assignment);
std::string to_string(PoolFormat format);
// Bits of one stored pool entry: 1 (binary), pool_bits (int), 8 (full).
int pool_entry_bits(const WeightPoolConfig& config);

struct LayerPoolReport {
    std::string layer;
    bool pooled = false;
    std::string dense_reason;  // why a layer stays dense; empty when pooled
    int64_t weights = 0;
    int64_t index_bits = 0;          // ceil(log2 N) per (k, u, s)
    int64_t error_bits = 0;          // error bits kept (pruned blocks cost none)
    int64_t mask_bits = 0;           // one per error block when error_keep < 1
    int64_t scale_bits = 0;          // a and b, 8 bits each (b only with the error term)
    double effective_bits = 0.0;     // (index + error + mask + scale) / weights; a dense layer: its weight bits
    double relative_error = 0.0;     // ||W - W_hat||_2 / ||W||_2 in float, W = dequantized input weights
    double weight_square_sum = 0.0;  // ||W||^2 and ||W - W_hat||^2, to combine layers
    double error_square_sum = 0.0;
};

struct WeightPoolReport {
    std::vector<LayerPoolReport> layers;  // every QConv and QGemm, in node order
    int64_t pool_bits = 0;                // N * L * entry bits, counted once; 0 when no layer is pooled
    int64_t pooled_weights = 0;
    // (sum of pooled layers' bits + pool_bits) / pooled weights.
    double effective_bits_per_weight() const;
    // ||W - W_hat|| / ||W|| over all pooled weights together.
    double relative_error() const;
};

struct PooledGraph {
    ir::Graph graph;
    WeightPoolReport report;
};

// Throws std::runtime_error for a bad config, a graph that already has a "weight_pool", a weight that
// is not an int8 constant, or a pooled layer whose accumulator could overflow int32.
PooledGraph weight_pool(ir::Graph quantized, const WeightPoolConfig& config);

}  // namespace cimvp::passes
