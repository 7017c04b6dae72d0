// Static shape inference over a whole graph. Each op type has a shape function; later operators
// register their own with register_shape_function, so this file needs no change for them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::ir {

// Output tensors (name, type and shape; no data) of `node` given its input tensors. An absent
// optional input is nullptr. Inputs that are constants carry their data, so a shape function can
// read, e.g., Reshape's target shape. Throws std::runtime_error naming the node on bad input.
using ShapeFunction = std::function<std::vector<Tensor>(const Node& node, const std::vector<const Tensor*>& inputs)>;

void register_shape_function(const std::string& op_type, ShapeFunction function);
bool has_shape_function(const std::string& op_type);

// Output tensors of one node; throws naming the node when its op type has no shape function.
std::vector<Tensor> infer_node_outputs(const Node& node, const std::vector<const Tensor*>& inputs);

// Pass: fills graph.values for every node output from the graph input value infos and the
// initializers. Value infos that already exist keep their quantization parameters.
Graph infer_shapes(Graph graph);

// Shape of a numpy-style broadcast of `a` and `b`; throws std::runtime_error when they do not broadcast.
Shape broadcast_shapes(const Shape& a, const Shape& b);

// Output size of a sliding window along one axis (conv and pooling).
int64_t pooled_size(int64_t input, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin, int64_t pad_end,
                    bool ceil_mode);

}  // namespace cimvp::ir
