#include "firmware/compiler/passes/weight_pool.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "firmware/compiler/passes/integer_ops.h"
#include "firmware/compiler/passes/kmeans.h"
#include "firmware/compiler/passes/linear_assignment.h"

namespace cimvp::passes {
namespace {

constexpr const char* kPoolName = "weight_pool";
constexpr int kKmeansIterations = 15;
constexpr int kSamplesPerPoolVector = 64;
// Rounds of assignment + scale fit; the pool is updated between rounds, so the last assignment is final.
constexpr int kRefinementRounds = 4;
constexpr int kScaleBits = 8;  // a and b are stored as 8-bit integers

[[noreturn]] void fail(const std::string& message) { throw std::runtime_error("weight_pool: " + message); }

// A pooled layer's weight as [K, C, kh, kw] (QGemm: K = M, C = F, 1 x 1) and its working state.
struct Layer {
    std::size_t node = 0;
    int64_t k = 0, c = 0, kh = 1, kw = 1;
    std::vector<SpanSegment> segments;
    std::vector<double> weights;   // dequantized, in weight order
    double unit = 1.0;             // mean |W|: vectors are W / unit
    int64_t first_vector = 0;      // row of vector (k, u, s) = first_vector + (k * kh + u) * S + s
    std::vector<int32_t> indices;  // [K, kh, S]
    double alpha = 0.0;            // pool scale, in units of `unit`

    int64_t span() const { return kw * c; }
    int64_t segment_count() const { return static_cast<int64_t>(segments.size()); }
    int64_t vector_count() const { return k * kh * segment_count(); }
    // The weight-order index of span entry i of kernel row u of output channel kk.
    int64_t weight_index(int64_t kk, int64_t u, int64_t i) const { return ((kk * c + i % c) * kh + u) * kw + i / c; }
};

// The network-wide pool: int8 entries and their float copy with prefix squared norms.
struct Pool {
    int size = 0, length = 0;
    std::vector<int8_t> entries;  // size x length
    std::vector<float> values;
    std::vector<double> squares;    // prefix_squares of values
    std::vector<float> transposed;  // length x size, for correlations

