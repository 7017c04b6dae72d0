// The CIMPool weight-pool pass: segments by hand, the effective-bits arithmetic against a hand count,
// the pool and error-term layout every pooled node promises (dense weight = a pool[idx] + b error),
// non-repeating groups, error-block pruning counts and choice, determinism, the integer interpreter's pool path
// against the dense weight bit for bit, reconstruction error against pool size, and config errors.
#include "firmware/compiler/passes/weight_pool.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "firmware/compiler/interpreter/integer_interpreter.h"
#include "firmware/compiler/passes/calibrate.h"
#include "firmware/compiler/passes/integer_ops.h"
#include "firmware/compiler/passes/quantize.h"
#include "firmware/compiler/passes/quantize_network.h"
#include "firmware/compiler/zoo/seeded_random.h"
#include "firmware/compiler/zoo/zoo.h"

namespace cimvp::passes {
namespace {

ir::Tensor int_value(const std::string& name, const ir::Shape& shape, double scale) {
    ir::Tensor tensor(name, ir::DataType::kInt8, shape);
    tensor.quant = activation_quant(8, true, scale);
    return tensor;
}

// x [1, C, 6, 6] -> QConv [K, C, kh, kw] (pad 1) -> y, with the float `weights` quantized per channel
// to 8 bits, a seeded bias and requantization set as quantize does.
ir::Graph conv_layer_of(const std::vector<float>& weights, int64_t k, int64_t c, int64_t kh, int64_t kw,
                        uint64_t seed) {
    zoo::SeededRandom random(seed, "weight_pool_test_bias");
    const int64_t per_channel = c * kh * kw;
    ir::Tensor weight("w", ir::DataType::kInt8, {k, c, kh, kw});
    weight.data.resize(weights.size());
    weight.quant.bits = 8;
    std::vector<int32_t> bias(static_cast<std::size_t>(k));
    const double input_scale = 0.05;
    ir::QuantParams bias_quant;
    bias_quant.bits = 32;
    for (int64_t kk = 0; kk < k; ++kk) {
        float largest = 0.0f;
        for (int64_t i = 0; i < per_channel; ++i) largest = std::max(largest, std::fabs(weights[kk * per_channel + i]));
        const float scale = largest / 127.0f;
        weight.quant.scale.push_back(scale);
        for (int64_t i = 0; i < per_channel; ++i) {
            weight.values<int8_t>()[kk * per_channel + i] =
                static_cast<int8_t>(std::lround(weights[kk * per_channel + i] / scale));
        }
        bias_quant.scale.push_back(static_cast<float>(input_scale * scale));
        bias[kk] = static_cast<int32_t>(std::lround(random.uniform(-0.2, 0.2) / (input_scale * scale)));
    }
    ir::Graph graph;
    graph.inputs = {"x"};
    graph.outputs = {"y"};
    graph.values["x"] = int_value("x", {1, c, 6, 6}, input_scale);
    graph.values["y"] = int_value("y", {1, k, 6 + 3 - kh, 6 + 3 - kw}, 0.1);
    graph.initializers["w"] = weight;
    graph.initializers["b"] = ir::Tensor::from_values<int32_t>("b", {k}, bias);
    graph.initializers["b"].quant = bias_quant;
    ir::Node node{"layer", "QConv", {"x", "w", "b"}, {"y"}, {}};
    node.attributes["pads"] = std::vector<int64_t>{1, 1, 1, 1};
    set_requantization(graph, node);
    graph.nodes.push_back(node);
    return graph;
}

// conv_layer_of with seeded N(0, 1/fan_in) weights.
ir::Graph conv_layer(int64_t k, int64_t c, int64_t kh, int64_t kw, uint64_t seed) {
    zoo::SeededRandom random(seed, "weight_pool_test");
    const int64_t per_channel = c * kh * kw;
    const auto weights = random.normal_values(static_cast<std::size_t>(k * per_channel), 0.0,
                                              1.0 / std::sqrt(static_cast<double>(per_channel)));
    return conv_layer_of(weights, k, c, kh, kw, seed);
}

WeightPoolConfig small_config() {
    WeightPoolConfig config;
    config.vector_length = 8;
    config.pool_size = 4;
    config.error_group_rows = 4;
    config.error_group_channels = 2;
    config.first_and_last_dense = false;
    return config;
}

template <typename T>
std::vector<T> values_of(const ir::Graph& graph, const std::string& name) {
    const ir::Tensor& tensor = graph.initializers.at(name);
    return {tensor.values<T>(), tensor.values<T>() + tensor.element_count()};
}

// The weight as [K, C, kh, kw] and the node's pool tensors, read back from the graph.
struct PooledLayer {
    int64_t k, c, kh, kw;
    std::vector<SpanSegment> segments;
    std::vector<int8_t> weight, pool, error;
    std::vector<int32_t> indices;
    int64_t a, b, length;
};

PooledLayer read_layer(const ir::Graph& graph, const ir::Node& node) {
    const ir::Tensor& weight = graph.initializers.at(node.inputs[1]);
    PooledLayer layer{weight.shape[0], weight.shape[1], 1, 1, {}, {}, {}, {}, {}, 0, 0, 0};
    if (weight.shape.size() == 4) {
        layer.kh = weight.shape[2];
        layer.kw = weight.shape[3];
    }
    layer.length = node.attribute_int("vector_length", 0);
    layer.segments = pool_segments(layer.kw, layer.c, static_cast<int>(layer.length),
                                   parse_pool_axis(node.attribute_string("pool_axis", "")));
    layer.weight = values_of<int8_t>(graph, node.inputs[1]);
    layer.pool = values_of<int8_t>(graph, node.attribute_string("pool", ""));
    layer.indices = values_of<int32_t>(graph, node.attribute_string("pool_indices", ""));
    layer.error = node.has_attribute("pool_error") ? values_of<int8_t>(graph, node.attribute_string("pool_error", ""))
                                                   : std::vector<int8_t>(layer.weight.size(), 0);
    layer.a = node.attribute_int("pool_scale", -1);
    layer.b = node.attribute_int("error_scale", -1);
    return layer;
}

// Checks w[k, c, u, v] == a * pool[idx[k, u, s]][i - offset_s] + b * error[k, c, u, v] for every weight.
void expect_weight_is_pool_plus_error(const PooledLayer& layer) {
    const auto segments = static_cast<int64_t>(layer.segments.size());
    ASSERT_EQ(static_cast<int64_t>(layer.indices.size()), layer.k * layer.kh * segments);
    int64_t checked = 0;
    for (int64_t k = 0; k < layer.k; ++k) {
        for (int64_t u = 0; u < layer.kh; ++u) {
            for (int64_t s = 0; s < segments; ++s) {
                const SpanSegment& segment = layer.segments[s];
                const int32_t n = layer.indices[(k * layer.kh + u) * segments + s];
                for (int64_t j = 0; j < segment.length; ++j) {
                    const int64_t i = segment.offset + j, c = i % layer.c, v = i / layer.c;
                    const int64_t w = ((k * layer.c + c) * layer.kh + u) * layer.kw + v;
                    ASSERT_EQ(layer.weight[w], layer.a * layer.pool[n * layer.length + j] + layer.b * layer.error[w])
                        << k << " " << c << " " << u << " " << v;
                    ++checked;
                }
            }
        }
    }
    EXPECT_EQ(checked, static_cast<int64_t>(layer.weight.size()));
}

std::string error_of(const WeightPoolConfig& config) {
    try {
        validate(config);
    } catch (const std::runtime_error& error) {
        return error.what();
    }
    return "no error";
}

TEST(PoolSegments, KernelRowCutsTheWholeSpanAcrossTaps) {
    // kw = 3, C = 5: span 15, L = 4.
    const auto segments = pool_segments(3, 5, 4, PoolAxis::kKernelRow);
    const std::vector<std::pair<int64_t, int64_t>> expected = {{0, 4}, {4, 4}, {8, 4}, {12, 3}};
    ASSERT_EQ(segments.size(), expected.size());
    for (size_t s = 0; s < expected.size(); ++s) {
        EXPECT_EQ(segments[s].offset, expected[s].first) << s;
        EXPECT_EQ(segments[s].length, expected[s].second) << s;
    }
    const auto whole = pool_segments(3, 64, 128, PoolAxis::kKernelRow);  // 192 = 128 + 64
    ASSERT_EQ(whole.size(), 2u);
    EXPECT_EQ(whole[1].offset, 128);
    EXPECT_EQ(whole[1].length, 64);
}

TEST(PoolSegments, InputChannelsCutsEachTapSeparately) {
    // kw = 3, C = 5, L = 4: per tap [0, 4) + [4, 5).
    const auto segments = pool_segments(3, 5, 4, PoolAxis::kInputChannels);
    const std::vector<std::pair<int64_t, int64_t>> expected = {{0, 4}, {4, 1}, {5, 4}, {9, 1}, {10, 4}, {14, 1}};
    ASSERT_EQ(segments.size(), expected.size());
    for (size_t s = 0; s < expected.size(); ++s) {
        EXPECT_EQ(segments[s].offset, expected[s].first) << s;
        EXPECT_EQ(segments[s].length, expected[s].second) << s;
    }
    // A QGemm [M, 10] is kw = 1, C = 10: both axes give [0, 4), [4, 8), [8, 10).
    for (PoolAxis axis : {PoolAxis::kKernelRow, PoolAxis::kInputChannels}) {
        const auto gemm = pool_segments(1, 10, 4, axis);
        ASSERT_EQ(gemm.size(), 3u);
        EXPECT_EQ(gemm[2].offset, 8);
        EXPECT_EQ(gemm[2].length, 2);
    }
    EXPECT_EQ(parse_pool_axis("input_channels"), PoolAxis::kInputChannels);
    EXPECT_EQ(parse_pool_axis("kernel_row"), PoolAxis::kKernelRow);
}

TEST(WeightPool, EffectiveBitsMatchAHandCount) {
    // QConv [K=4, C=6, 2, 2], L = 8, N = 4, kernel_row: span 2 x 6 = 12 -> segments 8 + 4, S = 2.
    //   indices: 4 x 2 x 2 = 16 vectors x log2(4) = 32 bits;
    //   error blocks: 4 span rows x 2 channels: 2 kernel rows x 3 x 2 = 12 blocks, keep 6 x 8 entries = 48 bits;
    //   mask: 12 bits; scales a, b: 16 bits.  (32 + 48 + 12 + 16) / 96 = 1.125 bits per weight;
    //   with the pool (4 x 8 x 1 bit): (108 + 32) / 96.
    const PooledGraph pooled = weight_pool(conv_layer(4, 6, 2, 2, 3), small_config());
    ASSERT_EQ(pooled.report.layers.size(), 1u);
    const LayerPoolReport& layer = pooled.report.layers[0];
    EXPECT_TRUE(layer.pooled);
    EXPECT_EQ(layer.dense_reason, "");
    EXPECT_EQ(layer.weights, 96);
    EXPECT_EQ(layer.index_bits, 32);
    EXPECT_EQ(layer.error_bits, 48);
    EXPECT_EQ(layer.mask_bits, 12);
    EXPECT_EQ(layer.scale_bits, 16);
    EXPECT_DOUBLE_EQ(layer.effective_bits, 1.125);
    EXPECT_EQ(pooled.report.pool_bits, 32);
    EXPECT_EQ(pooled.report.pooled_weights, 96);
    EXPECT_DOUBLE_EQ(pooled.report.effective_bits_per_weight(), 140.0 / 96.0);
    EXPECT_GT(layer.relative_error, 0.0);
    EXPECT_LT(layer.relative_error, 1.0);
    EXPECT_DOUBLE_EQ(pooled.report.relative_error(), layer.relative_error);

    // Without the error term only indices and a remain: (32 + 8) / 96; a 3-bit int pool costs 4 x 8 x 3.
    WeightPoolConfig plain = small_config();
    plain.error_term = false;
    plain.format = PoolFormat::kInteger;
    plain.pool_bits = 3;
    const PooledGraph bare = weight_pool(conv_layer(4, 6, 2, 2, 3), plain);
    EXPECT_EQ(bare.report.layers[0].error_bits, 0);
    EXPECT_EQ(bare.report.layers[0].mask_bits, 0);
    EXPECT_EQ(bare.report.layers[0].scale_bits, 8);
    EXPECT_DOUBLE_EQ(bare.report.layers[0].effective_bits, 40.0 / 96.0);
    EXPECT_EQ(bare.report.pool_bits, 96);
    const ir::Node& node = bare.graph.nodes[0];
    EXPECT_FALSE(node.has_attribute("pool_error"));
    EXPECT_EQ(node.attribute_int("error_scale", -1), 0);
}

TEST(WeightPool, NodesCarryThePoolLayoutAndTheDenseWeightIsPoolPlusError) {
    WeightPoolConfig config = small_config();
    config.pool_size = 6;
    for (const auto format : {PoolFormat::kBinary, PoolFormat::kInteger}) {
        for (const auto axis : {PoolAxis::kKernelRow, PoolAxis::kInputChannels}) {
            config.format = format;
            config.axis = axis;
            SCOPED_TRACE(to_string(format) + " " + to_string(axis));
            const PooledGraph pooled = weight_pool(conv_layer(5, 6, 3, 3, 4), config);
            const ir::Node& node = pooled.graph.nodes[0];
            EXPECT_EQ(node.op_type, "QConv");
            EXPECT_EQ(node.attribute_string("pool", ""), "weight_pool");
            EXPECT_EQ(node.attribute_string("pool_indices", ""), "layer.pool_indices");
            EXPECT_EQ(node.attribute_string("pool_error", ""), "layer.pool_error");
            EXPECT_EQ(node.attribute_int("vector_length", 0), 8);
            EXPECT_EQ(node.attribute_string("pool_axis", ""), to_string(axis));
            const ir::Tensor& pool = pooled.graph.initializers.at("weight_pool");
            EXPECT_EQ(pool.shape, (ir::Shape{6, 8}));
            const int limit = format == PoolFormat::kBinary ? 1 : 7;
            for (int8_t entry : values_of<int8_t>(pooled.graph, "weight_pool")) {
                EXPECT_LE(std::abs(entry), limit);
                if (format == PoolFormat::kBinary) {
                    EXPECT_NE(entry, 0);
                }
            }
            // span 3 x 6 = 18: kernel_row 8 + 8 + 2, input_channels 3 x (6): S = 3 either way.
            EXPECT_EQ(pooled.graph.initializers.at("layer.pool_indices").shape, (ir::Shape{5, 3, 3}));
            const PooledLayer layer = read_layer(pooled.graph, node);
            EXPECT_GE(layer.a, 1);
            EXPECT_GE(layer.b, 1);
            EXPECT_LE(layer.a * limit + layer.b, 127);
            for (int8_t e : layer.error) EXPECT_TRUE(e == -1 || e == 0 || e == 1);
            expect_weight_is_pool_plus_error(layer);
            // One per-tensor weight scale; the bias is at s_in * q.
            const ir::Tensor& weight = pooled.graph.initializers.at("w");
            ASSERT_EQ(weight.quant.scale.size(), 1u);
            const ir::Tensor& bias = pooled.graph.initializers.at("b");
            EXPECT_FLOAT_EQ(bias.quant.scale.at(2), static_cast<float>(0.05 * weight.quant.scale[0]));
        }
    }
}

TEST(WeightPool, NonRepeatingGroupsUseDistinctPoolVectors) {
    // K = 20 with N = 8: groups of channels [0, 8), [8, 16) and the partial [16, 20).
    WeightPoolConfig config = small_config();
    config.pool_size = 8;
    const PooledGraph pooled = weight_pool(conv_layer(20, 6, 3, 3, 5), config);
    const PooledLayer layer = read_layer(pooled.graph, pooled.graph.nodes[0]);
    const int64_t segments = static_cast<int64_t>(layer.segments.size());
    int64_t groups = 0;
    for (int64_t u = 0; u < layer.kh; ++u) {
        for (int64_t s = 0; s < segments; ++s) {
            for (int64_t first = 0; first < layer.k; first += 8) {
                std::set<int32_t> used;
                const int64_t end = std::min<int64_t>(first + 8, layer.k);
                for (int64_t k = first; k < end; ++k) used.insert(layer.indices[(k * layer.kh + u) * segments + s]);
                EXPECT_EQ(static_cast<int64_t>(used.size()), end - first) << u << " " << s << " " << first;
                EXPECT_GE(*used.begin(), 0);
                EXPECT_LT(*used.rbegin(), 8);
                ++groups;
            }
        }
    }
    EXPECT_EQ(groups, 3 * 3 * 3);
    // kmeans takes the nearest vector, so some group reuses one.
    config.assignment = PoolAssignment::kKmeans;
    const PooledGraph kmeans = weight_pool(conv_layer(20, 6, 3, 3, 5), config);
    const PooledLayer nearest = read_layer(kmeans.graph, kmeans.graph.nodes[0]);
    std::set<int32_t> first_group;
    for (int64_t k = 0; k < 8; ++k) first_group.insert(nearest.indices[k * nearest.kh * segments]);
    EXPECT_LT(first_group.size(), 8u);
}

TEST(WeightPool, ErrorPruningKeepsTheCeilingOfTheShareOfBlocksWholeOrNotAtAll) {
    // QConv [K=7, C=5, 1, 3]: span 15 with 4-row blocks -> 4 row blocks (the last of 3 rows); 7 channels
    // in pairs -> 4 channel blocks (the last of 1): 16 blocks.
    for (const auto& [keep, kept] : std::vector<std::pair<double, int>>{
             {1.0, 16}, {0.5, 8}, {0.25, 4}, {0.26, 5}, {0.3, 5}, {0.0625, 1}, {0.01, 1}}) {
        WeightPoolConfig config = small_config();
        config.error_keep = keep;
        const PooledGraph pooled = weight_pool(conv_layer(7, 5, 1, 3, 6), config);
        const PooledLayer layer = read_layer(pooled.graph, pooled.graph.nodes[0]);
        int whole = 0, bits = 0;
        for (int64_t rows = 0; rows < 4; ++rows) {
            for (int64_t channels = 0; channels < 4; ++channels) {
                int nonzero = 0, size = 0;
                for (int64_t k = channels * 2; k < std::min<int64_t>(7, channels * 2 + 2); ++k) {
                    for (int64_t i = rows * 4; i < std::min<int64_t>(15, rows * 4 + 4); ++i) {
                        const int64_t c = i % 5, v = i / 5;
                        nonzero += layer.error[(k * 5 + c) * 3 + v] != 0;
                        ++size;
                    }
                }
                EXPECT_TRUE(nonzero == 0 || nonzero == size) << keep << " block " << rows << " " << channels;
                whole += nonzero == size;
                bits += nonzero;
            }
        }
        EXPECT_EQ(whole, kept) << keep;
        EXPECT_EQ(pooled.report.layers[0].error_bits, bits) << keep;
        EXPECT_EQ(pooled.report.layers[0].mask_bits, keep < 1.0 ? 16 : 0) << keep;
    }
}

TEST(WeightPool, TheKeptErrorBlockIsTheOneWithTheLargestResidual) {
    // 1x1 QConv [K=4, C=8]: blocks of 4 span rows x 2 channels, 2 x 2 of them; keep 0.25 -> 1 block.
    // Weights are +-1 except +-10 in rows 4..7 of channels 2 and 3. Each channel gets its own binary
    // pool vector (N = 4 = vectors), its signs, so the residual is |w| - alpha with alpha = mean |w| = 3.25:
    // L1 8 x 2.25 in a block of ones and 8 x 6.75 in the block of tens, which must be the one kept.
    std::vector<float> weights(32);
    for (int k = 0; k < 4; ++k) {
        for (int c = 0; c < 8; ++c) {
            const float magnitude = k >= 2 && c >= 4 ? 10.0f : 1.0f;
            weights[k * 8 + c] = (k * 3 + c * 5) % 7 < 3 ? -magnitude : magnitude;
        }
    }
    WeightPoolConfig config = small_config();
    config.error_keep = 0.25;
    const PooledGraph pooled = weight_pool(conv_layer_of(weights, 4, 8, 1, 1, 1), config);
    const PooledLayer layer = read_layer(pooled.graph, pooled.graph.nodes[0]);
    for (int k = 0; k < 4; ++k) {
        for (int c = 0; c < 8; ++c) {
            const bool kept = k >= 2 && c >= 4;
            EXPECT_EQ(layer.error[k * 8 + c], kept ? (weights[k * 8 + c] > 0 ? 1 : -1) : 0) << k << " " << c;
        }
    }
    EXPECT_EQ(pooled.report.layers[0].error_bits, 8);
}

TEST(WeightPool, SameSeedGivesTheSameGraphAndAnotherSeedAnotherPool) {
    const ir::Graph graph = conv_layer(12, 8, 3, 3, 7);
    WeightPoolConfig config = small_config();
    config.pool_size = 6;
    const PooledGraph first = weight_pool(graph, config), second = weight_pool(graph, config);
    ASSERT_EQ(first.graph.initializers.size(), second.graph.initializers.size());
    for (const auto& [name, tensor] : first.graph.initializers) {
        EXPECT_EQ(tensor.data, second.graph.initializers.at(name).data) << name;
        EXPECT_EQ(tensor.quant.scale, second.graph.initializers.at(name).quant.scale) << name;
    }
    EXPECT_EQ(first.graph.nodes[0].attributes, second.graph.nodes[0].attributes);
    config.seed = 2;
    const PooledGraph other = weight_pool(graph, config);
    EXPECT_NE(other.graph.initializers.at("weight_pool").data, first.graph.initializers.at("weight_pool").data);
}

// small_cnn_cifar10 quantized on random samples, then pooled with `config`; returns both graphs.
std::pair<ir::Graph, PooledGraph> pooled_small_cnn(const WeightPoolConfig& config, ir::TensorMap& feed) {
    const ir::Graph graph = zoo::build_model("small_cnn_cifar10");
    const auto samples = random_samples(graph, 2, 5);
    ir::Graph integer = quantize_network(graph, samples, {});
    const std::string& input = integer.inputs[0];
    feed = {{input, quantize_input(samples[1].at(input), integer.tensor(input).quant)}};
    PooledGraph pooled = weight_pool(integer, config);
    return {std::move(integer), std::move(pooled)};
}

// The pooled graph with the pool attributes removed: the dense-weight kernels run it.
ir::Graph without_pool(ir::Graph graph) {
    for (ir::Node& node : graph.nodes) {
        for (const char* key :
             {"pool", "pool_indices", "pool_error", "pool_scale", "error_scale", "vector_length", "pool_axis"}) {
            node.attributes.erase(key);
        }
    }
    return graph;
}

TEST(WeightPool, TheInterpreterPoolPathEqualsTheDenseWeightBitForBit) {
    // Every layer pooled (conv1 has C = 3 and a short span; fc is a QGemm), both axes and formats.
    WeightPoolConfig config;
    config.vector_length = 32;
    config.pool_size = 16;
    config.first_and_last_dense = false;
    for (const auto format : {PoolFormat::kBinary, PoolFormat::kInteger}) {
        for (const auto axis : {PoolAxis::kKernelRow, PoolAxis::kInputChannels}) {
            config.format = format;
            config.axis = axis;
            config.assignment = axis == PoolAxis::kKernelRow ? PoolAssignment::kNonRepeating : PoolAssignment::kKmeans;
            SCOPED_TRACE(to_string(format) + " " + to_string(axis));
            ir::TensorMap feed;
            const auto [integer, pooled] = pooled_small_cnn(config, feed);
            int pooled_nodes = 0;
            for (const ir::Node& node : pooled.graph.nodes) {
                if (!node.has_attribute("pool")) continue;
                ++pooled_nodes;
                expect_weight_is_pool_plus_error(read_layer(pooled.graph, node));
            }
            EXPECT_EQ(pooled_nodes, 4);
            const std::string& output = integer.outputs[0];
            const auto from_pool = interpreter::run_integer(pooled.graph, feed).at(output).as_int64s();
            const auto from_dense = interpreter::run_integer(without_pool(pooled.graph), feed).at(output).as_int64s();
            EXPECT_EQ(from_pool, from_dense);
            EXPECT_NE(from_pool, interpreter::run_integer(integer, feed).at(output).as_int64s());
            EXPECT_EQ(from_pool.size(), 10u);
        }
    }
}

TEST(WeightPool, CleaningUnusedTensorsKeepsThePoolTheLayersNameInAttributes) {
    WeightPoolConfig config = small_config();
    ir::TensorMap feed;
    auto [integer, pooled] = pooled_small_cnn(config, feed);
    const std::string& output = integer.outputs[0];
    const auto before = interpreter::run_integer(pooled.graph, feed).at(output).as_int64s();
    const size_t initializers = pooled.graph.initializers.size();
    pooled.graph.initializers.emplace("orphan", int_value("orphan", {4}, 1.0));
    pooled.graph.remove_unused_tensors();
    EXPECT_EQ(pooled.graph.initializers.count("orphan"), 0u);
    EXPECT_EQ(pooled.graph.initializers.size(), initializers);
    for (const ir::Node& node : pooled.graph.nodes) {
        for (const char* key : {"pool", "pool_indices", "pool_error"}) {
            const std::string name = node.attribute_string(key, "");
            if (!name.empty()) EXPECT_EQ(pooled.graph.initializers.count(name), 1u) << node.name << " " << key;
        }
    }
    EXPECT_EQ(interpreter::run_integer(pooled.graph, feed).at(output).as_int64s(), before);
}

TEST(WeightPool, TheInterpreterReadsThePoolNotTheDenseWeight) {
    WeightPoolConfig config = small_config();
    const PooledGraph pooled = weight_pool(conv_layer(4, 6, 3, 3, 8), config);
    ir::Tensor x("x", ir::DataType::kInt8, {1, 6, 6, 6});
    x.quant = pooled.graph.tensor("x").quant;
    x.data.resize(216);
    for (size_t i = 0; i < x.data.size(); ++i) x.values<int8_t>()[i] = static_cast<int8_t>(i * 37 % 41 - 20);
    const ir::TensorMap feed = {{"x", x}};
    const auto expected = interpreter::run_integer(pooled.graph, feed).at("y").as_int64s();
    EXPECT_EQ(interpreter::run_integer(without_pool(pooled.graph), feed).at("y").as_int64s(), expected);
    // Zeroing the dense weight changes nothing on the pool path; changing the pool does.
    ir::Graph changed = pooled.graph;
    std::fill(changed.initializers.at("w").data.begin(), changed.initializers.at("w").data.end(), uint8_t{0});
    EXPECT_EQ(interpreter::run_integer(changed, feed).at("y").as_int64s(), expected);
    for (auto& byte : changed.initializers.at("weight_pool").data)
        byte = static_cast<uint8_t>(-static_cast<int8_t>(byte));
    EXPECT_NE(interpreter::run_integer(changed, feed).at("y").as_int64s(), expected);
    // A bad index is an error naming the node.
    changed.initializers.at("layer.pool_indices").values<int32_t>()[3] = 4;
    try {
        interpreter::run_integer(changed, feed);
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()), "QConv 'layer': pool index 4 is outside the pool of 4 vectors");
    }
}

