#include "firmware/compiler/passes/quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>

#include "firmware/compiler/passes/integer_ops.h"

namespace cimvp::passes {
namespace {

// Ops that move integers without arithmetic: their output keeps the input's quantization.
const std::set<std::string> kPassThrough = {"MaxPool", "Flatten", "Reshape", "Identity", "Dropout"};
// Ops whose integer form ends in a requantization, so their output can take any scale.
const std::set<std::string> kRequantizing = {"Conv", "Gemm", "Relu", "Add", "GlobalAveragePool", "AveragePool"};

[[noreturn]] void unsupported(const ir::Node& node, const std::string& why) {
    throw std::runtime_error(node.describe() + ": cannot quantize: " + why);
}

struct Encoding {
    int bits = 8;
    bool is_signed = true;
    double magnitude = 0.0;

    ir::QuantParams quant() const {
        const double levels = range_max(bits, is_signed);
        return activation_quant(bits, is_signed, magnitude > 0.0 ? magnitude / levels : 1.0);
    }
};

class Quantizer {
   public:
    Quantizer(const ir::Graph& graph, const ActivationRanges& ranges, const QuantConfig& config)
        : source_(graph), ranges_(ranges), config_(config) {}

    ir::Graph run() {
        choose_encodings();
        result_.name = source_.name;
        result_.inputs = source_.inputs;
        result_.outputs = source_.outputs;
        for (const auto& [name, info] : source_.values) {
            if (!encodings_.count(name)) continue;
            ir::Tensor value(name, ir::DataType::kInt8, info.shape);
            value.quant = encodings_.at(name).quant();
            value.type = storage_type(value.quant);
            result_.values[name] = value;
        }
        for (const auto& node : source_.nodes) emit(node);
        result_.validate();
        return std::move(result_);
    }

   private:
    const ValueRange& range(const std::string& value) const {
        const auto found = ranges_.find(value);
        if (found == ranges_.end()) throw std::runtime_error("value '" + value + "' was not calibrated");
        return found->second;
    }

    // Decides bits, signedness and magnitude of every activation, in topological order.
    void choose_encodings() {
        for (const auto& input : source_.inputs) {
            encodings_[input] = {config_.activation_bits, true, range(input).magnitude};
        }
        for (const auto& node : source_.nodes) {
            const std::string& output = node.outputs.at(0);
            const Encoding& first = encodings_.at(node.inputs.at(0));
            if (kPassThrough.count(node.op_type)) {
                encodings_[output] = first;
            } else if (node.op_type == "Relu") {
                encodings_[output] = {config_.activation_bits, false, range(output).magnitude};
            } else if (node.op_type == "GlobalAveragePool" || node.op_type == "AveragePool") {
                encodings_[output] = {config_.activation_bits, first.is_signed, range(output).magnitude};
            } else if (node.op_type == "Concat") {
                bool is_signed = false;
                for (const auto& input : node.inputs) is_signed = is_signed || encodings_.at(input).is_signed;
                encodings_[output] = {config_.activation_bits, is_signed, range(output).magnitude};
            } else if (kRequantizing.count(node.op_type)) {
                encodings_[output] = {config_.activation_bits, true, range(output).magnitude};
            } else if (node.op_type == "BatchNormalization") {
                unsupported(node, "it does not follow a Conv it could be folded into (run fold_batchnorm first)");
            } else {
                unsupported(node, "no integer form of " + node.op_type);
            }
        }
        // Concat copies its inputs, so they must already be in the output's encoding.
        for (const auto& node : source_.nodes) {
            if (node.op_type != "Concat") continue;
            for (const auto& input : node.inputs) {
                const int producer = source_.producer(input);
                if (producer < 0 || !kRequantizing.count(source_.nodes[static_cast<std::size_t>(producer)].op_type)) {
                    unsupported(node, "input '" + input + "' is not computed by a requantizing operator");
                }
                if (source_.consumers(input).size() != 1) unsupported(node, "input '" + input + "' has other readers");
                encodings_[input] = encodings_.at(node.outputs[0]);
            }
        }
        // Graph outputs, and what reaches them only through pass-through ops, get output_bits.
        for (const auto& output : source_.outputs) {
            std::string value = output;
            while (true) {
                encodings_.at(value).bits = config_.output_bits;
                const int producer = source_.producer(value);
                if (producer < 0) break;
                const ir::Node& node = source_.nodes[static_cast<std::size_t>(producer)];
                if (!kPassThrough.count(node.op_type) || source_.consumers(node.inputs[0]).size() != 1) break;
                value = node.inputs[0];
            }
        }
    }