    const float* row(int n) const { return values.data() + static_cast<std::size_t>(n) * length; }
    double square(int n, int64_t upto) const { return squares[static_cast<std::size_t>(n) * (length + 1) + upto]; }
};

int entry_limit(const WeightPoolConfig& config) {
    return config.format == PoolFormat::kBinary ? 1 : (1 << (pool_entry_bits(config) - 1)) - 1;
}

// Binary: the signs (0 -> +1). Integer: symmetric rounding of the largest |centre| to the top level.
Pool format_pool(const std::vector<float>& centres, const WeightPoolConfig& config) {
    Pool pool;
    pool.size = config.pool_size;
    pool.length = config.vector_length;
    pool.entries.resize(centres.size());
    const int limit = entry_limit(config);
    float largest = 0.0f;
    for (float value : centres) largest = std::max(largest, std::fabs(value));
    for (std::size_t e = 0; e < centres.size(); ++e) {
        if (config.format == PoolFormat::kBinary) {
            pool.entries[e] = centres[e] >= 0.0f ? 1 : -1;
        } else {
            pool.entries[e] = largest > 0.0f ? static_cast<int8_t>(std::lround(centres[e] / largest * limit)) : 0;
        }
    }
    pool.values.assign(pool.entries.begin(), pool.entries.end());
    pool.squares = prefix_squares(pool.values, pool.size, pool.length);
    pool.transposed = transpose(pool.values, pool.size, pool.length);
    return pool;
}

std::string dense_reason(const ir::Node& node, std::size_t index, std::size_t first_conv, std::size_t last_gemm,
                         const WeightPoolConfig& config) {
    const int64_t group = node.attribute_int("group", 1);
    if (group != 1) return "grouped convolution (group " + std::to_string(group) + ")";
    if (config.first_and_last_dense && index == first_conv) return "first convolution (first_and_last_dense)";
    if (config.first_and_last_dense && index == last_gemm) return "last fully connected layer (first_and_last_dense)";
    return "";
}

const ir::Tensor& weight_of(const ir::Graph& graph, const ir::Node& node) {
    const std::string& name = node.input(1);
    if (!graph.is_initializer(name)) fail(node.describe() + ": weight '" + name + "' is not a constant");
    const ir::Tensor& weight = graph.initializers.at(name);
    const size_t rank = node.op_type == "QConv" ? 4 : 2;
    if (weight.type != ir::DataType::kInt8 || weight.shape.size() != rank || !weight.quant.is_quantized()) {
        fail(node.describe() + ": weight '" + name + "' is " + ir::to_string(weight.type) + " " +
             ir::to_string(weight.shape) + ", expected quantized int8 of rank " + std::to_string(rank));
    }
    return weight;
}

Layer make_layer(const ir::Graph& graph, std::size_t index, const WeightPoolConfig& config) {
    const ir::Node& node = graph.nodes[index];
    const ir::Tensor& weight = weight_of(graph, node);
    Layer layer;
    layer.node = index;
    layer.k = weight.shape[0];
    layer.c = weight.shape[1];
    if (weight.shape.size() == 4) {
        layer.kh = weight.shape[2];
        layer.kw = weight.shape[3];
    }
    layer.segments = pool_segments(layer.kw, layer.c, config.vector_length, config.axis);
    const int8_t* values = weight.values<int8_t>();
    const int64_t per_channel = weight.element_count() / layer.k;
    layer.weights.resize(static_cast<std::size_t>(weight.element_count()));
    double magnitude = 0.0;
    for (int64_t i = 0; i < weight.element_count(); ++i) {
        const std::size_t channel = weight.quant.scale.size() > 1 ? static_cast<std::size_t>(i / per_channel) : 0;
        layer.weights[i] = values[i] * static_cast<double>(weight.quant.scale[channel]);
        magnitude += std::fabs(layer.weights[i]);
    }
    magnitude /= static_cast<double>(weight.element_count());
    layer.unit = magnitude > 0.0 ? magnitude : 1.0;
    layer.indices.assign(static_cast<std::size_t>(layer.vector_count()), 0);
    return layer;
}

void append_vectors(Layer& layer, MaskedVectors& vectors) {
    layer.first_vector = vectors.count();
    const int length = vectors.dimension;
    vectors.values.resize(static_cast<std::size_t>((vectors.count() + layer.vector_count()) * length), 0.0f);
    for (int64_t kk = 0; kk < layer.k; ++kk) {
        for (int64_t u = 0; u < layer.kh; ++u) {
            for (const SpanSegment& segment : layer.segments) {
                float* row = vectors.values.data() + vectors.count() * length;
                for (int64_t j = 0; j < segment.length; ++j) {
                    row[j] =
                        static_cast<float>(layer.weights[layer.weight_index(kk, u, segment.offset + j)] / layer.unit);
                }
                vectors.lengths.push_back(static_cast<int>(segment.length));
            }
        }
    }
}

// Assigns every (k, u, s) of the layer a pool entry for pool scale layer.alpha, then refits alpha.
void assign(Layer& layer, const MaskedVectors& vectors, const Pool& pool, const WeightPoolConfig& config) {
    const int n_pool = pool.size;
    const int64_t segments = layer.segment_count();
    std::vector<double> cost;
    std::vector<float> correlation(static_cast<std::size_t>(n_pool));  // of one vector with every pool row
    for (int64_t u = 0; u < layer.kh; ++u) {
        for (int64_t s = 0; s < segments; ++s) {
            const int64_t length = layer.segments[s].length;
            for (int64_t first = 0; first < layer.k; first += n_pool) {
                const int rows = static_cast<int>(std::min<int64_t>(n_pool, layer.k - first));
                cost.assign(static_cast<std::size_t>(rows) * n_pool, 0.0);
                for (int r = 0; r < rows; ++r) {
                    const float* x = vectors.row(layer.first_vector + ((first + r) * layer.kh + u) * segments + s);
                    correlations(x, static_cast<int>(length), pool.transposed.data(), n_pool, correlation.data());
                    for (int n = 0; n < n_pool; ++n) {
                        // |x - alpha p|^2 without the |x|^2 every entry shares.
                        cost[static_cast<std::size_t>(r) * n_pool + n] =
                            layer.alpha * layer.alpha * pool.square(n, length) - 2.0 * layer.alpha * correlation[n];
                    }
                }
                std::vector<int> chosen(static_cast<std::size_t>(rows));
                if (config.assignment == PoolAssignment::kNonRepeating) {
                    chosen = solve_assignment(cost, rows, n_pool);
                } else {
                    for (int r = 0; r < rows; ++r) {
                        const auto begin = cost.begin() + static_cast<std::ptrdiff_t>(r) * n_pool;
                        chosen[r] = static_cast<int>(std::min_element(begin, begin + n_pool) - begin);
                    }
                }
                for (int r = 0; r < rows; ++r) layer.indices[((first + r) * layer.kh + u) * segments + s] = chosen[r];
            }
        }
    }
    double fit = 0.0, norm = 0.0;
    for (int64_t v = 0; v < layer.vector_count(); ++v) {
        const int n = layer.indices[v];
        const int length = vectors.lengths[layer.first_vector + v];
        const float* x = vectors.row(layer.first_vector + v);
        for (int j = 0; j < length; ++j) fit += double{x[j]} * pool.row(n)[j];
        norm += pool.square(n, length);
    }
    layer.alpha = norm > 0.0 ? fit / norm : 0.0;
}

// The least-squares entries for the current assignments and scales (previous centre where unused).
std::vector<float> update_centres(const std::vector<Layer>& layers, const MaskedVectors& vectors,
                                  std::vector<float> centres, int length) {
    std::vector<double> sums(centres.size(), 0.0), weights(centres.size(), 0.0);
    for (const Layer& layer : layers) {
        for (int64_t v = 0; v < layer.vector_count(); ++v) {
            const float* x = vectors.row(layer.first_vector + v);
            const std::size_t base = static_cast<std::size_t>(layer.indices[v]) * length;
            for (int j = 0; j < vectors.lengths[layer.first_vector + v]; ++j) {
                sums[base + j] += layer.alpha * x[j];
                weights[base + j] += layer.alpha * layer.alpha;
            }
        }
    }
    for (std::size_t e = 0; e < centres.size(); ++e) {
        if (weights[e] > 0.0) centres[e] = static_cast<float>(sums[e] / weights[e]);
    }
    return centres;
}

// The error term of one layer: signs of `residual` in the kept blocks, 0 elsewhere. Returns the
// block count through `blocks`.
std::vector<int8_t> error_term(const Layer& layer, const std::vector<double>& residual, const WeightPoolConfig& config,
                               int64_t& blocks) {
    const int64_t rows = config.error_group_rows, channels = config.error_group_channels;
    const int64_t row_blocks = (layer.span() + rows - 1) / rows, channel_blocks = (layer.k + channels - 1) / channels;
    blocks = layer.kh * row_blocks * channel_blocks;
    auto block_of = [&](int64_t kk, int64_t u, int64_t i) {
        return (u * row_blocks + i / rows) * channel_blocks + kk / channels;
    };
    std::vector<double> norms(static_cast<std::size_t>(blocks), 0.0);
    for (int64_t kk = 0; kk < layer.k; ++kk) {
        for (int64_t u = 0; u < layer.kh; ++u) {
            for (int64_t i = 0; i < layer.span(); ++i) {
                norms[block_of(kk, u, i)] += std::fabs(residual[layer.weight_index(kk, u, i)]);
            }
        }
    }
    // ceil with a tolerance, so that 0.3 x 10 keeps 3 and not the 4 its float product would round to.
    const auto kept = std::min<int64_t>(
        blocks, static_cast<int64_t>(std::ceil(config.error_keep * static_cast<double>(blocks) - 1e-9)));
    std::vector<int64_t> order(norms.size());
    std::iota(order.begin(), order.end(), int64_t{0});
    std::stable_sort(order.begin(), order.end(), [&norms](int64_t a, int64_t b) { return norms[a] > norms[b]; });
    std::vector<bool> keep(norms.size(), false);
    for (int64_t b = 0; b < kept; ++b) keep[order[b]] = true;
    std::vector<int8_t> error(residual.size(), 0);
    for (int64_t kk = 0; kk < layer.k; ++kk) {
        for (int64_t u = 0; u < layer.kh; ++u) {
            for (int64_t i = 0; i < layer.span(); ++i) {
                const int64_t w = layer.weight_index(kk, u, i);
                if (keep[block_of(kk, u, i)]) error[w] = residual[w] >= 0.0 ? 1 : -1;
            }
        }
    }
    return error;
}

struct IntegerScales {
    int a = 0, b = 0;
    double q = 1.0;
};

// The integers a >= 1, b >= 0 with a * limit + b <= 127 and the least-squares q of each pair that
// minimise ||W - q (a X + b E)||; among equal errors the larger a. All-zero weights give a = b = 0.
IntegerScales choose_scales(const std::vector<double>& w, const std::vector<int8_t>& x, const std::vector<int8_t>& e,
                            int limit) {
    double ww = 0, wx = 0, we = 0, xx = 0, xe = 0, ee = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
        ww += w[i] * w[i], wx += w[i] * x[i], we += w[i] * e[i];
        const double xi = x[i], ei = e[i];
        xx += xi * xi, xe += xi * ei, ee += ei * ei;
    }
    IntegerScales best;
    double best_error = ww;
    const bool has_error = ee > 0.0;
    for (int a = 127 / limit; a >= 1; --a) {
        for (int b = has_error ? 127 - a * limit : 0; b >= 0; --b) {
            const double numerator = a * wx + b * we;
            const double denominator = a * a * xx + 2.0 * a * b * xe + b * b * ee;
            if (numerator <= 0.0 || denominator <= 0.0) continue;
            const double error = ww - numerator * numerator / denominator;
            if (error < best_error - 1e-12 * ww) {
                best_error = error;
                best = {a, b, numerator / denominator};
            }
        }
    }
    return best;
}

// Writes the layer's pool tensors, dense weight, bias and attributes into the graph; fills `report`.
void finish_layer(ir::Graph& graph, const Layer& layer, const Pool& pool, const WeightPoolConfig& config,
                  LayerPoolReport& report) {
    ir::Node& node = graph.nodes[layer.node];
    const int64_t segments = layer.segment_count();
    std::vector<int8_t> routed(layer.weights.size());
    for (int64_t kk = 0; kk < layer.k; ++kk) {
        for (int64_t u = 0; u < layer.kh; ++u) {
            for (int64_t s = 0; s < segments; ++s) {
                const SpanSegment& segment = layer.segments[s];
                const int n = layer.indices[(kk * layer.kh + u) * segments + s];
                for (int64_t j = 0; j < segment.length; ++j) {
                    routed[layer.weight_index(kk, u, segment.offset + j)] =
                        pool.entries[static_cast<std::size_t>(n) * pool.length + j];
                }
            }
        }
    }
    std::vector<double> residual(layer.weights.size());
    const double alpha = layer.alpha * layer.unit;
    for (std::size_t i = 0; i < residual.size(); ++i) residual[i] = layer.weights[i] - alpha * routed[i];
    int64_t blocks = 0;
    const std::vector<int8_t> error =
        config.error_term ? error_term(layer, residual, config, blocks) : std::vector<int8_t>(residual.size(), 0);
    const IntegerScales scales = choose_scales(layer.weights, routed, error, entry_limit(config));
    const float q = static_cast<float>(scales.q);

    ir::Tensor& weight = graph.initializers.at(node.inputs.at(1));
    int8_t* values = weight.values<int8_t>();
    double error_squares = 0.0, weight_squares = 0.0;
    int64_t largest_magnitude = 0;  // the largest a * sum|routed| + b * sum|error| of a channel
    const int64_t per_channel = static_cast<int64_t>(routed.size()) / layer.k;
    for (int64_t kk = 0; kk < layer.k; ++kk) {
        int64_t magnitude = 0;
        for (int64_t i = kk * per_channel; i < (kk + 1) * per_channel; ++i) {
            values[i] = static_cast<int8_t>(scales.a * routed[i] + scales.b * error[i]);
            const double difference = layer.weights[i] - static_cast<double>(q) * values[i];
            error_squares += difference * difference;
            weight_squares += layer.weights[i] * layer.weights[i];
            magnitude += scales.a * std::abs(routed[i]) + scales.b * std::abs(error[i]);
        }
        largest_magnitude = std::max(largest_magnitude, magnitude);
    }
    weight.quant.scale = {q};
    weight.quant.bits = 8;
    weight.quant.axis = 0;

    // Bias: the same real value at the new accumulator scale s_in * q.
    const ir::QuantParams& in = graph.tensor(node.inputs.at(0)).quant;
    const double input_scale = in.scale.at(0);
    const std::string& bias_name = node.input(2);
    if (!graph.is_initializer(bias_name) || graph.initializers.at(bias_name).type != ir::DataType::kInt32 ||
        !graph.initializers.at(bias_name).quant.is_quantized()) {
        fail(node.describe() + ": bias '" + bias_name + "' is not a quantized int32 constant");
    }
    ir::Tensor& bias = graph.initializers.at(bias_name);
    int32_t* bias_values = bias.values<int32_t>();
    const double input_max = std::max(std::abs(range_min(in.bits, in.is_signed)), range_max(in.bits, in.is_signed));
    int64_t largest_bias = 0;
    for (int64_t kk = 0; kk < layer.k; ++kk) {
        const double real =
            bias_values[kk] * static_cast<double>(bias.quant.scale.at(bias.quant.scale.size() > 1 ? kk : 0));
        const double accumulator_scale = static_cast<float>(input_scale * q);
        const double quantized = std::round(real / accumulator_scale);
        if (std::fabs(quantized) > std::numeric_limits<int32_t>::max()) {
            fail(node.describe() + ": bias of output channel " + std::to_string(kk) + " overflows int32");
        }
        bias_values[kk] = static_cast<int32_t>(quantized);
        largest_bias = std::max<int64_t>(largest_bias, std::abs(int64_t{bias_values[kk]}));
    }
    bias.quant.scale.assign(static_cast<std::size_t>(layer.k), static_cast<float>(input_scale * q));
    // The chip adds the pool and error sums separately: neither, nor their total, may overflow.
    const double worst = static_cast<double>(largest_magnitude) * input_max + static_cast<double>(largest_bias);
    if (worst > std::numeric_limits<int32_t>::max()) fail(node.describe() + ": an accumulator can overflow int32");

    const std::string indices_name = node.name + ".pool_indices";
    graph.initializers[indices_name] =
        ir::Tensor::from_values<int32_t>(indices_name, {layer.k, layer.kh, segments}, layer.indices);
    node.attributes["pool"] = std::string(kPoolName);
    node.attributes["pool_indices"] = indices_name;
    if (config.error_term) {
        const std::string error_name = node.name + ".pool_error";
        graph.initializers[error_name] = ir::Tensor::from_values<int8_t>(error_name, weight.shape, error);
        node.attributes["pool_error"] = error_name;
    }
    node.attributes["pool_scale"] = int64_t{scales.a};
    node.attributes["error_scale"] = int64_t{scales.b};
    node.attributes["vector_length"] = int64_t{config.vector_length};
    node.attributes["pool_axis"] = to_string(config.axis);
    set_requantization(graph, node);

    int index_width = 0;
    while ((int64_t{1} << index_width) < config.pool_size) ++index_width;
    report.pooled = true;
    report.index_bits = layer.vector_count() * index_width;
    report.error_bits = std::count_if(error.begin(), error.end(), [](int8_t e) { return e != 0; });
    report.mask_bits = config.error_term && config.error_keep < 1.0 ? blocks : 0;
    report.scale_bits = config.error_term ? 2 * kScaleBits : kScaleBits;
    report.effective_bits =
        static_cast<double>(report.index_bits + report.error_bits + report.mask_bits + report.scale_bits) /
        static_cast<double>(report.weights);
    report.weight_square_sum = weight_squares;
    report.error_square_sum = error_squares;
    report.relative_error = weight_squares > 0.0 ? std::sqrt(error_squares / weight_squares) : 0.0;
}

}  // namespace

