// Builds zoo networks layer by layer with deterministic, sensibly scaled random weights.
//
// Weights are He-normal (std sqrt(2 / fan_in)), which keeps the scale of activations steady
// through ReLU layers. Like a trained network, BatchNormalization carries the statistics of the
// data it normalises: the builder runs every layer as it is added on a small batch of random
// images (zoo::random_image) and records each BN input's per-channel mean and variance as its
// running statistics, while gamma and beta are drawn at random. Folding BN then has real work to
// do, and no layer is left with activations that explode or die.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::zoo {

struct ConvSpec {
    int64_t out_channels = 0;
    int64_t kernel = 3;
    int64_t stride = 1;
    int64_t pad = 0;
    bool bias = false;
};

class NetworkBuilder {
   public:
    // One graph input named "input" of shape N x C x H x W.
    NetworkBuilder(std::string graph_name, uint64_t seed, const ir::Shape& input_shape);

    const std::string& input() const { return input_; }
    int64_t channels(const std::string& value) const;

    std::string conv(const std::string& input, const ConvSpec& spec, const std::string& name);
    // gamma is drawn uniformly from [gamma_low, gamma_high].
    std::string batch_norm(const std::string& input, const std::string& name, double gamma_low = 0.5,
                           double gamma_high = 1.5);
    std::string relu(const std::string& input, const std::string& name);
    std::string conv_bn_relu(const std::string& input, const ConvSpec& spec, const std::string& name);
    std::string max_pool(const std::string& input, int64_t kernel, int64_t stride, int64_t pad, bool ceil_mode,
                         const std::string& name);
    std::string global_average_pool(const std::string& input, const std::string& name);
    std::string add(const std::string& a, const std::string& b, const std::string& name);
    std::string concat(const std::vector<std::string>& inputs, const std::string& name);
    std::string flatten(const std::string& input, const std::string& name);
    // Fully connected layer with bias (ONNX Gemm, transB = 1).
    std::string gemm(const std::string& input, int64_t out_features, const std::string& name);

    // Shifts the bias of the biased Conv or Gemm producing `layer_output` by -W * mean, where mean is
    // the per-channel mean of the layer's input over the builder's image batch. A trained classifier
    // responds to what distinguishes inputs; with random weights the logits would otherwise be
    // dominated by the input-independent mean feature, and every input would get the same class.
    void center_outputs(const std::string& layer_output);

    // Marks `output` as the graph output and returns the finished, shape-inferred graph.
    ir::Graph finish(const std::string& output);

   private:
    std::string add_node(ir::Node node);
    // Per-channel mean of an activation over the batch and the spatial positions.
    std::vector<double> channel_means(const std::string& value) const;
    std::string add_initializer(const std::string& name, const ir::Shape& shape, std::vector<float> values);

    ir::Graph graph_;
    uint64_t seed_;
    std::string input_;
    std::map<std::string, ir::Tensor> activations_;  // every value, computed on the image batch
};

}  // namespace cimvp::zoo
