// The float reference interpreter: runs a graph on float32 inputs and returns its outputs.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::ir {

using TensorMap = std::map<std::string, Tensor>;

// Computes a node's outputs (with data) from its inputs (with data; nullptr for an absent
// optional input). Throws std::runtime_error naming the node on bad input.
using FloatKernel = std::function<std::vector<Tensor>(const Node& node, const std::vector<const Tensor*>& inputs)>;

void register_float_kernel(const std::string& op_type, FloatKernel kernel);
bool has_float_kernel(const std::string& op_type);

// Runs one node's kernel; throws UnsupportedError naming the node when its op type has none.
std::vector<Tensor> run_float_node(const Node& node, const std::vector<const Tensor*>& inputs);

// Sees every node's outputs as they are computed (e.g. to calibrate activation ranges).
using NodeObserver = std::function<void(const Node& node, const std::vector<Tensor>& outputs)>;

// Runs `graph` (nodes in topological order) on `inputs`, keyed by graph input name; every graph
// input must be given. Returns the graph outputs by name. Throws std::runtime_error on a missing
// input, a shape that differs from the graph's value info, or an op without a kernel.
TensorMap run_float(const Graph& graph, const TensorMap& inputs, const NodeObserver& observer = {});

}  // namespace cimvp::ir
