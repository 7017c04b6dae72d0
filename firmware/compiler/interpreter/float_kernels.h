// The float kernels of the standard operators, by op type; float_interpreter.cpp starts its
// kernel table from these.
#pragma once

#include <map>
#include <string>

#include "firmware/compiler/interpreter/float_interpreter.h"

namespace cimvp::ir {

// Elementwise, normalization, matrix and data-movement operators (float_kernels.cpp).
std::map<std::string, FloatKernel> standard_float_kernels();
// Sliding-window operators: Conv and the pools (float_window_kernels.cpp).
std::map<std::string, FloatKernel> window_float_kernels();

// The node's output tensors with shapes from shape inference and zeroed data.
std::vector<Tensor> allocate_outputs(const Node& node, const std::vector<const Tensor*>& inputs);

}  // namespace cimvp::ir
