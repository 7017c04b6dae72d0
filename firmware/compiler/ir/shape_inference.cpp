#include "firmware/compiler/ir/shape_inference.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "firmware/compiler/ir/window.h"

namespace cimvp::ir {

namespace {

using Inputs = std::vector<const Tensor*>;

[[noreturn]] void fail(const Node& node, const std::string& message) {
    throw std::runtime_error(node.describe() + ": " + message);
}

// Attributes outside `known` change semantics in ways we do not implement: reject, never ignore.
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

void require_float(const Node& node, const Inputs& inputs) {
    for (const Tensor* input : inputs) {
        if (input && input->type != DataType::kFloat32) {
            throw UnsupportedError(node.describe() + ": unsupported input type " + to_string(input->type) + " ('" +
                                   input->name + "'); only float32 is implemented");
        }
    }
}

// Normalizes an axis in [-rank, rank + extra) to [0, rank + extra); negative axes count from the end.
int64_t normalize_axis(const Node& node, int64_t axis, std::size_t rank, std::size_t extra = 0) {
    const auto count = static_cast<int64_t>(rank);
    if (axis < -count || axis >= count + static_cast<int64_t>(extra)) {
        fail(node, "axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    }
    return axis < 0 ? axis + count : axis;
}

std::vector<Tensor> one_output(const Node& node, DataType type, Shape shape) {
    return {Tensor(node.outputs[0], type, std::move(shape))};
}

ShapeFunction same_shape_float(std::set<std::string> attributes) {
    return [attributes](const Node& node, const Inputs& inputs) {
        check_attributes(node, attributes);
        check_arity(node, inputs, 1, 1, 1);
        require_float(node, inputs);
        return one_output(node, DataType::kFloat32, inputs[0]->shape);
    };
}

std::vector<Tensor> identity_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {});
    check_arity(node, inputs, 1, 1, 1);
    return one_output(node, inputs[0]->type, inputs[0]->shape);
}

std::vector<Tensor> clip_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"min", "max"});  // attributes before opset 11, inputs from 11 on
    check_arity(node, inputs, 1, 3, 1);
    require_float(node, inputs);
    for (std::size_t i = 1; i < inputs.size(); ++i) {
        if (inputs[i] && element_count(inputs[i]->shape) != 1) fail(node, "min and max must be scalars");
    }
    return one_output(node, DataType::kFloat32, inputs[0]->shape);
}

std::vector<Tensor> softmax_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"axis"});
    check_arity(node, inputs, 1, 1, 1);
    require_float(node, inputs);
    normalize_axis(node, node.attribute_int("axis", -1), inputs[0]->shape.size());
    return one_output(node, DataType::kFloat32, inputs[0]->shape);
}

std::vector<Tensor> dropout_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"seed", "ratio"});
    // Inference form only: the mask output and a training_mode input are rejected.
    check_arity(node, inputs, 1, 2, 1);
    require_float(node, inputs);
    return one_output(node, DataType::kFloat32, inputs[0]->shape);
}

std::vector<Tensor> batch_norm_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"epsilon", "momentum", "training_mode"});
    check_arity(node, inputs, 5, 5, 1);
    require_float(node, inputs);
    if (node.attribute_int("training_mode", 0) != 0) {
        throw UnsupportedError(node.describe() + ": unsupported training_mode=1");
    }
    const Shape& x = inputs[0]->shape;
    if (x.size() < 2) fail(node, "input must have a channel axis, got " + to_string(x));
    for (std::size_t i = 1; i < 5; ++i) {
        if (inputs[i]->shape != Shape{x[1]}) {
            fail(node, "'" + inputs[i]->name + "' has shape " + to_string(inputs[i]->shape) + ", expected " +
                           std::to_string(x[1]));
        }
    }
    return one_output(node, DataType::kFloat32, x);
}

