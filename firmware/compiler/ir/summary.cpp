#include "firmware/compiler/ir/summary.h"

#include <algorithm>
#include <iomanip>
#include <map>
#include <sstream>

namespace cimvp::ir {

namespace {

int64_t conv_macs(const Node& node, const Graph& graph) {
    const Shape& weight = graph.tensor(node.input(1)).shape;  // M x C/group x kernel...
    const Shape& output = graph.tensor(node.outputs[0]).shape;
    return element_count(output) * element_count(Shape(weight.begin() + 1, weight.end()));
}

int64_t gemm_macs(const Node& node, const Graph& graph) {
    const Shape& a = graph.tensor(node.input(0)).shape;
    const int64_t k = node.attribute_int("transA", 0) ? a[0] : a[1];
    return element_count(graph.tensor(node.outputs[0]).shape) * k;
}

int64_t matmul_macs(const Node& node, const Graph& graph) {
    return element_count(graph.tensor(node.outputs[0]).shape) * graph.tensor(node.input(0)).shape.back();
}

std::map<std::string, MacFunction>& mac_functions() {
    static std::map<std::string, MacFunction> table = {
        {"Conv", conv_macs},
        {"Gemm", gemm_macs},
        {"MatMul", matmul_macs},
    };
    return table;
}

std::string with_thousands(int64_t value) {
    std::string digits = std::to_string(value);
    for (int i = static_cast<int>(digits.size()) - 3; i > (value < 0 ? 1 : 0); i -= 3) {
        digits.insert(static_cast<std::size_t>(i), ",");
    }
    return digits;
}

}  // namespace

void register_mac_function(const std::string& op_type, MacFunction function) {
    mac_functions()[op_type] = std::move(function);
}

GraphSummary summarize(const Graph& graph) {
    GraphSummary summary;
    for (const auto& node : graph.nodes) {
        LayerSummary layer;
        layer.name = node.name;
        layer.op_type = node.op_type;
        if (!node.input(0).empty() && graph.has_tensor(node.input(0))) {
            layer.input_shape = graph.tensor(node.input(0)).shape;
        }
        if (!node.outputs.empty() && graph.has_tensor(node.outputs[0])) {
            layer.output_shape = graph.tensor(node.outputs[0]).shape;
        }
        for (const auto& input : node.inputs) {
            if (!graph.is_initializer(input)) continue;
            const Tensor& constant = graph.initializers.at(input);
            // int64 constants are shapes and indices, not weights.
            if (constant.type == DataType::kInt64) continue;
            const int64_t count = constant.element_count();
            layer.params += count;
            const int64_t bits =
                constant.quant.bits > 0 ? constant.quant.bits : static_cast<int64_t>(8 * element_size(constant.type));
            layer.weight_bytes += (count * bits + 7) / 8;
        }
        auto mac_function = mac_functions().find(node.op_type);
        if (mac_function != mac_functions().end()) layer.macs = mac_function->second(node, graph);
        summary.total_params += layer.params;
        summary.total_weight_bytes += layer.weight_bytes;
        summary.total_macs += layer.macs;
        summary.layers.push_back(std::move(layer));
    }
    return summary;
}

std::string format_summary(const GraphSummary& summary) {
    std::vector<std::vector<std::string>> rows = {{"layer", "op", "input", "output", "params", "MACs", "weight bytes"}};
    for (const auto& layer : summary.layers) {
        rows.push_back({layer.name, layer.op_type, to_string(layer.input_shape), to_string(layer.output_shape),
                        with_thousands(layer.params), with_thousands(layer.macs), with_thousands(layer.weight_bytes)});
    }
    rows.push_back({"total", std::to_string(summary.layers.size()) + " layers", "", "",
                    with_thousands(summary.total_params), with_thousands(summary.total_macs),
                    with_thousands(summary.total_weight_bytes)});
    std::vector<std::size_t> widths(rows[0].size(), 0);
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    }
    std::size_t table_width = 2 * (widths.size() - 1);
    for (std::size_t width : widths) table_width += width;
    std::ostringstream out;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        if (r + 1 == rows.size()) out << std::string(table_width, '-') << '\n';
        for (std::size_t i = 0; i < rows[r].size(); ++i) {
            // Names and shapes read left to right; counts line up on their last digit.
            out << (i < 4 ? std::left : std::right) << std::setw(static_cast<int>(widths[i])) << rows[r][i];
            out << (i + 1 < rows[r].size() ? "  " : "\n");
        }
    }
    return out.str();
}

}  // namespace cimvp::ir
