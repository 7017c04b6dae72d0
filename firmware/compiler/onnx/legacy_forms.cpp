#include "firmware/compiler/onnx/legacy_forms.h"

#include <vector>

namespace cimvp::ir {

namespace {

enum class Kind { kFloatScalar, kInts };

struct MovedAttribute {
    const char* attribute;
    std::size_t input;
    Kind kind;
};

struct AttributeMove {
    const char* op_type;
    int64_t first_opset_with_inputs;
    std::vector<MovedAttribute> attributes;
};

const std::vector<AttributeMove>& attribute_moves() {
    static const std::vector<AttributeMove> moves = {
        {"Clip", 11, {{"min", 1, Kind::kFloatScalar}, {"max", 2, Kind::kFloatScalar}}},
        {"Dropout", 12, {{"ratio", 1, Kind::kFloatScalar}}},
        {"Slice", 10, {{"starts", 1, Kind::kInts}, {"ends", 2, Kind::kInts}, {"axes", 3, Kind::kInts}}},
        {"Pad", 11, {{"pads", 1, Kind::kInts}, {"value", 2, Kind::kFloatScalar}}},
        {"Squeeze", 13, {{"axes", 1, Kind::kInts}}},
        {"Unsqueeze", 13, {{"axes", 1, Kind::kInts}}},
        {"ReduceSum", 13, {{"axes", 1, Kind::kInts}}},
        {"Split", 13, {{"split", 1, Kind::kInts}}},
    };
    return moves;
}

}  // namespace

Graph upgrade_attribute_forms(Graph graph, int64_t opset) {
    for (Node& node : graph.nodes) {
        for (const AttributeMove& move : attribute_moves()) {
            if (node.op_type != move.op_type || opset >= move.first_opset_with_inputs) continue;
            for (const MovedAttribute& moved : move.attributes) {
                if (!node.has_attribute(moved.attribute)) continue;
                const std::string name = node.name + "/" + moved.attribute;
                if (moved.kind == Kind::kFloatScalar) {
                    graph.initializers[name] =
                        Tensor::from_values<float>(name, {}, {node.attribute_float(moved.attribute, 0)});
                } else {
                    const auto values = node.attribute_ints(moved.attribute, {});
                    graph.initializers[name] =
                        Tensor::from_values<int64_t>(name, {static_cast<int64_t>(values.size())}, values);
                }
                if (node.inputs.size() <= moved.input) node.inputs.resize(moved.input + 1);
                node.inputs[moved.input] = name;
                node.attributes.erase(moved.attribute);
            }
        }
    }
    return graph;
}

Graph upgrade_softmax_forms(Graph graph) {
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
        Node& node = graph.nodes[i];
        if (node.op_type != "Softmax" && node.op_type != "LogSoftmax" && node.op_type != "Hardmax") continue;
        const int64_t axis = node.attribute_int("axis", 1);
        // On the last axis both meanings agree; it is last when it is -1 or the input's rank says so.
        const std::string& input = node.input(0);
        const bool last = axis == -1 || (graph.has_tensor(input) &&
                                         axis == static_cast<int64_t>(graph.tensor(input).shape.size()) - 1);
        if (last) {
            node.attributes["axis"] = int64_t{-1};
            continue;
        }
        const std::string flat = node.name + "/flattened";
        const std::string normalized = node.name + "/normalized";
        const std::string shape = node.name + "/input_shape";
        Node shape_of{node.name + "/shape", "Shape", {input}, {shape}, {}};
        Node flatten{node.name + "/flatten", "Flatten", {input}, {flat}, {{"axis", axis}}};
        Node op{node.name, node.op_type, {flat}, {normalized}, {{"axis", int64_t{1}}}};
        Node reshape{node.name + "/reshape", "Reshape", {normalized, shape}, {node.outputs[0]}, {}};
        graph.nodes[i] = std::move(shape_of);
        graph.insert_node(i + 1, std::move(flatten));
        graph.insert_node(i + 2, std::move(op));
        graph.insert_node(i + 3, std::move(reshape));
        i += 3;
    }
    return graph;
}

}  // namespace cimvp::ir