int pool_index_bits(int64_t pool_size) {
    int bits = 0;
    while ((int64_t{1} << bits) < pool_size) ++bits;
    return bits;
}

PoolAssignment parse_pool_assignment(const std::string& name) {
    if (name == "kmeans") return PoolAssignment::kKmeans;
    if (name == "non_repeating") return PoolAssignment::kNonRepeating;
    throw std::runtime_error("unknown pool assignment '" + name + "' (valid: kmeans, non_repeating)");
}

PoolFormat parse_pool_format(const std::string& name) {
    if (name == "binary") return PoolFormat::kBinary;
    if (name == "int") return PoolFormat::kInteger;
    if (name == "full") return PoolFormat::kFullPrecision;
    throw std::runtime_error("unknown pool format '" + name + "' (valid: binary, int, full)");
}

std::string to_string(PoolAssignment assignment) {
    return assignment == PoolAssignment::kKmeans ? "kmeans" : "non_repeating";
}

std::string to_string(PoolFormat format) {
    switch (format) {
        case PoolFormat::kBinary:
            return "binary";
        case PoolFormat::kInteger:
            return "int";
        default:
            return "full";
    }
}

int pool_entry_bits(const WeightPoolConfig& config) {
    switch (config.format) {
        case PoolFormat::kBinary:
            return 1;
        case PoolFormat::kInteger:
            return config.pool_bits;
        default:
            return 8;
    }
}

