#include "firmware/compiler/onnx/onnx_import.h"

#include <onnx/defs/schema.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "firmware/compiler/interpreter/float_constant_folding.h"
#include "firmware/compiler/ir/shape_inference.h"
#include "firmware/compiler/onnx/legacy_forms.h"
#include "firmware/compiler/onnx/tensor_proto.h"
#include "platform/error.h"

namespace cimvp::ir {

namespace {

constexpr int64_t kMinOpset = 9;
constexpr int64_t kMaxOpset = 17;

onnx::ModelProto read_model(const std::string& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) throw std::runtime_error("no such file");
    std::ifstream stream(path, std::ios::binary);
    if (!stream) throw std::runtime_error("cannot open file");
    onnx::ModelProto model;
    // Protobuf accepts many byte strings; a model without a graph or an opset is not ONNX either.
    if (!model.ParseFromIstream(&stream) || !model.has_graph() || model.opset_import_size() == 0) {
        throw std::runtime_error("not a valid ONNX model (corrupt or truncated file)");
    }
    return model;
}

// Opsets 9 to 17 are read. An older model is read too when every operator it uses has the same version
// there as at opset 9, so its meaning is one the importer implements.
int64_t default_domain_opset(const onnx::ModelProto& model) {
    int64_t opset = -1;
    for (const auto& entry : model.opset_import()) {
        if (entry.domain().empty() || entry.domain() == "ai.onnx") opset = entry.version();
    }
    const std::string range = " (supported: " + std::to_string(kMinOpset) + " to " + std::to_string(kMaxOpset) + ")";
    if (opset > kMaxOpset || opset < 1) throw UnsupportedError("unsupported opset " + std::to_string(opset) + range);
    if (opset >= kMinOpset) return opset;
    for (const auto& node : model.graph().node()) {
        const auto* old_schema = onnx::OpSchemaRegistry::Schema(node.op_type(), static_cast<int>(opset));
        const auto* min_schema = onnx::OpSchemaRegistry::Schema(node.op_type(), static_cast<int>(kMinOpset));
        if (!old_schema || !min_schema || old_schema->since_version() != min_schema->since_version()) {
            throw UnsupportedError("unsupported opset " + std::to_string(opset) + range + ": " + node.op_type() +
                                   " changed since");
        }
    }
    return kMinOpset;
}

AttributeValue read_attribute(const onnx::AttributeProto& attribute, const std::string& node) {
    switch (attribute.type()) {
        case onnx::AttributeProto::INT:
            return attribute.i();
        case onnx::AttributeProto::FLOAT:
            return attribute.f();
        case onnx::AttributeProto::STRING:
            return attribute.s();
        case onnx::AttributeProto::INTS:
            return std::vector<int64_t>(attribute.ints().begin(), attribute.ints().end());
        case onnx::AttributeProto::FLOATS:
            return std::vector<float>(attribute.floats().begin(), attribute.floats().end());
        default:
            throw UnsupportedError(node + ": unsupported attribute '" + attribute.name() + "' of type " +
                                   onnx::AttributeProto::AttributeType_Name(attribute.type()));
    }
}

// A Constant node's value as an initializer named after its output.
Tensor constant_value(const onnx::NodeProto& proto, const std::string& node, const std::string& base_dir) {
    if (proto.attribute_size() != 1 || proto.output_size() != 1) {
        throw std::runtime_error(node + ": needs one value attribute and one output");
    }
    const auto& attribute = proto.attribute(0);
    const std::string& output = proto.output(0);
    Tensor tensor;
    if (attribute.name() == "value") {
        tensor = from_tensor_proto(attribute.t(), base_dir, node);
    } else if (attribute.name() == "value_float") {
        tensor = Tensor::from_values<float>(output, {}, {attribute.f()});
    } else if (attribute.name() == "value_floats") {
        tensor = Tensor::from_values<float>(output, {attribute.floats_size()},
                                            std::vector<float>(attribute.floats().begin(), attribute.floats().end()));
    } else if (attribute.name() == "value_int") {
        tensor = Tensor::from_values<int64_t>(output, {}, {attribute.i()});
    } else if (attribute.name() == "value_ints") {
        tensor = Tensor::from_values<int64_t>(output, {attribute.ints_size()},
                                              std::vector<int64_t>(attribute.ints().begin(), attribute.ints().end()));
    } else {
        throw UnsupportedError(node + ": unsupported attribute '" + attribute.name() + "'");
    }
    tensor.name = output;
    return tensor;
}

// ConstantOfShape(shape) is Expand(value, shape) with its `value` attribute (default float 0) as a scalar
// initializer, so the IR needs no tensor-valued attributes.
Node lower_constant_of_shape(const onnx::NodeProto& proto, Node node, const std::string& base_dir, Graph& graph) {
    const std::string value_name = node.name + "/value";
    Tensor value = Tensor::from_values<float>(value_name, {}, {0.0f});
    for (const auto& attribute : proto.attribute()) {
        if (attribute.name() != "value" || attribute.type() != onnx::AttributeProto::TENSOR) {
            throw UnsupportedError(node.describe() + ": unsupported attribute '" + attribute.name() + "'");
        }
        value = from_tensor_proto(attribute.t(), base_dir, node.describe());
        if (value.element_count() != 1) throw std::runtime_error(node.describe() + ": 'value' must hold one element");
        value.shape = {};
        value.name = value_name;
    }
    graph.initializers[value_name] = std::move(value);
    node.op_type = "Expand";
    node.inputs.insert(node.inputs.begin(), value_name);
    return node;
}

// Reads a graph input's declared shape; a symbolic or missing dimension makes it dynamic.
Shape declared_shape(const onnx::ValueInfoProto& input, const ImportOptions& options) {
    if (auto given = options.input_shapes.find(input.name()); given != options.input_shapes.end()) return given->second;
    const auto& type = input.type().tensor_type();
    if (!type.has_shape()) {
        throw std::runtime_error("input '" + input.name() + "' has no shape; give one with --input-shape " +
                                 input.name() + "=...");
    }
    Shape shape;
    std::string text;
    bool dynamic = false;
    for (const auto& dim : type.shape().dim()) {
        const bool known = dim.has_dim_value() && dim.dim_value() >= 0;
        dynamic = dynamic || !known;
        shape.push_back(known ? dim.dim_value() : -1);
        text += (text.empty() ? "" : "x") +
                (known ? std::to_string(dim.dim_value()) : (dim.has_dim_param() ? dim.dim_param() : std::string("?")));
    }
    if (dynamic) {
        throw std::runtime_error("input '" + input.name() + "' has dynamic shape " + text +
                                 "; give a static shape with --input-shape " + input.name() + "=...");
    }
    return shape;
}

Graph build_graph(const onnx::ModelProto& model, const std::string& path, const ImportOptions& options) {
    const int64_t opset = default_domain_opset(model);
    const std::string base_dir = std::filesystem::path(path).parent_path().string();
    const auto& proto = model.graph();
    Graph graph;
    graph.name = proto.name();
    for (const auto& initializer : proto.initializer()) {
        graph.initializers[initializer.name()] = from_tensor_proto(initializer, base_dir, "");
    }
    std::set<std::string> input_names;
    for (const auto& input : proto.input()) {
        input_names.insert(input.name());
        if (graph.is_initializer(input.name())) continue;  // older exporters list weights as inputs too
        if (auto frozen = options.constant_inputs.find(input.name()); frozen != options.constant_inputs.end()) {
            graph.initializers[input.name()] = frozen->second;
            graph.initializers[input.name()].name = input.name();
            continue;
        }
        const auto& type = input.type();
        if (!type.has_tensor_type()) throw UnsupportedError("input '" + input.name() + "' is not a tensor");
        Tensor value(input.name(), from_onnx_data_type(type.tensor_type().elem_type(), "input '" + input.name() + "'"),
                     declared_shape(input, options));
        graph.inputs.push_back(input.name());
        graph.values[input.name()] = std::move(value);
    }
    for (const auto& entry : options.input_shapes) {
        if (!input_names.count(entry.first)) {
            throw std::runtime_error("--input-shape names '" + entry.first + "', which is not a graph input");
        }
    }

    for (int i = 0; i < proto.node_size(); ++i) {
        const auto& node_proto = proto.node(i);
        Node node;
        node.op_type = node_proto.op_type();
        node.name = node_proto.name().empty() ? node.op_type + "_" + std::to_string(i) : node_proto.name();
        const std::string described = "node '" + node.name + "' (" + node.op_type + ")";
        if (!node_proto.domain().empty() && node_proto.domain() != "ai.onnx") {
            throw UnsupportedError(described + ": unsupported operator domain '" + node_proto.domain() + "'");
        }
        if (node.op_type == "Constant") {
            Tensor value = constant_value(node_proto, described, base_dir);
            graph.initializers[value.name] = std::move(value);
            continue;
        }
        node.inputs.assign(node_proto.input().begin(), node_proto.input().end());
        node.outputs.assign(node_proto.output().begin(), node_proto.output().end());
        if (node.op_type == "ConstantOfShape") {
            graph.add_node(lower_constant_of_shape(node_proto, std::move(node), base_dir, graph));
            continue;
        }
        if (!has_shape_function(node.op_type)) {
            throw UnsupportedError(described + ": unsupported operator " + node.op_type);
        }
        for (const auto& attribute : node_proto.attribute()) {
            node.attributes[attribute.name()] = read_attribute(attribute, described);
        }
        graph.add_node(std::move(node));
    }
    for (const auto& output : proto.output()) graph.outputs.push_back(output.name());

    graph.topological_sort();
    graph.validate();
    graph = upgrade_attribute_forms(std::move(graph), opset);
    if (opset < 13) graph = upgrade_softmax_forms(std::move(graph));
    graph = infer_shapes(fold_constants(std::move(graph)));
    graph.remove_unused_tensors();
    return graph;
}

}  // namespace

Graph import_onnx(const std::string& path, const ImportOptions& options) {
    const SourceLocation where{path};
    try {
        return build_graph(read_model(path), path, options);
    } catch (const UnsupportedError& error) {
        throw UnsupportedError(where.to_string() + ": error: " + error.what());
    } catch (const ConfigError&) {
        throw;
    } catch (const std::exception& error) {
        throw ConfigError(where, error.what());
    }
}

}  // namespace cimvp::ir
