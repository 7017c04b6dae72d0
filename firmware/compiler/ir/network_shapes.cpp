#include <algorithm>

#include "firmware/compiler/ir/operator_shapes.h"
#include "firmware/compiler/ir/shape_rules.h"
#include "firmware/compiler/ir/window.h"

namespace cimvp::ir {

namespace {

using namespace shape_rules;

// The window kernels walk at most three spatial axes (1-D, 2-D and 3-D operators).
void check_spatial_rank(const Node& node, const Shape& input) {
    if (input.size() > 5) {
        throw UnsupportedError(node.describe() + ": unsupported " + std::to_string(input.size() - 2) +
                               "-D window (at most 3 spatial axes)");
    }
}

std::vector<Tensor> softmax_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"axis"});
    check_arity(node, inputs, 1, 1, 1);
    require_float(node, inputs);
    normalize_axis(node, node.attribute_int("axis", -1), inputs[0]->shape.size());
    return one_output(node, DataType::kFloat32, inputs[0]->shape);
}

std::vector<Tensor> dropout_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"seed"});  // the ratio is an input (opset 12); the importer upgrades older models
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
    check_spatial_rank(node, x);
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
        check_spatial_rank(node, x);
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
        fail(node,
             "inner dimensions of " + to_string(inputs[0]->shape) + " and " + to_string(inputs[1]->shape) + " differ");
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

std::vector<Tensor> conv_transpose_shape(const Node& node, const Inputs& inputs) {
    check_attributes(
        node, {"auto_pad", "dilations", "group", "kernel_shape", "output_padding", "output_shape", "pads", "strides"});
    check_arity(node, inputs, 2, 3, 1);
    require_float(node, inputs);
    const Shape& x = inputs[0]->shape;
    const Shape& w = inputs[1]->shape;  // C x M/group x kernel...
    if (w.size() != x.size() || x.size() < 3) {
        fail(node, "input " + to_string(x) + " and weight " + to_string(w) + " must both be N x C x spatial");
    }
    const int64_t group = node.attribute_int("group", 1);
    if (group < 1 || w[0] != x[1] || x[1] % group != 0) {
        fail(node, "input channels " + std::to_string(x[1]) + ", weight " + to_string(w) + " and group " +
                       std::to_string(group) + " do not match");
    }
    const std::vector<int64_t> kernel(w.begin() + 2, w.end());
    if (node.has_attribute("kernel_shape") && node.attribute_ints("kernel_shape", {}) != kernel) {
        fail(node, "kernel_shape differs from the weight shape " + to_string(w));
    }
    const int64_t out_channels = w[1] * group;
    if (inputs.size() > 2 && inputs[2] && inputs[2]->shape != Shape{out_channels}) {
        fail(node, "bias has shape " + to_string(inputs[2]->shape) + ", expected " + std::to_string(out_channels));
    }
    check_spatial_rank(node, x);
    const WindowGeometry window = resolve_transposed_window(node, x, kernel);
    Shape y = {x[0], out_channels};
    y.insert(y.end(), window.output.begin(), window.output.end());
    return one_output(node, DataType::kFloat32, y);
}

// Normalizes over the axes from `axis` on; Mean and InvStdDev keep the leading axes and 1s after.
std::vector<Tensor> layer_norm_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"axis", "epsilon", "stash_type"});
    check_arity(node, inputs, 2, 3, 3);
    require_float(node, inputs);
    if (node.attribute_int("stash_type", 1) != 1) {
        throw UnsupportedError(node.describe() + ": unsupported stash_type (only float32 statistics)");
    }
    const Shape& x = inputs[0]->shape;
    const auto axis = static_cast<std::size_t>(normalize_axis(node, node.attribute_int("axis", -1), x.size()));
    const Shape normalized(x.begin() + static_cast<std::ptrdiff_t>(axis), x.end());
    for (std::size_t i = 1; i < inputs.size(); ++i) {
        if (inputs[i] && broadcast_shapes(inputs[i]->shape, normalized) != normalized) {
            fail(node, "'" + inputs[i]->name + "' " + to_string(inputs[i]->shape) + " does not broadcast to " +
                           to_string(normalized));
        }
    }
    Shape statistics(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(axis));
    statistics.resize(x.size(), 1);
    std::vector<Tensor> outputs = {Tensor(node.outputs[0], DataType::kFloat32, x)};
    for (std::size_t i = 1; i < node.outputs.size(); ++i) {
        outputs.emplace_back(node.outputs[i], DataType::kFloat32, statistics);
    }
    return outputs;
}

}  // namespace

std::map<std::string, ShapeFunction> network_shape_functions() {
    return {
        {"Softmax", softmax_shape},
        {"LogSoftmax", softmax_shape},
        {"Hardmax", softmax_shape},
        {"Dropout", dropout_shape},
        {"BatchNormalization", batch_norm_shape},
        {"Conv", conv_shape},
        {"ConvTranspose", conv_transpose_shape},
        {"LayerNormalization", layer_norm_shape},
        {"MaxPool",
         pool_shape({"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"})},
        {"AveragePool", pool_shape({"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"})},
        {"GlobalAveragePool", global_pool_shape},
        {"GlobalMaxPool", global_pool_shape},
        {"Gemm", gemm_shape},
        {"MatMul", matmul_shape},
    };
}

}  // namespace cimvp::ir
