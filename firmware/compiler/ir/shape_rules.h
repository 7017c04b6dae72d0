// Checks and helpers shared by the shape functions of every operator family.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::ir::shape_rules {

using Inputs = std::vector<const Tensor*>;

// Throws std::runtime_error "OP 'name': message".
[[noreturn]] void fail(const Node& node, const std::string& message);

// Attributes outside `known` change semantics in ways we do not implement: rejected, never ignored.
void check_attributes(const Node& node, const std::set<std::string>& known);

// Input count within [min_inputs, max_inputs], the first min_inputs present, and no used output past
// max_outputs (an optional output we do not compute is rejected as unsupported).
void check_arity(const Node& node, const Inputs& inputs, std::size_t min_inputs, std::size_t max_inputs,
                 std::size_t max_outputs);

// Every present input is float32; other types are unsupported. `implemented` names, for the message,
// the types the operator does run on.
void require_float(const Node& node, const Inputs& inputs, const char* implemented = "only float32 is");

// Normalizes an axis in [-rank, rank + extra) to [0, rank + extra); negative axes count from the end.
int64_t normalize_axis(const Node& node, int64_t axis, std::size_t rank, std::size_t extra = 0);

// The values of a constant int64 operand (an axes, pads or shape input); unsupported when not constant.
std::vector<int64_t> constant_ints(const Node& node, const Tensor& operand);

// Per input axis, the elements a Slice takes: start, step and count (the whole axis when not sliced).
struct SliceAxis {
    int64_t start = 0;
    int64_t step = 1;
    int64_t count = 0;
};
std::vector<SliceAxis> slice_axes(const Node& node, const Inputs& inputs);

// Per input axis, whether a Reduce* node reduces it (axes from the attribute or, for ReduceSum, the input).
std::vector<bool> reduced_axes(const Node& node, const Inputs& inputs);

std::vector<Tensor> one_output(const Node& node, DataType type, Shape shape);

}  // namespace cimvp::ir::shape_rules
