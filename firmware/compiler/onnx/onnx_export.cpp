#include "firmware/compiler/onnx/onnx_export.h"

#include <onnx/defs/schema.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <type_traits>

#include "firmware/compiler/onnx/tensor_proto.h"

namespace cimvp::ir {

namespace {

constexpr int kExportOpset = 13;
constexpr int kNewestOpset = 17;

// Opset 13, unless an operator of the graph first appears later (e.g. HardSwish in 14).
int64_t export_opset(const Graph& graph) {
    int opset = kExportOpset;
    for (const auto& node : graph.nodes) {
        if (onnx::OpSchemaRegistry::Schema(node.op_type, kExportOpset) != nullptr) continue;
        const auto* newest = onnx::OpSchemaRegistry::Schema(node.op_type, kNewestOpset);
        if (newest == nullptr) throw std::runtime_error(node.describe() + ": no ONNX operator of this type to export");
        opset = std::max(opset, newest->since_version());
    }
    return opset;
}

void write_attribute(const std::string& key, const AttributeValue& value, onnx::AttributeProto& attribute) {
    attribute.set_name(key);
    std::visit(
        [&attribute](const auto& typed) {
            using T = std::decay_t<decltype(typed)>;
            if constexpr (std::is_same_v<T, int64_t>) {
                attribute.set_type(onnx::AttributeProto::INT);
                attribute.set_i(typed);
            } else if constexpr (std::is_same_v<T, float>) {
                attribute.set_type(onnx::AttributeProto::FLOAT);
                attribute.set_f(typed);
            } else if constexpr (std::is_same_v<T, std::string>) {
                attribute.set_type(onnx::AttributeProto::STRING);
                attribute.set_s(typed);
            } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
                attribute.set_type(onnx::AttributeProto::INTS);
                for (int64_t item : typed) attribute.add_ints(item);
            } else {
                attribute.set_type(onnx::AttributeProto::FLOATS);
                for (float item : typed) attribute.add_floats(item);
            }
        },
        value);
}

void write_value_info(const Tensor& tensor, onnx::ValueInfoProto& info) {
    info.set_name(tensor.name);
    auto* type = info.mutable_type()->mutable_tensor_type();
    type->set_elem_type(to_onnx_data_type(tensor.type));
    for (int64_t dim : tensor.shape) type->mutable_shape()->add_dim()->set_dim_value(dim);
}

}  // namespace

onnx::ModelProto to_onnx_model(const Graph& graph) {
    onnx::ModelProto model;
    model.set_ir_version(onnx::IR_VERSION);  // 8, which every opset up to 17 accepts
    model.set_producer_name("cimvp");
    auto* opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(export_opset(graph));
    auto* proto = model.mutable_graph();
    proto->set_name(graph.name.empty() ? "cimvp" : graph.name);
    for (const auto& name : graph.inputs) write_value_info(graph.tensor(name), *proto->add_input());
    for (const auto& name : graph.outputs) {
        if (!graph.has_tensor(name)) {
            throw std::runtime_error("graph output '" + name + "' has no shape (run infer_shapes)");
        }
        write_value_info(graph.tensor(name), *proto->add_output());
    }
    for (const auto& entry : graph.initializers) *proto->add_initializer() = to_tensor_proto(entry.second);
    for (const auto& node : graph.nodes) {
        auto* node_proto = proto->add_node();
        node_proto->set_name(node.name);
        node_proto->set_op_type(node.op_type);
        for (const auto& input : node.inputs) node_proto->add_input(input);
        for (const auto& output : node.outputs) node_proto->add_output(output);
        for (const auto& attribute : node.attributes)
            write_attribute(attribute.first, attribute.second, *node_proto->add_attribute());
    }
    return model;
}

void export_onnx(const Graph& graph, const std::string& path) {
    const onnx::ModelProto model = to_onnx_model(graph);
    std::ofstream stream(path, std::ios::binary);
    if (!stream || !model.SerializeToOstream(&stream)) throw std::runtime_error(path + ": error: cannot write file");
}

}  // namespace cimvp::ir
