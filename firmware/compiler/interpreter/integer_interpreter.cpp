#include "firmware/compiler/interpreter/integer_interpreter.h"

#include <algorithm>
#include <limits>
#include <map>
#include <stdexcept>

#include "firmware/compiler/interpreter/integer_kernels.h"
#include "firmware/compiler/interpreter/weight_pool_kernels.h"
#include "firmware/compiler/ir/window.h"
#include "firmware/compiler/passes/integer_ops.h"

namespace cimvp::interpreter {
namespace {

using Buffers = std::vector<std::vector<int32_t>>;
using Step = std::function<void(Buffers&)>;

[[noreturn]] void fail(const ir::Node& node, const std::string& message) {
    throw std::runtime_error(node.describe() + ": " + message);
}

int32_t out_min(const ir::Node& node) { return static_cast<int32_t>(node.attribute_int("out_min", 0)); }
int32_t out_max(const ir::Node& node) { return static_cast<int32_t>(node.attribute_int("out_max", 0)); }

std::vector<passes::Requantizer> channel_requantizers(const ir::Node& node, int64_t channels) {
    std::vector<passes::Requantizer> requantizers;
    for (int64_t c = 0; c < channels; ++c)
        requantizers.push_back(passes::requantizer_of(node, static_cast<std::size_t>(c)));
    return requantizers;
}

// A QConv/QGemm's per-channel output stage: bias, requantizer and saturation bounds.
struct ChannelOutput {
    std::vector<int32_t> bias;
    std::vector<passes::Requantizer> requantizers;
    int32_t low, high;
    void apply(const int32_t* accumulators, int64_t channels, int64_t count, int32_t* output) const {
        requantize_channels(accumulators, bias.data(), requantizers, channels, count, low, high, output);
    }
    // Channel-major gemm accumulators (outputs x rows) into row-major outputs (rows x outputs).
    void apply_row_major(const std::vector<int32_t>& accumulators, int64_t outputs, int64_t rows,
                         std::vector<int32_t>& output) const {
        std::vector<int32_t> channel_major(accumulators.size());
        apply(accumulators.data(), outputs, rows, channel_major.data());
        output.resize(channel_major.size());
        for (int64_t o = 0; o < outputs; ++o) {
            for (int64_t r = 0; r < rows; ++r) output[r * outputs + o] = channel_major[o * rows + r];
        }
    }
};

// Values that the int16 dot-product kernels can read: at most 16 signed or 15 unsigned bits.
void require_int16(const ir::Node& node, const ir::Tensor& input) {
    const ir::QuantParams& quant = input.quant;
    if (quant.bits > (quant.is_signed ? 16 : 15)) {
        fail(node,
             "input '" + input.name + "' of " + std::to_string(quant.bits) + " bits is too wide for int16 products");
    }
}

}  // namespace

struct IntegerInterpreter::Plan {
    std::map<std::string, std::size_t> slots;  // value name -> buffer index
    std::vector<Step> steps;
    std::vector<std::string> inputs;
    std::vector<ir::Tensor> outputs;  // value infos of the graph outputs
    std::vector<std::size_t> output_slots;
    std::size_t slot_count = 0;

    std::size_t slot(const std::string& value) {
        const auto found = slots.find(value);
        if (found != slots.end()) return found->second;
        slots[value] = slot_count;
        return slot_count++;
    }
};

namespace {

class Planner {
   public:
    Planner(const ir::Graph& graph, IntegerInterpreter::Plan& plan) : graph_(graph), plan_(plan) {}

    void plan_node(const ir::Node& node) {
        // A weight-pool layer computes from its pool, indices and error term, not its dense weight.
        if (node.op_type == "QConv" && node.has_attribute("pool")) return pooled_conv(node);
        if (node.op_type == "QGemm" && node.has_attribute("pool")) return pooled_gemm(node);
        if (node.op_type == "QConv") return conv(node);
        if (node.op_type == "QGemm") return gemm(node);
        if (node.op_type == "QRelu") return relu(node);
        if (node.op_type == "QAdd") return add(node);
        if (node.op_type == "QMaxPool") return max_pool(node);
        if (node.op_type == "QAveragePool" || node.op_type == "QGlobalAveragePool") return average_pool(node);
        if (node.op_type == "Flatten" || node.op_type == "Reshape" || node.op_type == "Identity") return copy(node);
        if (node.op_type == "Concat") return concat(node);
        fail(node, "no integer kernel (quantize the graph first)");
    }

