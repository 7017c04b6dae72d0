#include "firmware/compiler/passes/fold_batchnorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace cimvp::passes {
namespace {

bool all_constant(const ir::Graph& graph, const ir::Node& node, std::size_t first) {
    for (std::size_t i = first; i < node.inputs.size(); ++i) {
        if (!node.inputs[i].empty() && !graph.is_initializer(node.inputs[i])) return false;
    }
    return true;
}

// The Conv whose output only this BatchNormalization reads, or -1.
int foldable_conv(const ir::Graph& graph, const ir::Node& batch_norm) {
    const int producer = graph.producer(batch_norm.inputs.at(0));
    if (producer < 0) return -1;
    const ir::Node& conv = graph.nodes[static_cast<std::size_t>(producer)];
    const bool sole_reader =
        graph.consumers(conv.outputs[0]).size() == 1 &&
        std::find(graph.outputs.begin(), graph.outputs.end(), conv.outputs[0]) == graph.outputs.end();
    if (conv.op_type != "Conv" || !sole_reader || !all_constant(graph, conv, 1) ||
        !all_constant(graph, batch_norm, 1)) {
        return -1;
    }
    return producer;
}

void fold(ir::Graph& graph, ir::Node& conv, const ir::Node& batch_norm) {
    const auto gamma = graph.initializers.at(batch_norm.inputs[1]).as_doubles();
    const auto beta = graph.initializers.at(batch_norm.inputs[2]).as_doubles();
    const auto mean = graph.initializers.at(batch_norm.inputs[3]).as_doubles();
    const auto variance = graph.initializers.at(batch_norm.inputs[4]).as_doubles();
    const double epsilon = batch_norm.attribute_float("epsilon", 1e-5f);
    const ir::Tensor& weight = graph.initializers.at(conv.inputs[1]);
    const auto out_channels = static_cast<std::size_t>(weight.shape.at(0));
    const std::size_t per_channel = static_cast<std::size_t>(weight.element_count()) / out_channels;
    std::vector<double> old_bias(out_channels, 0.0);
    if (!conv.input(2).empty()) old_bias = graph.initializers.at(conv.inputs[2]).as_doubles();

    const auto old_weight = weight.as_doubles();
    std::vector<float> new_weight(old_weight.size());
    std::vector<float> new_bias(out_channels);
    for (std::size_t k = 0; k < out_channels; ++k) {
        const double a = gamma[k] / std::sqrt(variance[k] + epsilon);
        for (std::size_t i = 0; i < per_channel; ++i) {
            new_weight[k * per_channel + i] = static_cast<float>(a * old_weight[k * per_channel + i]);
        }
        new_bias[k] = static_cast<float>(a * (old_bias[k] - mean[k]) + beta[k]);
    }
    const std::string weight_name = conv.name + ".folded_weight";
    const std::string bias_name = conv.name + ".folded_bias";
    graph.initializers[weight_name] = ir::Tensor::from_values(weight_name, weight.shape, new_weight);
    graph.initializers[bias_name] = ir::Tensor::from_values(bias_name, {static_cast<int64_t>(out_channels)}, new_bias);
    conv.inputs.resize(3);
    conv.inputs[1] = weight_name;
    conv.inputs[2] = bias_name;
}

}  // namespace

ir::Graph fold_batchnorm(ir::Graph graph) {
    for (std::size_t index = 0; index < graph.nodes.size();) {
        const ir::Node& node = graph.nodes[index];
        const int conv = node.op_type == "BatchNormalization" ? foldable_conv(graph, node) : -1;
        if (conv < 0) {
            ++index;
            continue;
        }
        const ir::Node batch_norm = node;
        graph.remove_node(index);  // comes after the conv, so the conv's index stays valid
        ir::Node& conv_node = graph.nodes[static_cast<std::size_t>(conv)];
        fold(graph, conv_node, batch_norm);
        // The conv now produces what the batch norm produced.
        ir::Tensor value = graph.values.at(conv_node.outputs[0]);
        value.name = batch_norm.outputs[0];
        graph.values.erase(conv_node.outputs[0]);
        graph.values[value.name] = value;
        conv_node.outputs[0] = value.name;
    }
    graph.remove_unused_tensors();
    return graph;
}

}  // namespace cimvp::passes
