#include "firmware/compiler/interpreter/float_interpreter.h"

#include <stdexcept>

#include "firmware/compiler/interpreter/float_kernels.h"
#include "firmware/compiler/ir/shape_inference.h"

namespace cimvp::ir {

namespace {

std::map<std::string, FloatKernel>& kernel_table() {
    static std::map<std::string, FloatKernel> table = [] {
        std::map<std::string, FloatKernel> kernels;
        for (auto* family : {elementwise_float_kernels, network_float_kernels, window_float_kernels, data_float_kernels,
                             reduction_float_kernels}) {
            kernels.merge(family());
        }
        return kernels;
    }();
    return table;
}

}  // namespace

std::vector<Tensor> allocate_outputs(const Node& node, const std::vector<const Tensor*>& inputs) {
    auto outputs = infer_node_outputs(node, inputs);
    for (Tensor& output : outputs) {
        output.data.assign(static_cast<std::size_t>(output.element_count()) * element_size(output.type), 0);
    }
    return outputs;
}

void register_float_kernel(const std::string& op_type, FloatKernel kernel) {
    kernel_table()[op_type] = std::move(kernel);
}

bool has_float_kernel(const std::string& op_type) { return kernel_table().count(op_type) > 0; }

std::vector<Tensor> run_float_node(const Node& node, const std::vector<const Tensor*>& inputs) {
    auto kernel = kernel_table().find(node.op_type);
    if (kernel == kernel_table().end()) {
        throw UnsupportedError(node.describe() + ": unsupported operator " + node.op_type +
                               " in the float interpreter");
    }
    return kernel->second(node, inputs);
}

TensorMap run_float(const Graph& graph, const TensorMap& inputs, const NodeObserver& observer) {
    std::map<std::string, const Tensor*> available;
    for (const auto& entry : graph.initializers) available[entry.first] = &entry.second;
    for (const auto& name : graph.inputs) {
        auto given = inputs.find(name);
        if (given == inputs.end()) {
            throw std::runtime_error("graph '" + graph.name + "': no value for input '" + name + "'");
        }
        const Tensor& declared = graph.tensor(name);
        const Tensor& value = given->second;
        if (value.type != declared.type || value.shape != declared.shape) {
            throw std::runtime_error("graph '" + graph.name + "': input '" + name + "' is " + to_string(value.type) +
                                     " " + to_string(value.shape) + ", expected " + to_string(declared.type) + " " +
                                     to_string(declared.shape));
        }
        if (value.data.size() != static_cast<std::size_t>(value.element_count()) * element_size(value.type)) {
            throw std::runtime_error("graph '" + graph.name + "': input '" + name + "' has no data");
        }
        available[name] = &value;
    }

    // Each intermediate is freed after its last reader, so peak memory follows the live set.
    std::map<std::string, std::size_t> last_use;
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
        for (const auto& name : graph.nodes[i].inputs) last_use[name] = i;
    }
    for (const auto& name : graph.outputs) last_use[name] = graph.nodes.size();

    TensorMap computed;
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
        const Node& node = graph.nodes[i];
        std::vector<const Tensor*> operands;
        for (const auto& name : node.inputs) {
            if (name.empty()) {
                operands.push_back(nullptr);
                continue;
            }
            auto found = available.find(name);
            if (found == available.end()) {
                throw std::runtime_error(node.describe() + ": input '" + name + "' is not computed");
            }
            operands.push_back(found->second);
        }
        while (!operands.empty() && operands.back() == nullptr) operands.pop_back();
        std::vector<Tensor> results = run_float_node(node, operands);
        if (observer) observer(node, results);
        for (const auto& name : node.inputs) {
            if (last_use[name] == i && computed.count(name)) {
                available.erase(name);
                computed.erase(name);
            }
        }
        for (Tensor& result : results) {
            if (result.name.empty()) continue;  // an optional output the model does not use
            const std::string name = result.name;
            Tensor& stored = computed[name] = std::move(result);
            available[name] = &stored;
        }
    }

    TensorMap outputs;
    for (const auto& name : graph.outputs) {
        auto found = available.find(name);
        if (found == available.end()) {
            throw std::runtime_error("graph '" + graph.name + "': output '" + name + "' is not computed");
        }
        outputs[name] = *found->second;
    }
    return outputs;
}

}  // namespace cimvp::ir