void validate(const WeightPoolConfig& config) {
    auto check = [](bool ok, const std::string& field, double value, const std::string& range) {
        if (ok) return;
        std::ostringstream text;
        text << "weight_pool: " << field << " " << value << " is not " << range;
        throw std::runtime_error(text.str());
    };
    check(config.vector_length >= 1 && config.vector_length <= 4096, "vector_length", config.vector_length,
          "in 1..4096");
    check(config.pool_size >= 2 && config.pool_size <= 4096, "pool_size", config.pool_size, "in 2..4096");
    check(config.format != PoolFormat::kInteger || (config.pool_bits >= 2 && config.pool_bits <= 8), "pool_bits",
          config.pool_bits, "in 2..8");
    check(config.error_keep > 0.0 && config.error_keep <= 1.0, "error_keep", config.error_keep, "in (0, 1]");
    check(config.error_group_rows >= 1, "error_group_rows", config.error_group_rows, "at least 1");
    check(config.error_group_channels >= 1, "error_group_channels", config.error_group_channels, "at least 1");
    if (config.error_term && entry_limit(config) >= 127) {
        throw std::runtime_error("weight_pool: error_term needs room in int8 beside the pool, but format " +
                                 to_string(config.format) +
                                 " uses all of it (|a| * 127 + |b| <= 127); use pool_bits <= 7 or error_term false");
    }
}