    double input_scale(const ir::Node& node) const { return result_.tensor(node.inputs.at(0)).quant.scale.at(0); }

    // Quantizes a [out_channels x ...] float weight per output channel.
    std::string quantize_weight(const ir::Node& node, const std::vector<double>& weight, const ir::Shape& shape) {
        const auto channels = static_cast<std::size_t>(shape.at(0));
        const std::size_t per_channel = weight.size() / channels;
        const int levels = range_max(config_.weight_bits, true);
        ir::Tensor tensor(node.name + ".qweight", ir::DataType::kInt8, shape);
        tensor.data.resize(weight.size());
        tensor.quant.bits = config_.weight_bits;
        tensor.quant.axis = 0;
        int8_t* values = tensor.values<int8_t>();
        for (std::size_t c = 0; c < channels; ++c) {
            double magnitude = 0.0;
            for (std::size_t i = 0; i < per_channel; ++i)
                magnitude = std::max(magnitude, std::fabs(weight[c * per_channel + i]));
            const double scale = magnitude > 0.0 ? magnitude / levels : 1.0;
            tensor.quant.scale.push_back(static_cast<float>(scale));
            for (std::size_t i = 0; i < per_channel; ++i) {
                const double q = std::round(weight[c * per_channel + i] / static_cast<float>(scale));
                values[c * per_channel + i] = static_cast<int8_t>(std::clamp<double>(q, -levels, levels));
            }
        }
        const std::string name = tensor.name;
        result_.initializers[name] = std::move(tensor);
        return name;
    }

    // Quantizes a bias to int32 at the accumulator scale, checking that no accumulator can overflow.
    std::string quantize_bias(const ir::Node& node, const std::vector<double>& bias, const std::string& weight_name) {
        const ir::Tensor& weight = result_.initializers.at(weight_name);
        const auto channels = static_cast<std::size_t>(weight.shape.at(0));
        const std::size_t per_channel = static_cast<std::size_t>(weight.element_count()) / channels;
        const ir::QuantParams& in = result_.tensor(node.inputs[0]).quant;
        const double input_max = std::max(std::abs(range_min(in.bits, in.is_signed)), range_max(in.bits, in.is_signed));
        const auto* w = weight.values<int8_t>();
        std::vector<int32_t> values(channels);
        ir::QuantParams quant;
        quant.bits = 32;
        for (std::size_t c = 0; c < channels; ++c) {
            const double accumulator_scale = input_scale(node) * weight.quant.scale[c];
            quant.scale.push_back(static_cast<float>(accumulator_scale));
            const double q = bias.empty() ? 0.0 : std::round(bias[c] / accumulator_scale);
            double worst = std::fabs(q);
            for (std::size_t i = 0; i < per_channel; ++i) worst += std::abs(w[c * per_channel + i]) * input_max;
            if (worst > std::numeric_limits<int32_t>::max()) {
                unsupported(node, "output channel " + std::to_string(c) + " can overflow the int32 accumulator");
            }
            values[c] = static_cast<int32_t>(q);
        }
        ir::Tensor tensor = ir::Tensor::from_values(node.name + ".qbias", {static_cast<int64_t>(channels)}, values);
        tensor.quant = quant;
        const std::string name = tensor.name;
        result_.initializers[name] = std::move(tensor);
        return name;
    }

    std::vector<double> constant(const ir::Node& node, std::size_t index) const {
        if (node.input(index).empty()) return {};
        if (!source_.is_initializer(node.inputs[index]))
            unsupported(node, "input " + std::to_string(index) + " is not a constant");
        return source_.initializers.at(node.inputs[index]).as_doubles();
    }

