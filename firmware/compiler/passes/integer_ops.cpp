#include "firmware/compiler/passes/integer_ops.h"

#include <cmath>
#include <set>
#include <stdexcept>

#include "firmware/compiler/ir/shape_inference.h"
#include "firmware/compiler/ir/summary.h"

namespace cimvp::passes {
namespace {

const std::set<std::string> kRequantizationAttributes = {"multiplier", "multiplier_a", "multiplier_b",
                                                         "shift",      "out_min",      "out_max"};

// The float op whose shape rules a Q op shares.
const std::map<std::string, std::string>& float_twins() {
    static const std::map<std::string, std::string> twins = {{"QConv", "Conv"},
                                                             {"QGemm", "Gemm"},
                                                             {"QRelu", "Relu"},
                                                             {"QAdd", "Add"},
                                                             {"QMaxPool", "MaxPool"},
                                                             {"QAveragePool", "AveragePool"},
                                                             {"QGlobalAveragePool", "GlobalAveragePool"}};
    return twins;
}

ir::DataType output_type(const ir::Node& node) {
    const int64_t low = node.attribute_int("out_min", -128);
    const int64_t high = node.attribute_int("out_max", 127);
    if (low < -128 || high > 255 || (low < 0 && high > 127)) return ir::DataType::kInt32;
    return low < 0 ? ir::DataType::kInt8 : ir::DataType::kUint8;
}

// Shape rules of a Q op: those of its float twin on float stand-ins of the same shapes.
std::vector<ir::Tensor> integer_shape(const ir::Node& node, const std::vector<const ir::Tensor*>& inputs) {
    ir::Node twin = node;
    twin.op_type = float_twins().at(node.op_type);
    for (const auto& key : kRequantizationAttributes) twin.attributes.erase(key);
    std::vector<ir::Tensor> stand_ins;
    stand_ins.reserve(inputs.size());
    for (const ir::Tensor* input : inputs) {
        stand_ins.push_back(input ? ir::Tensor(input->name, ir::DataType::kFloat32, input->shape) : ir::Tensor());
    }
    std::vector<const ir::Tensor*> pointers;
    for (std::size_t i = 0; i < inputs.size(); ++i) pointers.push_back(inputs[i] ? &stand_ins[i] : nullptr);
    auto outputs = ir::infer_node_outputs(twin, pointers);
    const ir::DataType type = node.op_type == "QMaxPool" ? inputs.at(0)->type : output_type(node);
    for (auto& output : outputs) output.type = type;
    return outputs;
}

int64_t qconv_macs(const ir::Node& node, const ir::Graph& graph) {
    const ir::Shape& weight = graph.tensor(node.input(1)).shape;
    return ir::element_count(graph.tensor(node.outputs[0]).shape) *
           ir::element_count(ir::Shape(weight.begin() + 1, weight.end()));
}

int64_t qgemm_macs(const ir::Node& node, const ir::Graph& graph) {
    return ir::element_count(graph.tensor(node.outputs[0]).shape) * graph.tensor(node.input(1)).shape.at(1);
}

const bool kRegistered = [] {
    for (const auto& [op, twin] : float_twins()) ir::register_shape_function(op, integer_shape);
    ir::register_mac_function("QConv", qconv_macs);
    ir::register_mac_function("QGemm", qgemm_macs);
    return true;
}();

double scale_of(const ir::Graph& graph, const std::string& value, std::size_t channel = 0) {
    const ir::QuantParams& quant = graph.tensor(value).quant;
    if (!quant.is_quantized()) throw std::runtime_error("value '" + value + "' has no quantization parameters");
    return quant.scale.size() > 1 ? quant.scale.at(channel) : quant.scale.at(0);
}

}  // namespace

ir::DataType storage_type(const ir::QuantParams& quant) {
    if (quant.bits > 8) return ir::DataType::kInt32;
    return quant.is_signed ? ir::DataType::kInt8 : ir::DataType::kUint8;
}

ir::QuantParams activation_quant(int bits, bool is_signed, double scale) {
    ir::QuantParams quant;
    quant.bits = bits;
    quant.is_signed = is_signed;
    quant.scale = {static_cast<float>(scale)};
    return quant;
}

void set_requantization(const ir::Graph& graph, ir::Node& node) {
    const std::string& output = node.outputs.at(0);
    const ir::QuantParams& out = graph.tensor(output).quant;
    const double out_scale = scale_of(graph, output);
    node.attributes["out_min"] = int64_t{range_min(out.bits, out.is_signed)};
    node.attributes["out_max"] = int64_t{range_max(out.bits, out.is_signed)};
    const double in_scale = scale_of(graph, node.inputs.at(0));
    std::vector<int64_t> multipliers, shifts;
    auto push = [&](const Requantizer& requantizer) {
        multipliers.push_back(requantizer.multiplier);
        shifts.push_back(requantizer.shift);
    };
    if (node.op_type == "QConv" || node.op_type == "QGemm") {
        const int64_t channels = graph.tensor(node.inputs.at(1)).shape.at(0);
        for (int64_t c = 0; c < channels; ++c) {
            push(make_requantizer(in_scale * scale_of(graph, node.inputs[1], static_cast<std::size_t>(c)) / out_scale));
        }
    } else if (node.op_type == "QAdd") {
        // One shift for both terms, set by the larger ratio so neither multiplier overflows 15 bits.
        const double ratio_a = in_scale / out_scale;
        const double ratio_b = scale_of(graph, node.inputs.at(1)) / out_scale;
        const Requantizer larger = make_requantizer(std::max(ratio_a, ratio_b));
        auto scaled = [&](double ratio) { return static_cast<int64_t>(std::llround(std::ldexp(ratio, larger.shift))); };
        node.attributes["multiplier_a"] = std::vector<int64_t>{scaled(ratio_a)};
        node.attributes["multiplier_b"] = std::vector<int64_t>{scaled(ratio_b)};
        node.attributes["shift"] = std::vector<int64_t>{larger.shift};
        return;
    } else if (node.op_type == "QGlobalAveragePool" || node.op_type == "QAveragePool") {
        const ir::Shape& input = graph.tensor(node.inputs[0]).shape;
        const int64_t count = node.op_type == "QGlobalAveragePool"
                                  ? ir::element_count(ir::Shape(input.begin() + 2, input.end()))
                                  : ir::element_count(node.attribute_ints("kernel_shape", {}));
        push(make_requantizer(in_scale / (out_scale * static_cast<double>(count))));
    } else if (node.op_type == "QRelu") {
        push(make_requantizer(in_scale / out_scale));
    } else {
        throw std::logic_error(node.describe() + " does not requantize");
    }
    node.attributes["multiplier"] = multipliers;
    node.attributes["shift"] = shifts;
}

Requantizer requantizer_of(const ir::Node& node, std::size_t channel) {
    const auto multipliers = node.attribute_ints("multiplier", {});
    const auto shifts = node.attribute_ints("shift", {});
    if (multipliers.empty() || shifts.empty()) throw std::runtime_error(node.describe() + ": missing requantization");
    const std::size_t m = multipliers.size() > 1 ? channel : 0;
    const std::size_t s = shifts.size() > 1 ? channel : 0;
    return {static_cast<int32_t>(multipliers.at(m)), static_cast<int32_t>(shifts.at(s))};
}

}  // namespace cimvp::passes