std::vector<Tensor> conv_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
    check_arity(node, inputs, 2, 3, 1);
    require_float(node, inputs);
    const Shape& x = inputs[0]->shape;
    const Shape& w = inputs[1]->shape;
    if (w.size() != x.size() || x.size() < 3) {
        fail(node, "input " + to_string(x) + " and weight " + to_string(w) + " must both be N x C x spatial");
    }
    const int64_t group = node.attribute_int("group", 1);
    if (group < 1 || x[1] % group != 0 || w[0] % group != 0 || w[1] * group != x[1]) {
        fail(node, "input channels " + std::to_string(x[1]) + ", weight " + to_string(w) + " and group " +
                       std::to_string(group) + " do not match");
    }
    const std::vector<int64_t> kernel(w.begin() + 2, w.end());
    if (node.has_attribute("kernel_shape") && node.attribute_ints("kernel_shape", {}) != kernel) {
        fail(node, "kernel_shape differs from the weight shape " + to_string(w));
    }
    if (inputs.size() > 2 && inputs[2] && inputs[2]->shape != Shape{w[0]}) {
        fail(node, "bias has shape " + to_string(inputs[2]->shape) + ", expected " + std::to_string(w[0]));
    }
    const WindowGeometry window = resolve_window(node, x, kernel);
    Shape y = {x[0], w[0]};
    y.insert(y.end(), window.output.begin(), window.output.end());
    return one_output(node, DataType::kFloat32, y);
}

ShapeFunction pool_shape(std::set<std::string> attributes) {
    return [attributes](const Node& node, const Inputs& inputs) {
        check_attributes(node, attributes);
        check_arity(node, inputs, 1, 1, 1);
        require_float(node, inputs);
        if (node.attribute_int("storage_order", 0) != 0) {
            throw UnsupportedError(node.describe() + ": unsupported storage_order=1");
        }
        if (!node.has_attribute("kernel_shape")) fail(node, "'kernel_shape' is required");
        const Shape& x = inputs[0]->shape;
        const WindowGeometry window = resolve_window(node, x, node.attribute_ints("kernel_shape", {}));
        Shape y = {x[0], x[1]};
        y.insert(y.end(), window.output.begin(), window.output.end());
        return one_output(node, DataType::kFloat32, y);
    };
}

std::vector<Tensor> global_pool_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {});
    check_arity(node, inputs, 1, 1, 1);
    require_float(node, inputs);
    Shape y = inputs[0]->shape;
    if (y.size() < 3) fail(node, "input " + to_string(y) + " has no spatial axes");
    std::fill(y.begin() + 2, y.end(), 1);
    return one_output(node, DataType::kFloat32, y);
}

std::vector<Tensor> broadcast_binary_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {});
    check_arity(node, inputs, 2, 2, 1);
    require_float(node, inputs);
    try {
        return one_output(node, DataType::kFloat32, broadcast_shapes(inputs[0]->shape, inputs[1]->shape));
    } catch (const std::runtime_error& error) {
        fail(node, error.what());
    }
}

std::vector<Tensor> concat_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"axis"});
    check_arity(node, inputs, 1, std::max<std::size_t>(1, inputs.size()), 1);
    if (!node.has_attribute("axis")) fail(node, "'axis' is required");
    const Tensor& first = *inputs[0];
    const int64_t axis = normalize_axis(node, node.attribute_int("axis", 0), first.shape.size());
    Shape y = first.shape;
    y[static_cast<std::size_t>(axis)] = 0;
    for (const Tensor* input : inputs) {
        if (!input) fail(node, "inputs cannot be absent");
        if (input->type != first.type) fail(node, "inputs have different types");
        Shape rest = input->shape;
        if (rest.size() != y.size()) fail(node, "inputs have different ranks");
        y[static_cast<std::size_t>(axis)] += rest[static_cast<std::size_t>(axis)];
        rest[static_cast<std::size_t>(axis)] = 0;
        Shape expected = first.shape;
        expected[static_cast<std::size_t>(axis)] = 0;
        if (rest != expected) fail(node, "input " + to_string(input->shape) + " differs off the concat axis");
    }
    return one_output(node, first.type, y);
}

std::vector<Tensor> flatten_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"axis"});
    check_arity(node, inputs, 1, 1, 1);
    const Shape& x = inputs[0]->shape;
    const auto axis = static_cast<std::size_t>(normalize_axis(node, node.attribute_int("axis", 1), x.size(), 1));
    const int64_t outer = element_count(Shape(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(axis)));
    const int64_t inner = element_count(Shape(x.begin() + static_cast<std::ptrdiff_t>(axis), x.end()));
    return one_output(node, inputs[0]->type, {outer, inner});
}

