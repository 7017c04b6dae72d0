#include "firmware/compiler/passes/fuse_relu.h"

#include <algorithm>
#include <set>

#include "firmware/compiler/passes/integer_ops.h"

namespace cimvp::passes {

ir::Graph fuse_relu(ir::Graph graph) {
    static const std::set<std::string> fusable = {"QConv", "QGemm", "QAdd", "QGlobalAveragePool", "QAveragePool"};
    for (std::size_t index = 0; index < graph.nodes.size();) {
        const ir::Node relu = graph.nodes[index];
        const int producer = relu.op_type == "QRelu" ? graph.producer(relu.inputs.at(0)) : -1;
        const std::string& between = relu.inputs.at(0);
        const bool is_graph_output =
            std::find(graph.outputs.begin(), graph.outputs.end(), between) != graph.outputs.end();
        if (producer < 0 || !fusable.count(graph.nodes[static_cast<std::size_t>(producer)].op_type) ||
            graph.consumers(between).size() != 1 || is_graph_output) {
            ++index;
            continue;
        }
        const ir::Tensor relu_output = graph.values.at(relu.outputs.at(0));
        graph.remove_node(index);  // after its producer, whose index stays valid
        ir::Node& node = graph.nodes[static_cast<std::size_t>(producer)];
        graph.values.erase(between);
        node.outputs[0] = relu_output.name;
        graph.values[relu_output.name] = relu_output;
        set_requantization(graph, node);
    }
    return graph;
}

}  // namespace cimvp::passes
