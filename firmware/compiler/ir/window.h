// The sliding-window geometry of Conv and pooling nodes, resolved once from the ONNX attributes
// (kernel_shape, strides, dilations, pads, auto_pad, ceil_mode) for a given input shape.
#pragma once

#include <cstdint>
#include <vector>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::ir {

struct WindowGeometry {
    std::vector<int64_t> kernel;     // per spatial axis
    std::vector<int64_t> strides;    // per spatial axis
    std::vector<int64_t> dilations;  // per spatial axis
    std::vector<int64_t> pad_begin;  // per spatial axis
    std::vector<int64_t> pad_end;    // per spatial axis
    std::vector<int64_t> input;      // spatial input sizes
    std::vector<int64_t> output;     // spatial output sizes
};

// `input` is the N x C x spatial... data shape. `kernel` is the spatial kernel size (from the
// weight for Conv, from kernel_shape for pooling). Throws std::runtime_error naming the node when the
// attributes are inconsistent or the output would be empty.
WindowGeometry resolve_window(const Node& node, const Shape& input, const std::vector<int64_t>& kernel);

// The same for ConvTranspose, where `input` is the small side and `output` the large one:
// output = stride * (input - 1) + output_padding + dilated kernel - pads, unless `output_shape` (or
// auto_pad SAME_*, giving input * stride) fixes the output and the pads follow from it.
WindowGeometry resolve_transposed_window(const Node& node, const Shape& input, const std::vector<int64_t>& kernel);

}  // namespace cimvp::ir