std::vector<Tensor> reshape_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"allowzero"});
    check_arity(node, inputs, 2, 2, 1);
    const Tensor& target = *inputs[1];
    if (!target.has_data()) {
        throw UnsupportedError(node.describe() + ": unsupported non-constant target shape '" + target.name + "'");
    }
    if (target.type != DataType::kInt64 || target.shape.size() != 1) fail(node, "target shape must be a 1-D int64");
    const Shape& x = inputs[0]->shape;
    const bool allow_zero = node.attribute_int("allowzero", 0) != 0;
    Shape y = target.as_int64s();
    int inferred = -1;
    for (std::size_t i = 0; i < y.size(); ++i) {
        if (y[i] == 0 && !allow_zero) {
            if (i >= x.size()) fail(node, "0 at position " + std::to_string(i) + " has no input dimension to copy");
            y[i] = x[i];
        } else if (y[i] == -1) {
            if (inferred >= 0) fail(node, "more than one -1 in the target shape");
            inferred = static_cast<int>(i);
        } else if (y[i] < 0) {
            fail(node, "invalid dimension " + std::to_string(y[i]) + " in the target shape");
        }
    }
    if (inferred >= 0) {
        y[static_cast<std::size_t>(inferred)] = 1;
        const int64_t known = element_count(y);
        if (known == 0 || element_count(x) % known != 0) {
            fail(node, "cannot reshape " + to_string(x) + " to " + to_string(target.as_int64s()));
        }
        y[static_cast<std::size_t>(inferred)] = element_count(x) / known;
    }
    if (element_count(y) != element_count(x)) fail(node, "cannot reshape " + to_string(x) + " to " + to_string(y));
    return one_output(node, inputs[0]->type, y);
}

std::vector<Tensor> transpose_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"perm"});
    check_arity(node, inputs, 1, 1, 1);
    const Shape& x = inputs[0]->shape;
    std::vector<int64_t> perm(x.size());
    for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(perm.size() - 1 - i);
    perm = node.attribute_ints("perm", perm);
    std::vector<int64_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (sorted.size() != x.size() || sorted[i] != static_cast<int64_t>(i)) {
            fail(node, "perm is not a permutation of the " + std::to_string(x.size()) + " axes");
        }
    }
    Shape y(x.size());
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = x[static_cast<std::size_t>(perm[i])];
    return one_output(node, inputs[0]->type, y);
}

std::vector<Tensor> gemm_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"alpha", "beta", "transA", "transB"});
    check_arity(node, inputs, 2, 3, 1);
    require_float(node, inputs);
    const Shape& a = inputs[0]->shape;
    const Shape& b = inputs[1]->shape;
    if (a.size() != 2 || b.size() != 2) fail(node, "A " + to_string(a) + " and B " + to_string(b) + " must be 2-D");
    const bool trans_a = node.attribute_int("transA", 0) != 0;
    const bool trans_b = node.attribute_int("transB", 0) != 0;
    const int64_t m = trans_a ? a[1] : a[0];
    const int64_t k = trans_a ? a[0] : a[1];
    const int64_t kb = trans_b ? b[1] : b[0];
    const int64_t n = trans_b ? b[0] : b[1];
    if (k != kb) fail(node, "inner dimensions of A " + to_string(a) + " and B " + to_string(b) + " differ");
    if (inputs.size() > 2 && inputs[2] && broadcast_shapes(inputs[2]->shape, {m, n}) != Shape{m, n}) {
        fail(node, "C " + to_string(inputs[2]->shape) + " does not broadcast to " + to_string(Shape{m, n}));
    }
    return one_output(node, DataType::kFloat32, {m, n});
}

