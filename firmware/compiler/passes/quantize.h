// Pass: turns a float graph (batch norm already folded) into the integer graph of integer_ops.h.
//
// Weights are quantized symmetrically per output channel to `weight_bits`; activations per tensor
// to `activation_bits` with the calibrated magnitudes, unsigned where the value is a ReLU output
// (or a pooling/reshape of one) and signed elsewhere; biases to int32 at the accumulator's scale.
// Graph inputs become integer inputs (see quantize_input), graph outputs are `output_bits` wide.
// The mapping is one node to one node; fuse_relu then merges ReLUs into their producers.
#pragma once

#include "firmware/compiler/ir/graph.h"
#include "firmware/compiler/passes/calibrate.h"
#include "firmware/compiler/passes/quantization_config.h"

namespace cimvp::passes {

// Throws std::runtime_error naming the node for an operator or form that has no integer
// semantics (e.g. an unfolded BatchNormalization, a broadcasting Add).
ir::Graph quantize(const ir::Graph& graph, const ActivationRanges& ranges, const QuantConfig& config);

// The integer tensor of a float input: q = clamp(round_half_away(x / scale)) with `quant`'s range.
// This float step happens once, where data enters the integer graph.
ir::Tensor quantize_input(const ir::Tensor& input, const ir::QuantParams& quant);
// real = scale * q, for reading integer outputs.
ir::Tensor dequantize_output(const ir::Tensor& output);

}  // namespace cimvp::passes