TEST(WeightPool, FirstConvAndLastGemmStayDenseWithTheirReasons) {
    WeightPoolConfig config;
    config.vector_length = 32;
    config.pool_size = 16;
    ir::TensorMap feed;
    const auto [integer, pooled] = pooled_small_cnn(config, feed);
    const WeightPoolReport& report = pooled.report;
    ASSERT_EQ(report.layers.size(), 4u);
    EXPECT_FALSE(report.layers[0].pooled);
    EXPECT_EQ(report.layers[0].dense_reason, "first convolution (first_and_last_dense)");
    EXPECT_DOUBLE_EQ(report.layers[0].effective_bits, 8.0);
    EXPECT_FALSE(report.layers[3].pooled);
    EXPECT_EQ(report.layers[3].dense_reason, "last fully connected layer (first_and_last_dense)");
    EXPECT_TRUE(report.layers[1].pooled && report.layers[2].pooled);
    // conv2 32->64 and conv3 64->128, 3x3.
    EXPECT_EQ(report.pooled_weights, 64 * 32 * 9 + 128 * 64 * 9);
    for (size_t i : {size_t{0}, size_t{3}}) {
        const ir::Node& node = pooled.graph.nodes[pooled.graph.find_node(report.layers[i].layer)];
        EXPECT_FALSE(node.has_attribute("pool"));
        EXPECT_EQ(values_of<int8_t>(pooled.graph, node.inputs[1]), values_of<int8_t>(integer, node.inputs[1]));
    }
    EXPECT_EQ(interpreter::run_integer(pooled.graph, feed).at(integer.outputs[0]).shape, (ir::Shape{1, 10}));
    // Pooling twice is refused.
    try {
        weight_pool(pooled.graph, config);
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()), "weight_pool: the graph already has a tensor named 'weight_pool'");
    }
}

