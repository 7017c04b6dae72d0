#include "firmware/compiler/interpreter/float_constant_folding.h"

#include <algorithm>

#include "firmware/compiler/interpreter/float_interpreter.h"
#include "firmware/compiler/ir/shape_inference.h"

namespace cimvp::ir {

namespace {

// The node's inputs as the graph knows them so far; false when one is not yet known (its producer
// was kept without a shape), which leaves the node for infer_shapes to report.
bool gather_inputs(const Graph& graph, const Node& node, std::vector<const Tensor*>& inputs) {
    inputs.clear();
    for (const auto& name : node.inputs) {
        if (name.empty()) {
            inputs.push_back(nullptr);
        } else if (graph.has_tensor(name)) {
            inputs.push_back(&graph.tensor(name));
        } else {
            return false;
        }
    }
    while (!inputs.empty() && inputs.back() == nullptr) inputs.pop_back();
    return true;
}

bool all_constant(const Graph& graph, const Node& node) {
    return std::all_of(node.inputs.begin(), node.inputs.end(),
                       [&](const std::string& name) { return name.empty() || graph.is_initializer(name); });
}

}  // namespace

Graph fold_constants(Graph graph) {
    std::vector<Node> kept;
    std::vector<const Tensor*> inputs;
    for (Node& node : graph.nodes) {
        if (!gather_inputs(graph, node, inputs) || !has_shape_function(node.op_type)) {
            kept.push_back(std::move(node));
            continue;
        }
        const bool evaluable = all_constant(graph, node) && has_float_kernel(node.op_type);
        std::vector<Tensor> outputs = evaluable ? run_float_node(node, inputs) : infer_node_outputs(node, inputs);
        const bool known = std::all_of(outputs.begin(), outputs.end(), [](const Tensor& t) { return t.has_data(); });
        if (evaluable || known) {
            for (Tensor& output : outputs) {
                if (output.name.empty()) continue;
                graph.values.erase(output.name);
                graph.initializers[output.name] = std::move(output);
            }
            continue;
        }
        for (Tensor& output : outputs) {
            if (output.name.empty()) continue;
            if (auto existing = graph.values.find(output.name); existing != graph.values.end()) {
                output.quant = existing->second.quant;
            }
            graph.values[output.name] = std::move(output);
        }
        kept.push_back(std::move(node));
    }
    graph.nodes = std::move(kept);
    graph.remove_unused_tensors();
    return graph;
}

}  // namespace cimvp::ir
