#include "firmware/compiler/zoo/network_builder.h"

#include <cmath>
#include <stdexcept>

#include "firmware/compiler/interpreter/float_interpreter.h"
#include "firmware/compiler/ir/shape_inference.h"
#include "firmware/compiler/zoo/seeded_random.h"

namespace cimvp::zoo {
namespace {

// Images in the statistics batch: enough spatial samples per channel for the last, smallest
// feature maps (4x4 on CIFAR) without costing more than one 224x224 image.
int64_t statistics_batch(const ir::Shape& input_shape) {
    const int64_t pixels = input_shape.size() > 3 ? input_shape[2] * input_shape[3] : 1;
    return std::max<int64_t>(1, 4096 / pixels);
}

}  // namespace

NetworkBuilder::NetworkBuilder(std::string graph_name, uint64_t seed, const ir::Shape& input_shape)
    : seed_(seed), input_("input") {
    graph_.name = std::move(graph_name);
    graph_.inputs = {input_};
    graph_.values[input_] = ir::Tensor(input_, ir::DataType::kFloat32, input_shape);
    ir::Shape batch_shape = input_shape;
    batch_shape.at(0) = statistics_batch(input_shape);
    activations_[input_] = random_image(input_, batch_shape, seed, "statistics_batch");
}

int64_t NetworkBuilder::channels(const std::string& value) const { return graph_.tensor(value).shape.at(1); }

std::string NetworkBuilder::add_initializer(const std::string& name, const ir::Shape& shape,
                                            std::vector<float> values) {
    graph_.initializers[name] = ir::Tensor::from_values(name, shape, values);
    return name;
}

std::string NetworkBuilder::add_node(ir::Node node) {
    // Shapes for the graph (batch 1), then the node run on the statistics batch in a one-node graph
    // that borrows the weights.
    std::vector<const ir::Tensor*> infos;
    for (const auto& name : node.inputs) infos.push_back(name.empty() ? nullptr : &graph_.tensor(name));
    for (auto& output : ir::infer_node_outputs(node, infos)) graph_.values[output.name] = std::move(output);

    ir::Graph step;
    step.name = node.name;
    step.outputs = node.outputs;
    ir::TensorMap inputs;
    for (const auto& name : node.inputs) {
        if (graph_.is_initializer(name)) {
            step.initializers[name] = std::move(graph_.initializers.at(name));
        } else {
            const ir::Tensor& activation = activations_.at(name);
            step.inputs.push_back(name);
            step.values[name] = ir::Tensor(name, activation.type, activation.shape);
            inputs[name] = activation;
        }
    }
    step.nodes = {node};
    step = ir::infer_shapes(std::move(step));
    ir::TensorMap outputs = ir::run_float(step, inputs);
    for (auto& [name, tensor] : step.initializers) graph_.initializers[name] = std::move(tensor);
    for (auto& [name, tensor] : outputs) activations_[name] = std::move(tensor);

    const std::string output = node.outputs.at(0);
    graph_.add_node(std::move(node));
    return output;
}

std::vector<double> NetworkBuilder::channel_means(const std::string& value) const {
    const ir::Tensor& activation = activations_.at(value);
    const int64_t count = activation.shape.at(1);
    const int64_t per_channel = activation.element_count() / (activation.shape[0] * count);
    const float* values = activation.values<float>();
    std::vector<double> means(static_cast<std::size_t>(count), 0.0);
    for (int64_t i = 0; i < activation.element_count(); ++i)
        means[static_cast<std::size_t>(i / per_channel % count)] += values[i];
    for (auto& mean : means) mean /= static_cast<double>(activation.shape[0] * per_channel);
    return means;
}

std::string NetworkBuilder::conv(const std::string& input, const ConvSpec& spec, const std::string& name) {
    const int64_t in_channels = channels(input);
    const int64_t fan_in = in_channels * spec.kernel * spec.kernel;
    const ir::Shape weight_shape{spec.out_channels, in_channels, spec.kernel, spec.kernel};
    SeededRandom weight_random(seed_, name + ".weight");
    ir::Node node{
        name,
        "Conv",
        {input, add_initializer(name + ".weight", weight_shape,
                                weight_random.normal_values(static_cast<std::size_t>(ir::element_count(weight_shape)),
                                                            0.0, std::sqrt(2.0 / static_cast<double>(fan_in))))},
        {name + ".out"},
        {}};
    if (spec.bias) {
        SeededRandom bias_random(seed_, name + ".bias");
        node.inputs.push_back(add_initializer(name + ".bias", {spec.out_channels},
                                              bias_random.normal_values(spec.out_channels, 0.0, 0.1)));
    }
    node.attributes["kernel_shape"] = std::vector<int64_t>{spec.kernel, spec.kernel};
    node.attributes["strides"] = std::vector<int64_t>{spec.stride, spec.stride};
    node.attributes["pads"] = std::vector<int64_t>{spec.pad, spec.pad, spec.pad, spec.pad};
    return add_node(std::move(node));
}

std::string NetworkBuilder::batch_norm(const std::string& input, const std::string& name, double gamma_low,
                                       double gamma_high) {
    const auto count = static_cast<std::size_t>(channels(input));
    const int64_t c = static_cast<int64_t>(count);
    // Running statistics measured on the statistics batch, as training would have left them.
    const std::vector<double> mean = channel_means(input);
    const ir::Tensor& activation = activations_.at(input);
    const int64_t per_channel = activation.element_count() / (activation.shape[0] * c);
    std::vector<double> variance(count, 0.0);
    const float* values = activation.values<float>();
    for (int64_t i = 0; i < activation.element_count(); ++i) {
        const auto channel = static_cast<std::size_t>(i / per_channel % c);
        variance[channel] += (values[i] - mean[channel]) * (values[i] - mean[channel]);
    }
    std::vector<float> running_mean(count), running_variance(count);
    for (std::size_t k = 0; k < count; ++k) {
        running_mean[k] = static_cast<float>(mean[k]);
        running_variance[k] = static_cast<float>(variance[k] / static_cast<double>(activation.shape[0] * per_channel));
    }
    SeededRandom random(seed_, name);
    ir::Node node{
        name,
        "BatchNormalization",
        {input, add_initializer(name + ".scale", {c}, random.uniform_values(count, gamma_low, gamma_high)),
         add_initializer(name + ".bias", {c}, random.normal_values(count, 0.0, 0.1)),
         add_initializer(name + ".mean", {c}, running_mean), add_initializer(name + ".var", {c}, running_variance)},
        {name + ".out"},
        {}};
    node.attributes["epsilon"] = 1e-5f;
    return add_node(std::move(node));
}

std::string NetworkBuilder::relu(const std::string& input, const std::string& name) {
    return add_node({name, "Relu", {input}, {name + ".out"}, {}});
}

std::string NetworkBuilder::conv_bn_relu(const std::string& input, const ConvSpec& spec, const std::string& name) {
    return relu(batch_norm(conv(input, spec, name), name + "_bn"), name + "_relu");
}

std::string NetworkBuilder::max_pool(const std::string& input, int64_t kernel, int64_t stride, int64_t pad,
                                     bool ceil_mode, const std::string& name) {
    ir::Node node{name, "MaxPool", {input}, {name + ".out"}, {}};
    node.attributes["kernel_shape"] = std::vector<int64_t>{kernel, kernel};
    node.attributes["strides"] = std::vector<int64_t>{stride, stride};
    node.attributes["pads"] = std::vector<int64_t>{pad, pad, pad, pad};
    if (ceil_mode) node.attributes["ceil_mode"] = int64_t{1};
    return add_node(std::move(node));
}

std::string NetworkBuilder::global_average_pool(const std::string& input, const std::string& name) {
    return add_node({name, "GlobalAveragePool", {input}, {name + ".out"}, {}});
}

std::string NetworkBuilder::add(const std::string& a, const std::string& b, const std::string& name) {
    return add_node({name, "Add", {a, b}, {name + ".out"}, {}});
}

std::string NetworkBuilder::concat(const std::vector<std::string>& inputs, const std::string& name) {
    ir::Node node{name, "Concat", inputs, {name + ".out"}, {}};
    node.attributes["axis"] = int64_t{1};
    return add_node(std::move(node));
}

std::string NetworkBuilder::flatten(const std::string& input, const std::string& name) {
    ir::Node node{name, "Flatten", {input}, {name + ".out"}, {}};
    node.attributes["axis"] = int64_t{1};
    return add_node(std::move(node));
}

std::string NetworkBuilder::gemm(const std::string& input, int64_t out_features, const std::string& name) {
    const int64_t in_features = graph_.tensor(input).shape.at(1);
    const ir::Shape weight_shape{out_features, in_features};
    SeededRandom weight_random(seed_, name + ".weight");
    SeededRandom bias_random(seed_, name + ".bias");
    ir::Node node{name,
                  "Gemm",
                  {input,
                   add_initializer(name + ".weight", weight_shape,
                                   weight_random.normal_values(static_cast<std::size_t>(out_features * in_features),
                                                               0.0, std::sqrt(2.0 / static_cast<double>(in_features)))),
                   add_initializer(name + ".bias", {out_features},
                                   bias_random.normal_values(static_cast<std::size_t>(out_features), 0.0, 0.1))},
                  {name + ".out"},
                  {}};
    node.attributes["transB"] = int64_t{1};
    return add_node(std::move(node));
}

void NetworkBuilder::center_outputs(const std::string& layer_output) {
    const ir::Node& layer = graph_.nodes.at(static_cast<std::size_t>(graph_.producer(layer_output)));
    const std::vector<double> mean = channel_means(layer.inputs.at(0));
    const auto count = static_cast<int64_t>(mean.size());
    const ir::Tensor& weight = graph_.initializers.at(layer.inputs.at(1));  // out x in x kernel...
    const auto w = weight.as_doubles();
    const int64_t outputs = weight.shape[0];
    const int64_t taps = weight.element_count() / (outputs * count);
    float* bias = graph_.initializers.at(layer.inputs.at(2)).values<float>();
    for (int64_t k = 0; k < outputs; ++k) {
        double response = 0.0;
        for (int64_t c = 0; c < count; ++c) {
            for (int64_t t = 0; t < taps; ++t)
                response += w[static_cast<std::size_t>((k * count + c) * taps + t)] * mean[c];
        }
        bias[k] -= static_cast<float>(response);
    }
}

ir::Graph NetworkBuilder::finish(const std::string& output) {
    graph_.outputs = {output};
    graph_.validate();
    return std::move(graph_);
}

}  // namespace cimvp::zoo