   private:
    const ir::Shape& shape(const std::string& value) const { return graph_.tensor(value).shape; }

    ChannelOutput channel_output(const ir::Node& node, int64_t channels) const {
        const std::vector<int64_t> bias = graph_.initializers.at(node.inputs.at(2)).as_int64s();
        return {std::vector<int32_t>(bias.begin(), bias.end()), channel_requantizers(node, channels), out_min(node),
                out_max(node)};
    }
    std::size_t in(const ir::Node& node, std::size_t index = 0) { return plan_.slot(node.inputs.at(index)); }
    std::size_t out(const ir::Node& node) { return plan_.slot(node.outputs.at(0)); }

    void conv(const ir::Node& node) {
        const ir::Shape& x = shape(node.inputs.at(0));
        const ir::Tensor& weight = graph_.initializers.at(node.inputs.at(1));
        if (x.size() != 4) fail(node, "only 2-D convolution has an integer kernel");
        require_int16(node, graph_.tensor(node.inputs[0]));
        const int64_t group = node.attribute_int("group", 1);
        const ir::WindowGeometry window = ir::resolve_window(node, x, {weight.shape[2], weight.shape[3]});
        const int64_t out_channels = weight.shape[0];
        const int64_t group_in = weight.shape[1], group_out = out_channels / group;
        const int64_t depth = group_in * weight.shape[2] * weight.shape[3];
        std::vector<PackedMatrix> packed;
        for (int64_t g = 0; g < group; ++g) {
            packed.push_back(pack_rows(weight.values<int8_t>() + g * group_out * depth, group_out, depth));
        }
        const int64_t positions = window.output[0] * window.output[1];
        const ChannelOutput requantize = channel_output(node, out_channels);
        const std::size_t source = in(node), target = out(node);
        const int64_t batch = x[0], in_plane = x[1] * x[2] * x[3];
        plan_.steps.push_back([=](Buffers& buffers) {
            std::vector<int16_t> patches;
            std::vector<int32_t> accumulators(static_cast<std::size_t>(out_channels * positions));
            std::vector<int32_t>& output = buffers[target];
            output.resize(static_cast<std::size_t>(batch * out_channels * positions));
            for (int64_t n = 0; n < batch; ++n) {
                for (int64_t g = 0; g < group; ++g) {
                    const int32_t* image = buffers[source].data() + n * in_plane + g * group_in * x[2] * x[3];
                    gather_patches(image, group_in, window, packed[g].padded_depth, patches);
                    multiply_packed(packed[g], patches.data(), positions,
                                    accumulators.data() + g * group_out * positions);
                }
                requantize.apply(accumulators.data(), out_channels, positions,
                                 output.data() + n * out_channels * positions);
            }
        });
    }

    void gemm(const ir::Node& node) {
        const ir::Shape& x = shape(node.inputs.at(0));
        const ir::Tensor& weight = graph_.initializers.at(node.inputs.at(1));
        require_int16(node, graph_.tensor(node.inputs[0]));
        if (x.size() != 2 || x[1] != weight.shape[1])
            fail(node, "input " + ir::to_string(x) + " does not match weight");
        const PackedMatrix packed = pack_rows(weight.values<int8_t>(), weight.shape[0], weight.shape[1]);
        const ChannelOutput requantize = channel_output(node, weight.shape[0]);
        const std::size_t source = in(node), target = out(node);
        const int64_t rows = x[0], features = x[1], outputs = weight.shape[0];
        plan_.steps.push_back([=](Buffers& buffers) {
            std::vector<int16_t> patches(static_cast<std::size_t>(rows * packed.padded_depth), 0);
            for (int64_t r = 0; r < rows; ++r) {
                std::copy_n(buffers[source].data() + r * features, features, patches.data() + r * packed.padded_depth);
            }
            std::vector<int32_t> accumulators(static_cast<std::size_t>(outputs * rows));
            multiply_packed(packed, patches.data(), rows, accumulators.data());
            requantize.apply_row_major(accumulators, outputs, rows, buffers[target]);
        });
    }

