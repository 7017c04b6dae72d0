#include "firmware/compiler/ir/shape_rules.h"

#include <algorithm>
#include <stdexcept>

namespace cimvp::ir::shape_rules {

void fail(const Node& node, const std::string& message) { throw std::runtime_error(node.describe() + ": " + message); }

void check_attributes(const Node& node, const std::set<std::string>& known) {
    for (const auto& entry : node.attributes) {
        if (!known.count(entry.first)) {
            throw UnsupportedError(node.describe() + ": unsupported attribute '" + entry.first + "'");
        }
    }
}

void check_arity(const Node& node, const Inputs& inputs, std::size_t min_inputs, std::size_t max_inputs,
                 std::size_t max_outputs) {
    if (inputs.size() < min_inputs || inputs.size() > max_inputs) {
        fail(node, "takes " + std::to_string(min_inputs) + " to " + std::to_string(max_inputs) + " inputs, got " +
                       std::to_string(inputs.size()));
    }
    for (std::size_t i = 0; i < min_inputs; ++i) {
        if (inputs[i] == nullptr) fail(node, "input " + std::to_string(i) + " is required");
    }
    if (node.outputs.empty()) fail(node, "has no output");
    for (std::size_t i = max_outputs; i < node.outputs.size(); ++i) {
        if (!node.outputs[i].empty()) {
            throw UnsupportedError(node.describe() + ": unsupported optional output " + std::to_string(i) + " ('" +
                                   node.outputs[i] + "')");
        }
    }
}

void require_float(const Node& node, const Inputs& inputs, const char* implemented) {
    for (const Tensor* input : inputs) {
        if (input && input->type != DataType::kFloat32) {
            throw UnsupportedError(node.describe() + ": unsupported input type " + to_string(input->type) + " ('" +
                                   input->name + "'); " + implemented + " implemented");
        }
    }
}

int64_t normalize_axis(const Node& node, int64_t axis, std::size_t rank, std::size_t extra) {
    const auto count = static_cast<int64_t>(rank);
    if (axis < -count || axis >= count + static_cast<int64_t>(extra)) {
        fail(node, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    }
    return axis < 0 ? axis + count : axis;
}

std::vector<Tensor> one_output(const Node& node, DataType type, Shape shape) {
    return {Tensor(node.outputs[0], type, std::move(shape))};
}

std::vector<int64_t> constant_ints(const Node& node, const Tensor& operand) {
    if (!operand.has_data() && operand.element_count() != 0) {
        throw UnsupportedError(node.describe() + ": unsupported non-constant operand '" + operand.name + "'");
    }
    if (operand.type != DataType::kInt64) fail(node, "operand '" + operand.name + "' must be int64");
    return operand.as_int64s();
}

std::vector<SliceAxis> slice_axes(const Node& node, const Inputs& inputs) {
    const Shape& shape = inputs[0]->shape;
    std::vector<SliceAxis> result(shape.size());
    for (std::size_t i = 0; i < shape.size(); ++i) result[i] = {0, 1, shape[i]};
    const auto starts = constant_ints(node, *inputs[1]);
    const auto ends = constant_ints(node, *inputs[2]);
    std::vector<int64_t> axes(starts.size());
    for (std::size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
    if (inputs.size() > 3 && inputs[3]) axes = constant_ints(node, *inputs[3]);
    std::vector<int64_t> steps(starts.size(), 1);
    if (inputs.size() > 4 && inputs[4]) steps = constant_ints(node, *inputs[4]);
    if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size()) {
        fail(node, "starts, ends, axes and steps differ in length");
    }
    std::vector<bool> seen(shape.size(), false);
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const auto axis = static_cast<std::size_t>(normalize_axis(node, axes[i], shape.size()));
        if (seen[axis]) fail(node, "axis " + std::to_string(axes[i]) + " is sliced twice");
        seen[axis] = true;
        const int64_t dim = shape[axis];
        const int64_t step = steps[i];
        if (step == 0) fail(node, "step cannot be 0");
        int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
        int64_t end = ends[i] < 0 ? ends[i] + dim : ends[i];
        // Out-of-range bounds clamp; a negative step walks from start down to just above end.
        if (step > 0) {
            start = std::clamp<int64_t>(start, 0, dim);
            end = std::clamp<int64_t>(end, 0, dim);
        } else {
            start = std::clamp<int64_t>(start, 0, dim - 1);
            end = std::clamp<int64_t>(end, -1, dim - 1);
        }
        const int64_t span = step > 0 ? end - start : start - end;
        const int64_t stride = step > 0 ? step : -step;
        result[axis] = {start, step, span > 0 ? (span + stride - 1) / stride : 0};
    }
    return result;
}

std::vector<bool> reduced_axes(const Node& node, const Inputs& inputs) {
    const std::size_t rank = inputs[0]->shape.size();
    std::vector<int64_t> axes = node.attribute_ints("axes", {});
    const bool axes_input = inputs.size() > 1 && inputs[1];
    if (axes_input) axes = constant_ints(node, *inputs[1]);
    const bool noop = node.attribute_int("noop_with_empty_axes", 0) != 0;
    std::vector<bool> reduced(rank, axes.empty() && !noop);
    for (int64_t axis : axes) reduced[static_cast<std::size_t>(normalize_axis(node, axis, rank))] = true;
    return reduced;
}

}  // namespace cimvp::ir::shape_rules
