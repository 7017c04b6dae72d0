#include "firmware/compiler/ir/shape_inference.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "firmware/compiler/ir/operator_shapes.h"

namespace cimvp::ir {

namespace {

std::map<std::string, ShapeFunction>& shape_functions() {
    static std::map<std::string, ShapeFunction> table = [] {
        std::map<std::string, ShapeFunction> functions;
        for (auto* family :
             {elementwise_shape_functions, network_shape_functions, data_shape_functions, reduction_shape_functions}) {
            functions.merge(family());
        }
        return functions;
    }();
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
            if (output.name.empty()) continue;  // an optional output the model does not use
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