    void pooled_conv(const ir::Node& node) {
        const ir::Shape& x = shape(node.inputs.at(0));
        if (x.size() != 4) fail(node, "only 2-D convolution has an integer kernel");
        if (node.attribute_int("group", 1) != 1) fail(node, "a weight-pool convolution must have group 1");
        require_int16(node, graph_.tensor(node.inputs[0]));
        const PooledWeights pooled = load_pooled_weights(graph_, node);
        const ir::WindowGeometry window = ir::resolve_window(node, x, {pooled.kernel_h, pooled.kernel_w});
        const int64_t out_channels = pooled.out_channels, positions = window.output[0] * window.output[1];
        const ChannelOutput requantize = channel_output(node, out_channels);
        const std::size_t source = in(node), target = out(node);
        const int64_t batch = x[0], in_plane = x[1] * x[2] * x[3];
        plan_.steps.push_back([=](Buffers& buffers) {
            std::vector<int16_t> patches;
            std::vector<int32_t> accumulators(static_cast<std::size_t>(out_channels * positions));
            std::vector<int32_t>& output = buffers[target];
            output.resize(static_cast<std::size_t>(batch * out_channels * positions));
            for (int64_t n = 0; n < batch; ++n) {
                gather_patches(buffers[source].data() + n * in_plane, x[1], window, padded_depth(pooled.depth()),
                               patches);
                pooled_accumulators(pooled, patches.data(), positions, accumulators.data());
                requantize.apply(accumulators.data(), out_channels, positions,
                                 output.data() + n * out_channels * positions);
            }
        });
    }

    void pooled_gemm(const ir::Node& node) {
        const ir::Shape& x = shape(node.inputs.at(0));
        require_int16(node, graph_.tensor(node.inputs[0]));
        const PooledWeights pooled = load_pooled_weights(graph_, node);
        if (x.size() != 2 || x[1] != pooled.channels) {
            fail(node, "input " + ir::to_string(x) + " does not match weight");
        }
        const ChannelOutput requantize = channel_output(node, pooled.out_channels);
        const std::size_t source = in(node), target = out(node);
        const int64_t rows = x[0], features = x[1], outputs = pooled.out_channels;
        plan_.steps.push_back([=](Buffers& buffers) {
            const int64_t stride = padded_depth(features);
            std::vector<int16_t> patches(static_cast<std::size_t>(rows * stride), 0);
            for (int64_t r = 0; r < rows; ++r) {
                std::copy_n(buffers[source].data() + r * features, features, patches.data() + r * stride);
            }
            std::vector<int32_t> accumulators(static_cast<std::size_t>(outputs * rows));
            pooled_accumulators(pooled, patches.data(), rows, accumulators.data());
            requantize.apply_row_major(accumulators, outputs, rows, buffers[target]);
        });
    }

    void relu(const ir::Node& node) {
        const passes::Requantizer requantizer = passes::requantizer_of(node, 0);
        const int32_t low = out_min(node), high = out_max(node);
        const std::size_t source = in(node), target = out(node);
        plan_.steps.push_back([=](Buffers& buffers) {
            const std::vector<int32_t>& input = buffers[source];
            std::vector<int32_t>& output = buffers[target];
            output.resize(input.size());
            for (std::size_t i = 0; i < input.size(); ++i) {
                output[i] = passes::requantize(std::max(input[i], 0), requantizer, low, high);
            }
        });
    }

