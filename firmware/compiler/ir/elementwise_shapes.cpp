#include <algorithm>
#include <set>
#include <stdexcept>

#include "firmware/compiler/ir/operator_shapes.h"
#include "firmware/compiler/ir/shape_rules.h"

namespace cimvp::ir {

namespace {

using namespace shape_rules;

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
    check_attributes(node, {});  // bounds are inputs (opset 11); the importer upgrades older models
    check_arity(node, inputs, 1, 3, 1);
    require_float(node, inputs);
    for (std::size_t i = 1; i < inputs.size(); ++i) {
        if (inputs[i] && element_count(inputs[i]->shape) != 1) fail(node, "min and max must be scalars");
    }
    return one_output(node, DataType::kFloat32, inputs[0]->shape);
}

// PRelu broadcasts the slope to the input, never the other way.
std::vector<Tensor> prelu_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {});
    check_arity(node, inputs, 2, 2, 1);
    require_float(node, inputs);
    const Shape& x = inputs[0]->shape;
    Shape y;
    try {
        y = broadcast_shapes(x, inputs[1]->shape);
    } catch (const std::runtime_error& error) {
        fail(node, error.what());
    }
    if (y != x) fail(node, "slope " + to_string(inputs[1]->shape) + " does not broadcast to " + to_string(x));
    return one_output(node, DataType::kFloat32, x);
}

// Min, Max, Sum and Mean: one or more inputs, broadcast together.
std::vector<Tensor> variadic_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {});
    check_arity(node, inputs, 1, std::max<std::size_t>(1, inputs.size()), 1);
    require_float(node, inputs);
    Shape y = inputs[0]->shape;
    for (const Tensor* input : inputs) {
        if (!input) fail(node, "inputs cannot be absent");
        try {
            y = broadcast_shapes(y, input->shape);
        } catch (const std::runtime_error& error) {
            fail(node, error.what());
        }
    }
    return one_output(node, DataType::kFloat32, y);
}

// Cast converts to the type `to` names (an ONNX type code); CastLike to the type of its second input.
std::vector<Tensor> cast_shape(const Node& node, const Inputs& inputs) {
    const bool like = node.op_type == "CastLike";
    check_attributes(node, like ? std::set<std::string>{} : std::set<std::string>{"to"});
    check_arity(node, inputs, like ? 2 : 1, like ? 2 : 1, 1);
    DataType target = DataType::kFloat32;
    if (like) {
        target = inputs[1]->type;
    } else {
        if (!node.has_attribute("to")) fail(node, "'to' is required");
        const int64_t code = node.attribute_int("to", 0);
        if (!from_onnx_type_code(code, target)) {
            throw UnsupportedError(node.describe() + ": unsupported target type (ONNX type " + std::to_string(code) +
                                   ")");
        }
    }
    return one_output(node, target, inputs[0]->shape);
}

// Broadcasting binary operators on float32; `integers` also admits int32 and int64 (both inputs of one
// type, wrapping on overflow), as shape arithmetic needs.
ShapeFunction binary_shape(bool integers) {
    return [integers](const Node& node, const Inputs& inputs) {
        check_attributes(node, {});
        check_arity(node, inputs, 2, 2, 1);
        const DataType type = inputs[0]->type;
        const bool integer = type == DataType::kInt32 || type == DataType::kInt64;
        if (!(integers && integer && inputs[1]->type == type)) {
            require_float(node, inputs, integers ? "float32, int32 and int64 (alike) are" : "only float32 is");
        }
        try {
            return one_output(node, type, broadcast_shapes(inputs[0]->shape, inputs[1]->shape));
        } catch (const std::runtime_error& error) {
            fail(node, error.what());
        }
    };
}

// Neg and Abs also run on int32 and int64, as shape arithmetic needs.
std::vector<Tensor> signed_unary_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {});
    check_arity(node, inputs, 1, 1, 1);
    const DataType type = inputs[0]->type;
    if (type != DataType::kInt32 && type != DataType::kInt64) {
        require_float(node, inputs, "float32, int32 and int64 are");
    }
    return one_output(node, type, inputs[0]->shape);
}

}  // namespace

std::map<std::string, ShapeFunction> elementwise_shape_functions() {
    return {
        {"Relu", same_shape_float({})},
        {"Sigmoid", same_shape_float({})},
        {"Tanh", same_shape_float({})},
        {"Neg", signed_unary_shape},
        {"Abs", signed_unary_shape},
        {"Exp", same_shape_float({})},
        {"Log", same_shape_float({})},
        {"Sqrt", same_shape_float({})},
        {"Reciprocal", same_shape_float({})},
        {"Floor", same_shape_float({})},
        {"Ceil", same_shape_float({})},
        {"Round", same_shape_float({})},
        {"Sign", same_shape_float({})},
        {"Erf", same_shape_float({})},
        {"Sin", same_shape_float({})},
        {"Cos", same_shape_float({})},
        {"Softplus", same_shape_float({})},
        {"Softsign", same_shape_float({})},
        {"HardSwish", same_shape_float({})},
        {"LeakyRelu", same_shape_float({"alpha"})},
        {"Elu", same_shape_float({"alpha"})},
        {"Celu", same_shape_float({"alpha"})},
        {"ThresholdedRelu", same_shape_float({"alpha"})},
        {"Selu", same_shape_float({"alpha", "gamma"})},
        {"HardSigmoid", same_shape_float({"alpha", "beta"})},
        {"PRelu", prelu_shape},
        {"Cast", cast_shape},
        {"CastLike", cast_shape},
        {"Pow", binary_shape(false)},
        {"Min", variadic_shape},
        {"Max", variadic_shape},
        {"Sum", variadic_shape},
        {"Mean", variadic_shape},
        {"Identity", identity_shape},
        {"Clip", clip_shape},
        {"Add", binary_shape(true)},
        {"Sub", binary_shape(true)},
        {"Mul", binary_shape(true)},
        {"Div", binary_shape(false)},
    };
}

}  // namespace cimvp::ir
