#include "firmware/compiler/ir/operator_shapes.h"
#include "firmware/compiler/ir/shape_rules.h"

namespace cimvp::ir {

namespace {

using namespace shape_rules;

std::vector<Tensor> reduce_shape(const Node& node, const Inputs& inputs) {
    // ReduceSum takes its axes as an input from opset 13; the others keep the attribute through opset 17.
    const bool axes_input = node.op_type == "ReduceSum";
    if (axes_input) {
        check_attributes(node, {"keepdims", "noop_with_empty_axes"});
        check_arity(node, inputs, 1, 2, 1);
    } else {
        check_attributes(node, {"axes", "keepdims"});
        check_arity(node, inputs, 1, 1, 1);
    }
    require_float(node, {inputs[0]});
    const Shape& x = inputs[0]->shape;
    const auto reduced = reduced_axes(node, inputs);
    const bool keep = node.attribute_int("keepdims", 1) != 0;
    Shape y;
    for (std::size_t a = 0; a < x.size(); ++a) {
        if (!reduced[a]) {
            y.push_back(x[a]);
        } else if (keep) {
            y.push_back(1);
        }
    }
    return one_output(node, DataType::kFloat32, y);
}

std::vector<Tensor> arg_reduce_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"axis", "keepdims", "select_last_index"});
    check_arity(node, inputs, 1, 1, 1);
    require_float(node, inputs);
    Shape y = inputs[0]->shape;
    const auto axis = static_cast<std::size_t>(normalize_axis(node, node.attribute_int("axis", 0), y.size()));
    if (node.attribute_int("keepdims", 1) != 0) {
        y[axis] = 1;
    } else {
        y.erase(y.begin() + static_cast<std::ptrdiff_t>(axis));
    }
    return one_output(node, DataType::kInt64, y);
}

}  // namespace

std::map<std::string, ShapeFunction> reduction_shape_functions() {
    std::map<std::string, ShapeFunction> functions = {{"ArgMax", arg_reduce_shape}, {"ArgMin", arg_reduce_shape}};
    for (const char* op : {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum", "ReduceProd", "ReduceSumSquare",
                           "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp"}) {
        functions[op] = reduce_shape;
    }
    return functions;
}

}  // namespace cimvp::ir