    void add(const ir::Node& node) {
        const int64_t multiplier_a = node.attribute_ints("multiplier_a", {0}).at(0);
        const int64_t multiplier_b = node.attribute_ints("multiplier_b", {0}).at(0);
        const auto shift = static_cast<int32_t>(node.attribute_ints("shift", {1}).at(0));
        const int32_t low = out_min(node), high = out_max(node);
        const std::size_t a = in(node, 0), b = in(node, 1), target = out(node);
        plan_.steps.push_back([=](Buffers& buffers) {
            const std::vector<int32_t>& x = buffers[a];
            const std::vector<int32_t>& y = buffers[b];
            std::vector<int32_t>& output = buffers[target];
            output.resize(x.size());
            for (std::size_t i = 0; i < x.size(); ++i) {
                const int64_t sum = x[i] * multiplier_a + y[i] * multiplier_b;
                output[i] = passes::saturate(passes::rounding_shift_right(sum, shift), low, high);
            }
        });
    }

    void max_pool(const ir::Node& node) {
        const ir::Shape& x = shape(node.inputs.at(0));
        if (x.size() != 4) fail(node, "only 2-D pooling has an integer kernel");
        const ir::WindowGeometry window = ir::resolve_window(node, x, node.attribute_ints("kernel_shape", {}));
        const std::size_t source = in(node), target = out(node);
        plan_.steps.push_back([=](Buffers& buffers) {
            pool(buffers[source], x, window, buffers[target],
                 [](const int32_t* values, const std::vector<int64_t>& at) {
                     int32_t best = std::numeric_limits<int32_t>::min();
                     for (int64_t offset : at) best = std::max(best, values[offset]);
                     return best;
                 });
        });
    }

    void average_pool(const ir::Node& node) {
        const ir::Shape& x = shape(node.inputs.at(0));
        if (x.size() != 4) fail(node, "only 2-D pooling has an integer kernel");
        ir::Node window_node = node;
        if (node.op_type == "QGlobalAveragePool") {
            window_node.attributes = {{"kernel_shape", std::vector<int64_t>{x[2], x[3]}}};
        }
        const ir::WindowGeometry window =
            ir::resolve_window(window_node, x, window_node.attribute_ints("kernel_shape", {}));
        const passes::Requantizer requantizer = passes::requantizer_of(node, 0);
        const int32_t low = out_min(node), high = out_max(node);
        const std::size_t source = in(node), target = out(node);
        plan_.steps.push_back([=](Buffers& buffers) {
            // Padding reads count as zeros (count_include_pad); the 1/count factor is in the requantizer.
            pool(buffers[source], x, window, buffers[target],
                 [=](const int32_t* values, const std::vector<int64_t>& at) {
                     int64_t sum = 0;
                     for (int64_t offset : at) sum += values[offset];
                     return passes::requantize(sum, requantizer, low, high);
                 });
        });
    }

    // Applies reduce(plane values, in-bounds offsets of the window) at every output position of every plane.
    template <typename Reduce>
    static void pool(const std::vector<int32_t>& input, const ir::Shape& x, const ir::WindowGeometry& window,
                     std::vector<int32_t>& output, Reduce reduce) {
        const int64_t planes = x[0] * x[1], ih = x[2], iw = x[3];
        const int64_t oh = window.output[0], ow = window.output[1];
        output.resize(static_cast<std::size_t>(planes * oh * ow));
        std::vector<int64_t> offsets;
        for (int64_t plane = 0; plane < planes; ++plane) {
            const int32_t* values = input.data() + plane * ih * iw;
            for (int64_t y = 0; y < oh; ++y) {
                for (int64_t xx = 0; xx < ow; ++xx) {
                    offsets.clear();
                    for (int64_t ky = 0; ky < window.kernel[0]; ++ky) {
                        const int64_t row = y * window.strides[0] - window.pad_begin[0] + ky * window.dilations[0];
                        if (row < 0 || row >= ih) continue;
                        for (int64_t kx = 0; kx < window.kernel[1]; ++kx) {
                            const int64_t col = xx * window.strides[1] - window.pad_begin[1] + kx * window.dilations[1];
                            if (col >= 0 && col < iw) offsets.push_back(row * iw + col);
                        }
                    }
                    output[static_cast<std::size_t>((plane * oh + y) * ow + xx)] = reduce(values, offsets);
                }
            }
        }
    }

    void copy(const ir::Node& node) {
        const std::size_t source = in(node), target = out(node);
        plan_.steps.push_back([=](Buffers& buffers) { buffers[target] = buffers[source]; });
    }

