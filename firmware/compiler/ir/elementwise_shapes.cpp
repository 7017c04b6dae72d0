#include <algorithm>
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

}  // namespace

std::map<std::string, ShapeFunction> elementwise_shape_functions() {
    return {
        {"Relu", same_shape_float({})},
        {"Sigmoid", same_shape_float({})},
        {"Tanh", same_shape_float({})},
        {"Neg", same_shape_float({})},
        {"Abs", same_shape_float({})},
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
        {"Pow", broadcast_binary_shape},
        {"Min", variadic_shape},
        {"Max", variadic_shape},
        {"Sum", variadic_shape},
        {"Mean", variadic_shape},
        {"Identity", identity_shape},
        {"Clip", clip_shape},
        {"Add", broadcast_binary_shape},
        {"Sub", broadcast_binary_shape},
        {"Mul", broadcast_binary_shape},
        {"Div", broadcast_binary_shape},
    };
}

}  // namespace cimvp::ir