std::vector<Tensor> matmul_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {});
    check_arity(node, inputs, 2, 2, 1);
    require_float(node, inputs);
    Shape a = inputs[0]->shape;
    Shape b = inputs[1]->shape;
    if (a.empty() || b.empty()) fail(node, "inputs must have rank 1 or more");
    const bool vector_a = a.size() == 1;
    const bool vector_b = b.size() == 1;
    if (vector_a) a.insert(a.begin(), 1);
    if (vector_b) b.push_back(1);
    if (a.back() != b[b.size() - 2]) {
        fail(node, "inner dimensions of " + to_string(inputs[0]->shape) + " and " + to_string(inputs[1]->shape) +
                       " differ");
    }
    Shape y;
    try {
        y = broadcast_shapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
    } catch (const std::runtime_error& error) {
        fail(node, error.what());
    }
    if (!vector_a) y.push_back(a[a.size() - 2]);
    if (!vector_b) y.push_back(b.back());
    return one_output(node, DataType::kFloat32, y);
}

std::map<std::string, ShapeFunction>& shape_functions() {
    static std::map<std::string, ShapeFunction> table = {
        {"Relu", same_shape_float({})},
        {"Sigmoid", same_shape_float({})},
        {"Tanh", same_shape_float({})},
        {"Neg", same_shape_float({})},
        {"Abs", same_shape_float({})},
        {"Exp", same_shape_float({})},
        {"Sqrt", same_shape_float({})},
        {"LeakyRelu", same_shape_float({"alpha"})},
        {"Identity", identity_shape},
        {"Clip", clip_shape},
        {"Softmax", softmax_shape},
        {"Dropout", dropout_shape},
        {"BatchNormalization", batch_norm_shape},
        {"Conv", conv_shape},
        {"MaxPool", pool_shape({"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order",
                                "strides"})},
        {"AveragePool", pool_shape({"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"})},
        {"GlobalAveragePool", global_pool_shape},
        {"GlobalMaxPool", global_pool_shape},
        {"Add", broadcast_binary_shape},
        {"Sub", broadcast_binary_shape},
        {"Mul", broadcast_binary_shape},
        {"Div", broadcast_binary_shape},
        {"Concat", concat_shape},
        {"Flatten", flatten_shape},
        {"Reshape", reshape_shape},
        {"Transpose", transpose_shape},
        {"Gemm", gemm_shape},
        {"MatMul", matmul_shape},
    };
    return table;
}

}  // namespace

void register_shape_function(const std::string& op_type, ShapeFunction function) {
    shape_functions()[op_type] = std::move(function);
}

bool has_shape_function(const std::string& op_type) { return shape_functions().count(op_type) > 0; }

std::vector<Tensor> infer_node_outputs(const Node& node, const std::vector<const Tensor*>& inputs) {
    auto found = shape_functions().find(node.op_type);
    if (found == shape_functions().end()) {
        throw UnsupportedError(node.describe() + ": unsupported operator " + node.op_type);
    }
    return found->second(node, inputs);
}

Graph infer_shapes(Graph graph) {
    for (const auto& node : graph.nodes) {
        std::vector<const Tensor*> inputs;
        for (const auto& name : node.inputs) {
            if (name.empty()) {
                inputs.push_back(nullptr);
            } else if (graph.has_tensor(name)) {
                inputs.push_back(&graph.tensor(name));
            } else {
                throw std::runtime_error(node.describe() + ": input '" + name + "' has no known shape");
            }
        }
        // Absent trailing inputs are not passed, so arity checks see the inputs that exist.
        while (!inputs.empty() && inputs.back() == nullptr) inputs.pop_back();
        for (Tensor& output : infer_node_outputs(node, inputs)) {
            auto existing = graph.values.find(output.name);
            if (existing != graph.values.end()) output.quant = existing->second.quant;
            graph.values[output.name] = std::move(output);
        }
    }
    return graph;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
    Shape result(std::max(a.size(), b.size()), 1);
    for (std::size_t i = 0; i < result.size(); ++i) {
        const int64_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
        const int64_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
        if (da != db && da != 1 && db != 1) {
            throw std::runtime_error("shapes " + to_string(a) + " and " + to_string(b) + " do not broadcast");
        }
        result[result.size() - 1 - i] = da == 1 ? db : da;
    }
    return result;
}

}  // namespace cimvp::ir
