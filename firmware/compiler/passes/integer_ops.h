// The integer operator set produced by quantization (docs/ir.md defines each one exactly).
//
//   QConv, QGemm          int8 weights, int32 bias, int32 accumulation, per-output-channel requantization
//   QRelu                 requantization to an unsigned range (a ReLU that was not fused)
//   QAdd                  two inputs, each scaled by its own multiplier, one shared shift
//   QGlobalAveragePool,   window sum in int32, then requantization that includes the 1/count factor
//   QAveragePool
//   QMaxPool              integer maximum, scale unchanged
// Every requantizing op carries attributes `multiplier` and `shift` (ints; one per output channel for
// QConv/QGemm, one otherwise; QAdd has `multiplier_a`, `multiplier_b`) and `out_min`/`out_max`, the
// saturation bounds. Flatten, Reshape, Concat and Identity keep their ONNX names and move integers
// unchanged. This file registers the shape and MAC functions of the Q ops with the IR.
#pragma once

#include <string>

#include "firmware/compiler/ir/graph.h"
#include "firmware/compiler/passes/requantize.h"

namespace cimvp::passes {

// The IR element type that holds values of `quant` (int8, uint8, or int32 for wider outputs).
ir::DataType storage_type(const ir::QuantParams& quant);

// Per-tensor quantization parameters of an activation.
ir::QuantParams activation_quant(int bits, bool is_signed, double scale);

// Sets `multiplier`, `shift`, `out_min` and `out_max` of a requantizing node from the scales of its
// inputs, weights and output recorded in the graph's quantization parameters.
void set_requantization(const ir::Graph& graph, ir::Node& node);

// The requantizer of output channel `channel` (0 for per-tensor ops) stored in `multiplier`/`shift`.
Requantizer requantizer_of(const ir::Node& node, std::size_t channel);

}  // namespace cimvp::passes