TEST(WeightPool, RelativeErrorFallsAsThePoolGrows) {
    // A ResNet-18 layer2 conv [128, 128, 3, 3], 128-long vectors, binary, non-repeating, error_keep 0.5.
    const ir::Graph graph = conv_layer(128, 128, 3, 3, 9);
    WeightPoolConfig config;
    config.first_and_last_dense = false;
    double previous = 1.0;
    for (int size : {32, 64, 128, 256}) {
        config.pool_size = size;
        const double error = weight_pool(graph, config).report.relative_error();
        std::printf("pool size %d: relative error %.4f\n", size, error);
        EXPECT_LT(error, previous) << size;
        previous = error;
    }
}

TEST(WeightPool, BadConfigIsOneLineNamingTheField) {
    auto with = [](auto change) {
        WeightPoolConfig config;
        change(config);
        return error_of(config);
    };
    EXPECT_EQ(error_of({}), "no error");
    EXPECT_EQ(with([](auto& c) { c.vector_length = 0; }), "weight_pool: vector_length 0 is not in 1..4096");
    EXPECT_EQ(with([](auto& c) { c.pool_size = 1; }), "weight_pool: pool_size 1 is not in 2..4096");
    EXPECT_EQ(with([](auto& c) {
                  c.format = PoolFormat::kInteger;
                  c.pool_bits = 9;
              }),
              "weight_pool: pool_bits 9 is not in 2..8");
    EXPECT_EQ(with([](auto& c) { c.error_keep = 0.0; }), "weight_pool: error_keep 0 is not in (0, 1]");
    EXPECT_EQ(with([](auto& c) { c.error_keep = 1.5; }), "weight_pool: error_keep 1.5 is not in (0, 1]");
    EXPECT_EQ(with([](auto& c) { c.error_group_rows = 0; }), "weight_pool: error_group_rows 0 is not at least 1");
    EXPECT_EQ(with([](auto& c) { c.error_group_channels = -1; }),
              "weight_pool: error_group_channels -1 is not at least 1");
    EXPECT_EQ(with([](auto& c) { c.format = PoolFormat::kFullPrecision; }),
              "weight_pool: error_term needs room in int8 beside the pool, but format full uses all of it "
              "(|a| * 127 + |b| <= 127); use pool_bits <= 7 or error_term false");
    EXPECT_EQ(with([](auto& c) {
                  c.format = PoolFormat::kFullPrecision;
                  c.error_term = false;
              }),
              "no error");
    EXPECT_THROW(weight_pool(conv_layer(2, 2, 1, 1, 1),
                             [] {
                                 WeightPoolConfig config;
                                 config.pool_size = 0;
                                 return config;
                             }()),
                 std::runtime_error);
    EXPECT_EQ(parse_pool_format("int"), PoolFormat::kInteger);
    EXPECT_EQ(parse_pool_assignment("kmeans"), PoolAssignment::kKmeans);
    try {
        parse_pool_format("ternary");
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()), "unknown pool format 'ternary' (valid: binary, int, full)");
    }
    try {
        parse_pool_assignment("greedy");
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()), "unknown pool assignment 'greedy' (valid: kmeans, non_repeating)");
    }
    try {
        parse_pool_axis("rows");
        FAIL() << "no error";
    } catch (const std::runtime_error& error) {
        EXPECT_EQ(std::string(error.what()), "unknown pool axis 'rows' (valid: kernel_row, input_channels)");
    }
}

}  // namespace
}  // namespace cimvp::passes
