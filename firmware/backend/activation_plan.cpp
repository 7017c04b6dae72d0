#include "firmware/backend/activation_plan.h"

#include <algorithm>
#include <functional>

#include "firmware/backend/conv_mapping.h"
#include "firmware/backend/program_builder.h"

namespace cimvp::backend {
namespace {

// The border a consumer needs on its input `index`: a conv's largest pad, nothing otherwise.
int64_t border_needed(const ir::Node& node, size_t index, const ir::Graph& graph) {
    if (node.op_type != "QConv" || index != 0) return 0;
    const ConvShape shape = conv_shape_of(node, graph);
    return std::max({shape.pad_top, shape.pad_left, shape.pad_bottom, shape.pad_right});
}

// Union-find over tensor names, for the tensors of an add that must share one border.
class BorderClasses {
public:
    std::string find(const std::string& name) {
        auto it = parent_.find(name);
        if (it == parent_.end() || it->second == name) return name;
        return it->second = find(it->second);
    }
    void join(const std::string& a, const std::string& b) {
        const std::string ra = find(a), rb = find(b);
        if (ra != rb) parent_[ra] = rb;
    }

private:
    std::map<std::string, std::string> parent_;
};

}  // namespace

bool is_alias_op(const std::string& op_type) {
    return op_type == "Flatten" || op_type == "Reshape" || op_type == "Identity";
}

isa::ElementType element_type_of(ir::DataType type) {
    switch (type) {
        case ir::DataType::kInt8: return isa::ElementType::kInt8;
        case ir::DataType::kUint8: return isa::ElementType::kUint8;
        case ir::DataType::kInt32: return isa::ElementType::kInt32;
        default: throw ir::UnsupportedError("activations of type " + ir::to_string(type) + " have no chip layout");
    }
}

uint64_t element_bytes_of(isa::ElementType type) {
    switch (type) {
        case isa::ElementType::kInt8:
        case isa::ElementType::kUint8: return 1;
        case isa::ElementType::kInt16: return 2;
        case isa::ElementType::kInt32: return 4;
    }
    return 1;
}

ActivationPlan::ActivationPlan(const ir::Graph& graph, uint64_t base) : next_(base) {
    // Storage roots: an aliasing op's output is its input's storage.
    std::map<std::string, std::string> storage_of;
    std::function<std::string(const std::string&)> root = [&](const std::string& name) {
        auto it = storage_of.find(name);
        return it == storage_of.end() ? name : root(it->second);
    };
    for (const ir::Node& node : graph.nodes) {
        if (is_alias_op(node.op_type)) storage_of[node.outputs.at(0)] = node.input(0);
    }
    BorderClasses classes;
    for (const ir::Node& node : graph.nodes) {
        if (node.op_type != "QAdd") continue;
        classes.join(root(node.input(0)), root(node.outputs.at(0)));
        classes.join(root(node.input(1)), root(node.outputs.at(0)));
    }
    std::map<std::string, int64_t> class_border;
    for (const ir::Node& node : graph.nodes) {
        for (size_t i = 0; i < node.inputs.size(); ++i) {
            if (node.inputs[i].empty() || graph.is_initializer(node.inputs[i])) continue;
            int64_t& border = class_border[classes.find(root(node.inputs[i]))];
            border = std::max(border, border_needed(node, i, graph));
        }
    }

    std::vector<std::string> stored(graph.inputs.begin(), graph.inputs.end());
    for (const ir::Node& node : graph.nodes) {
        if (!is_alias_op(node.op_type)) stored.insert(stored.end(), node.outputs.begin(), node.outputs.end());
    }
    for (const std::string& name : stored) {
        const ir::Tensor& tensor = graph.tensor(name);
        const ir::Shape& shape = tensor.shape;
        if (shape.empty() || shape[0] != 1) {
            throw ir::UnsupportedError("tensor '" + name + "' has shape " + ir::to_string(shape) +
                                       "; the back end maps batch 1 only");
        }
        ActivationLayout layout;
        layout.name = name;
        if (shape.size() == 4) {
            layout.channels = shape[1];
            layout.height = shape[2];
            layout.width = shape[3];
        } else if (shape.size() == 2) {
            layout.channels = shape[1];
        } else {
            throw ir::UnsupportedError("tensor '" + name + "' of rank " + std::to_string(shape.size()) +
                                       " has no chip layout (NCHW or NC only)");
        }
        layout.border = class_border[classes.find(name)];
        layout.type = element_type_of(tensor.type);
        layout.element_bytes = element_bytes_of(layout.type);
        layout.address = allocate(layout.bytes());
        layouts_[name] = layout;
    }
    for (const ir::Node& node : graph.nodes) {  // in order, so an alias of an alias finds its source
        if (!is_alias_op(node.op_type)) continue;
        ActivationLayout layout = layouts_.at(node.input(0));
        const ir::Shape& shape = graph.tensor(node.outputs.at(0)).shape;
        layout.name = node.outputs.at(0);
        if (shape.size() == 2 && (layout.height > 1 || layout.width > 1)) {
            if (layout.border != 0) {
                throw ir::UnsupportedError(node.describe() + ": flattening a tensor with a border is not mapped");
            }
            layout.flattened_from_spatial = true;
        } else if (shape.size() == 4 && (shape[1] != layout.channels || shape[2] != layout.height)) {
            throw ir::UnsupportedError(node.describe() + ": only reshapes that keep the layout are mapped");
        }
        layouts_[layout.name] = layout;
    }
}

const ActivationLayout& ActivationPlan::of(const std::string& tensor) const {
    const auto found = layouts_.find(tensor);
    if (found == layouts_.end()) throw std::logic_error("no layout for tensor '" + tensor + "'");
    return found->second;
}

uint64_t ActivationPlan::allocate(uint64_t bytes) {
    const uint64_t address = align_up(next_, 64);
    next_ = address + bytes;
    return address;
}

}  // namespace cimvp::backend