    void concat(const ir::Node& node) {
        const ir::Shape& y = shape(node.outputs.at(0));
        int64_t axis = node.attribute_int("axis", 1);
        if (axis < 0) axis += static_cast<int64_t>(y.size());
        const int64_t outer = ir::element_count(ir::Shape(y.begin(), y.begin() + axis));
        std::vector<std::size_t> sources;
        std::vector<int64_t> chunks;  // elements per outer index, per input
        for (std::size_t i = 0; i < node.inputs.size(); ++i) {
            sources.push_back(in(node, i));
            const ir::Shape& s = shape(node.inputs[i]);
            chunks.push_back(ir::element_count(ir::Shape(s.begin() + axis, s.end())));
        }
        const std::size_t target = out(node);
        plan_.steps.push_back([=](Buffers& buffers) {
            std::vector<int32_t>& output = buffers[target];
            output.clear();
            for (int64_t o = 0; o < outer; ++o) {
                for (std::size_t i = 0; i < sources.size(); ++i) {
                    const int32_t* begin = buffers[sources[i]].data() + o * chunks[i];
                    output.insert(output.end(), begin, begin + chunks[i]);
                }
            }
        });
    }

    const ir::Graph& graph_;
    IntegerInterpreter::Plan& plan_;
};

void store(const ir::Tensor& tensor, std::vector<int32_t>& buffer) {
    const auto values = tensor.as_int64s();
    buffer.assign(values.begin(), values.end());
}

ir::Tensor load(const ir::Tensor& info, const std::vector<int32_t>& buffer) {
    ir::Tensor tensor(info.name, info.type, info.shape);
    tensor.quant = info.quant;
    tensor.data.resize(buffer.size() * ir::element_size(info.type));
    for (std::size_t i = 0; i < buffer.size(); ++i) {
        switch (info.type) {
            case ir::DataType::kInt8:
                tensor.values<int8_t>()[i] = static_cast<int8_t>(buffer[i]);
                break;
            case ir::DataType::kUint8:
                tensor.values<uint8_t>()[i] = static_cast<uint8_t>(buffer[i]);
                break;
            case ir::DataType::kInt32:
                tensor.values<int32_t>()[i] = buffer[i];
                break;
            default:
                throw std::runtime_error("output '" + info.name + "' is not an integer tensor");
        }
    }
    return tensor;
}

}  // namespace

IntegerInterpreter::IntegerInterpreter(const ir::Graph& graph) : plan_(std::make_unique<Plan>()) {
    Planner planner(graph, *plan_);
    for (const auto& input : graph.inputs) plan_->slot(input);
    plan_->inputs = graph.inputs;
    for (const auto& node : graph.nodes) planner.plan_node(node);
    for (const auto& output : graph.outputs) {
        plan_->outputs.push_back(graph.tensor(output));
        plan_->output_slots.push_back(plan_->slot(output));
    }
}

IntegerInterpreter::~IntegerInterpreter() = default;

ir::TensorMap IntegerInterpreter::run(const ir::TensorMap& inputs) const {
    Buffers buffers(plan_->slot_count);
    for (const auto& name : plan_->inputs) {
        const auto found = inputs.find(name);
        if (found == inputs.end()) throw std::runtime_error("integer interpreter: missing input '" + name + "'");
        if (found->second.type == ir::DataType::kFloat32) {
            throw std::runtime_error("integer interpreter: input '" + name + "' is float32; quantize it first");
        }
        store(found->second, buffers[plan_->slots.at(name)]);
    }
    for (const auto& step : plan_->steps) step(buffers);
    ir::TensorMap outputs;
    for (std::size_t i = 0; i < plan_->outputs.size(); ++i) {
        outputs[plan_->outputs[i].name] = load(plan_->outputs[i], buffers[plan_->output_slots[i]]);
    }
    return outputs;
}

ir::TensorMap run_integer(const ir::Graph& graph, const ir::TensorMap& inputs) {
    return IntegerInterpreter(graph).run(inputs);
}

}  // namespace cimvp::interpreter