double WeightPoolReport::effective_bits_per_weight() const {
    if (pooled_weights == 0) return 0.0;
    int64_t bits = pool_bits;
    for (const auto& layer : layers) {
        if (layer.pooled) bits += layer.index_bits + layer.error_bits + layer.mask_bits + layer.scale_bits;
    }
    return static_cast<double>(bits) / static_cast<double>(pooled_weights);
}

double WeightPoolReport::relative_error() const {
    double weights = 0.0, errors = 0.0;
    for (const auto& layer : layers) {
        if (!layer.pooled) continue;
        weights += layer.weight_square_sum;
        errors += layer.error_square_sum;
    }
    return weights > 0.0 ? std::sqrt(errors / weights) : 0.0;
}

PooledGraph weight_pool(ir::Graph graph, const WeightPoolConfig& config) {
    validate(config);
    if (graph.has_tensor(kPoolName)) fail("the graph already has a tensor named '" + std::string(kPoolName) + "'");
    std::size_t first_conv = graph.nodes.size(), last_gemm = graph.nodes.size();
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
        if (graph.nodes[i].op_type == "QConv" && first_conv == graph.nodes.size()) first_conv = i;
        if (graph.nodes[i].op_type == "QGemm") last_gemm = i;
    }
    WeightPoolReport report;
    std::vector<Layer> layers;
    std::vector<std::size_t> report_of_layer;
    MaskedVectors vectors;
    vectors.dimension = config.vector_length;
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
        const ir::Node& node = graph.nodes[i];
        if (node.op_type != "QConv" && node.op_type != "QGemm") continue;
        const ir::Tensor& weight = weight_of(graph, node);
        LayerPoolReport layer_report;
        layer_report.layer = node.name;
        layer_report.weights = weight.element_count();
        layer_report.dense_reason = dense_reason(node, i, first_conv, last_gemm, config);
        if (layer_report.dense_reason.empty()) {
            layers.push_back(make_layer(graph, i, config));
            append_vectors(layers.back(), vectors);
            report_of_layer.push_back(report.layers.size());
            report.pooled_weights += layer_report.weights;
        } else {
            layer_report.effective_bits = weight.quant.bits;
        }
        report.layers.push_back(std::move(layer_report));
    }
    if (layers.empty()) return {std::move(graph), std::move(report)};

    std::vector<float> centres = masked_kmeans(
        vectors, config.pool_size, int64_t{kSamplesPerPoolVector} * config.pool_size, kKmeansIterations, config.seed);
    Pool pool = format_pool(centres, config);
    // Start from the scale that matches the vectors' mean |x| (1 after normalisation) to the pool's.
    double pool_mean = 0.0;
    for (int8_t entry : pool.entries) pool_mean += std::abs(entry);
    pool_mean /= static_cast<double>(pool.entries.size());
    for (Layer& layer : layers) layer.alpha = pool_mean > 0.0 ? 1.0 / pool_mean : 0.0;
    for (int round = 0; round < kRefinementRounds; ++round) {
        for (Layer& layer : layers) assign(layer, vectors, pool, config);
        if (round + 1 == kRefinementRounds) break;
        centres = update_centres(layers, vectors, std::move(centres), config.vector_length);
        pool = format_pool(centres, config);
    }

    for (std::size_t l = 0; l < layers.size(); ++l)
        finish_layer(graph, layers[l], pool, config, report.layers[report_of_layer[l]]);
    graph.initializers[kPoolName] = ir::Tensor::from_values<int8_t>(
        kPoolName, {int64_t{config.pool_size}, int64_t{config.vector_length}}, pool.entries);
    report.pool_bits = int64_t{config.pool_size} * config.vector_length * pool_entry_bits(config);
    return {std::move(graph), std::move(report)};
}

}  // namespace cimvp::passes
