#include "firmware/compiler/passes/prune_blocks.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <sstream>
#include <stdexcept>

namespace cimvp::passes {

namespace {

// The weight of a QConv/QGemm seen as [K, C, kh, kw].
struct WeightDims {
    int64_t k, c, kh, kw;
    int64_t taps() const { return kh * kw; }
};

ir::Tensor& weight_of(ir::Graph& graph, const ir::Node& node, WeightDims& dims) {
    const std::string& name = node.input(1);
    if (!graph.is_initializer(name)) {
        throw std::runtime_error("prune_blocks: " + node.describe() + ": weight '" + name + "' is not a constant");
    }
    ir::Tensor& weight = graph.initializers.at(name);
    const size_t rank = node.op_type == "QConv" ? 4 : 2;
    if (weight.type != ir::DataType::kInt8 || weight.shape.size() != rank) {
        throw std::runtime_error("prune_blocks: " + node.describe() + ": weight '" + name + "' is " +
                                 ir::to_string(weight.type) + " " + ir::to_string(weight.shape) +
                                 ", expected int8 of rank " + std::to_string(rank));
    }
    dims = {weight.shape[0], weight.shape[1], rank == 4 ? weight.shape[2] : 1, rank == 4 ? weight.shape[3] : 1};
    return weight;
}

// Why a layer cannot be cut into whole blocks, or "" when it can.
std::string dense_reason(const ir::Node& node, const WeightDims& dims, const PruneConfig& config) {
    const int64_t group = node.attribute_int("group", 1);
    if (group != 1) return "grouped convolution (group " + std::to_string(group) + ")";
    if (dims.c % config.group_rows != 0) {
        return "input channels " + std::to_string(dims.c) + " are not a multiple of group_rows " +
               std::to_string(config.group_rows);
    }
    if (dims.k % config.group_channels != 0) {
        return "output channels " + std::to_string(dims.k) + " are not a multiple of group_channels " +
               std::to_string(config.group_channels);
    }
    return "";
}

// Zeroes the lowest-L1 blocks of one weight and fills in the layer's block counts.
void prune_layer(int8_t* weights, const WeightDims& dims, const PruneConfig& config, LayerPruning& layer) {
    const int64_t row_groups = dims.c / config.group_rows, column_groups = dims.k / config.group_channels;
    layer.blocks = dims.taps() * row_groups * column_groups;
    layer.pruned_blocks = static_cast<int64_t>(std::floor(config.sparsity * static_cast<double>(layer.blocks)));
    // The block of every weight, numbered tap-major, then word-line group, then column group.
    std::vector<int64_t> block_of(static_cast<size_t>(layer.weights));
    std::vector<int64_t> norms(static_cast<size_t>(layer.blocks), 0);
    for (int64_t k = 0; k < dims.k; ++k) {
        for (int64_t c = 0; c < dims.c; ++c) {
            for (int64_t tap = 0; tap < dims.taps(); ++tap) {
                const int64_t index = (k * dims.c + c) * dims.taps() + tap;
                const int64_t block =
                    (tap * row_groups + c / config.group_rows) * column_groups + k / config.group_channels;
                block_of[index] = block;
                norms[block] += std::abs(int64_t{weights[index]});
            }
        }
    }
    std::vector<int64_t> order(norms.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&norms](int64_t a, int64_t b) { return norms[a] != norms[b] ? norms[a] < norms[b] : a < b; });
    std::vector<bool> pruned(norms.size(), false);
    for (int64_t i = 0; i < layer.pruned_blocks; ++i) pruned[order[i]] = true;
    for (int64_t index = 0; index < layer.weights; ++index) {
        if (pruned[block_of[index]]) weights[index] = 0;
    }
    layer.weights_zeroed = layer.pruned_blocks * config.group_rows * config.group_channels;
}

}  // namespace

void validate(const PruneConfig& config) {
    auto fail = [](const std::string& field, const std::string& value, const char* range) {
        throw std::runtime_error("prune_blocks: " + field + " " + value + " is not " + range);
    };
    if (config.group_rows < 1) fail("group_rows", std::to_string(config.group_rows), "at least 1");
    if (config.group_channels < 1) fail("group_channels", std::to_string(config.group_channels), "at least 1");
    if (!(config.sparsity >= 0.0 && config.sparsity < 1.0)) {
        std::ostringstream value;
        value << config.sparsity;
        fail("sparsity", value.str(), "in [0, 1)");
    }
}

PrunedGraph prune_blocks(ir::Graph graph, const PruneConfig& config) {
    validate(config);
    PruneReport report;
    for (const ir::Node& node : graph.nodes) {
        if (node.op_type != "QConv" && node.op_type != "QGemm") continue;
        WeightDims dims{};
        ir::Tensor& weight = weight_of(graph, node, dims);
        int8_t* weights = weight.values<int8_t>();
        LayerPruning layer;
        layer.layer = node.name;
        layer.weights = weight.element_count();
        layer.dense_reason = dense_reason(node, dims, config);
        if (layer.dense_reason.empty()) prune_layer(weights, dims, config, layer);
        report.weights += layer.weights;
        report.zero_weights += std::count(weights, weights + layer.weights, int8_t{0});
        report.layers.push_back(std::move(layer));
    }
    return {std::move(graph), std::move(report)};
}

}  // namespace cimvp::passes