    void emit(const ir::Node& node) {
        ir::Node q = node;
        if (node.op_type == "Conv") {
            q.op_type = "QConv";
            const ir::Shape& shape = source_.tensor(node.inputs.at(1)).shape;
            const std::string weight = quantize_weight(node, constant(node, 1), shape);
            q.inputs = {node.inputs[0], weight, quantize_bias(node, constant(node, 2), weight)};
        } else if (node.op_type == "Gemm") {
            emit_gemm(node, q);
        } else if (node.op_type == "Add") {
            if (source_.tensor(node.inputs.at(0)).shape != source_.tensor(node.inputs.at(1)).shape) {
                unsupported(node, "inputs of different shapes (broadcasting) have no integer form");
            }
            q.op_type = "QAdd";
        } else if (node.op_type == "AveragePool") {
            const auto pads = node.attribute_ints("pads", {});
            const bool padded = std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; });
            if (node.attribute_int("ceil_mode", 0) || (padded && !node.attribute_int("count_include_pad", 0)) ||
                node.has_attribute("auto_pad")) {
                unsupported(node, "windows of varying size (ceil_mode, auto_pad or padding not counted)");
            }
            q.op_type = "QAveragePool";
        } else if (node.op_type == "Relu" || node.op_type == "GlobalAveragePool" || node.op_type == "MaxPool") {
            q.op_type = "Q" + node.op_type;
        } else if (node.op_type == "Dropout") {
            q = ir::Node{node.name, "Identity", {node.inputs.at(0)}, {node.outputs.at(0)}, {}};
        }
        if (kRequantizing.count(node.op_type)) set_requantization(result_, q);
        result_.add_node(std::move(q));
    }

    void emit_gemm(const ir::Node& node, ir::Node& q) {
        if (node.attribute_int("transA", 0) != 0 || node.attribute_float("alpha", 1.0f) != 1.0f ||
            node.attribute_float("beta", 1.0f) != 1.0f) {
            unsupported(node, "only Gemm with transA = 0, alpha = 1 and beta = 1 has an integer form");
        }
        ir::Shape shape = source_.tensor(node.inputs.at(1)).shape;
        std::vector<double> weight = constant(node, 1);
        if (!node.attribute_int("transB", 0)) {  // store as out_features x in_features
            std::vector<double> transposed(weight.size());
            for (int64_t k = 0; k < shape[0]; ++k) {
                for (int64_t n = 0; n < shape[1]; ++n) transposed[n * shape[0] + k] = weight[k * shape[1] + n];
            }
            weight = std::move(transposed);
            shape = {shape[1], shape[0]};
        }
        std::vector<double> bias = constant(node, 2);
        if (!bias.empty() && static_cast<int64_t>(bias.size()) != shape[0]) {
            unsupported(node, "bias must hold one value per output feature");
        }
        q.op_type = "QGemm";
        q.attributes.clear();
        q.attributes["transB"] = int64_t{1};
        const std::string weight_name = quantize_weight(node, weight, shape);
        q.inputs = {node.inputs[0], weight_name, quantize_bias(node, bias, weight_name)};
    }

    const ir::Graph& source_;
    const ActivationRanges& ranges_;
    const QuantConfig& config_;
    std::map<std::string, Encoding> encodings_;
    ir::Graph result_;
};

}  // namespace

ir::Graph quantize(const ir::Graph& graph, const ActivationRanges& ranges, const QuantConfig& config) {
    validate(config);
    return Quantizer(graph, ranges, config).run();
}

ir::Tensor quantize_input(const ir::Tensor& input, const ir::QuantParams& quant) {
    ir::check_type(input, ir::DataType::kFloat32);
    const float* values = input.values<float>();
    const double scale = quant.scale.at(0);
    const int32_t low = range_min(quant.bits, quant.is_signed);
    const int32_t high = range_max(quant.bits, quant.is_signed);
    ir::Tensor result(input.name, storage_type(quant), input.shape);
    result.quant = quant;
    result.data.resize(static_cast<std::size_t>(result.element_count()) * ir::element_size(result.type));
    for (int64_t i = 0; i < result.element_count(); ++i) {
        const int32_t q =
            saturate(static_cast<int64_t>(std::clamp(std::round(values[i] / scale), -1e9, 1e9)), low, high);
        switch (result.type) {
            case ir::DataType::kInt8:
                result.values<int8_t>()[i] = static_cast<int8_t>(q);
                break;
            case ir::DataType::kUint8:
                result.values<uint8_t>()[i] = static_cast<uint8_t>(q);
                break;
            default:
                result.values<int32_t>()[i] = q;
                break;
        }
    }
    return result;
}

ir::Tensor dequantize_output(const ir::Tensor& output) {
    const auto integers = output.as_int64s();
    std::vector<float> values(integers.size());
    const double scale = output.quant.scale.at(0);
    for (std::size_t i = 0; i < values.size(); ++i)
        values[i] = static_cast<float>(scale * static_cast<double>(integers[i]));
    return ir::Tensor::from_values(output.name, output.shape, values);
}

}  // namespace cimvp::passes
