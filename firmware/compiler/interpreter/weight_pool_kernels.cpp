#include "firmware/compiler/interpreter/weight_pool_kernels.h"

#include <stdexcept>

namespace cimvp::interpreter {
namespace {

[[noreturn]] void fail(const ir::Node& node, const std::string& message) {
    throw std::runtime_error(node.describe() + ": " + message);
}

const ir::Tensor& named_tensor(const ir::Graph& graph, const ir::Node& node, const std::string& attribute,
                               ir::DataType type, const ir::Shape& shape) {
    const std::string name = node.attribute_string(attribute, "");
    if (!graph.is_initializer(name)) fail(node, attribute + " '" + name + "' is not a constant");
    const ir::Tensor& tensor = graph.initializers.at(name);
    if (tensor.type != type || tensor.shape != shape) {
        fail(node, attribute + " '" + name + "' is " + ir::to_string(tensor.type) + " " + ir::to_string(tensor.shape) +
                       ", expected " + ir::to_string(type) + " " + ir::to_string(shape));
    }
    return tensor;
}

}  // namespace

PooledWeights load_pooled_weights(const ir::Graph& graph, const ir::Node& node) {
    const ir::Tensor& weight = graph.initializers.at(node.inputs.at(1));
    PooledWeights pooled;
    pooled.out_channels = weight.shape.at(0);
    pooled.channels = weight.shape.at(1);
    if (weight.shape.size() == 4) {
        pooled.kernel_h = weight.shape[2];
        pooled.kernel_w = weight.shape[3];
    }
    const int64_t length = node.attribute_int("vector_length", 0);
    if (length < 1) fail(node, "vector_length " + std::to_string(length) + " is not at least 1");
    const passes::PoolAxis axis = passes::parse_pool_axis(node.attribute_string("pool_axis", ""));
    pooled.segments = passes::pool_segments(pooled.kernel_w, pooled.channels, static_cast<int>(length), axis);
    const std::string pool_name = node.attribute_string("pool", "");
    if (!graph.is_initializer(pool_name)) fail(node, "pool '" + pool_name + "' is not a constant");
    const ir::Tensor& pool = graph.initializers.at(pool_name);
    if (pool.type != ir::DataType::kInt8 || pool.shape.size() != 2 || pool.shape[1] != length) {
        fail(node, "pool '" + pool_name + "' is " + ir::to_string(pool.type) + " " + ir::to_string(pool.shape) +
                       ", expected int8 [N, " + std::to_string(length) + "]");
    }
    pooled.pool = pack_rows(pool.values<int8_t>(), pool.shape[0], length);
    const auto segments = static_cast<int64_t>(pooled.segments.size());
    const ir::Tensor& indices = named_tensor(graph, node, "pool_indices", ir::DataType::kInt32,
                                             {pooled.out_channels, pooled.kernel_h, segments});
    pooled.indices.assign(indices.values<int32_t>(), indices.values<int32_t>() + indices.element_count());
    for (int32_t index : pooled.indices) {
        if (index < 0 || index >= pool.shape[0]) {
            fail(node, "pool index " + std::to_string(index) + " is outside the pool of " +
                           std::to_string(pool.shape[0]) + " vectors");
        }
    }
    pooled.pool_scale = node.attribute_int("pool_scale", 0);
    pooled.error_scale = node.attribute_int("error_scale", 0);
    if (node.has_attribute("pool_error")) {
        const ir::Tensor& error = named_tensor(graph, node, "pool_error", ir::DataType::kInt8, weight.shape);
        pooled.error = pack_rows(error.values<int8_t>(), pooled.out_channels, pooled.depth());
    } else if (pooled.error_scale != 0) {
        fail(node, "error_scale " + std::to_string(pooled.error_scale) + " without a pool_error tensor");
    }
    return pooled;
}

void pooled_accumulators(const PooledWeights& weights, const int16_t* patches, int64_t columns, int32_t* accumulators) {
    const int64_t stride = padded_depth(weights.depth()), slice_stride = weights.pool.padded_depth;
    const int64_t segments = static_cast<int64_t>(weights.segments.size()), kw = weights.kernel_w;
    const int64_t kh = weights.kernel_h, channels = weights.channels;
    std::vector<int64_t> sums(static_cast<std::size_t>(weights.out_channels * columns), 0);
    std::vector<int16_t> slices(static_cast<std::size_t>(columns * slice_stride));
    std::vector<int32_t> products(static_cast<std::size_t>(weights.pool.rows * columns));
    for (int64_t u = 0; u < kh; ++u) {
        for (int64_t s = 0; s < segments; ++s) {
            // Span entry i = v * C + c of kernel row u is patch entry (c * kh + u) * kw + v.
            const passes::SpanSegment& segment = weights.segments[s];
            std::fill(slices.begin(), slices.end(), int16_t{0});
            for (int64_t p = 0; p < columns; ++p) {
                for (int64_t j = 0; j < segment.length; ++j) {
                    const int64_t i = segment.offset + j;
                    slices[p * slice_stride + j] = patches[p * stride + ((i % channels) * kh + u) * kw + i / channels];
                }
            }
            multiply_packed(weights.pool, slices.data(), columns, products.data());
            for (int64_t k = 0; k < weights.out_channels; ++k) {
                const int32_t* routed = products.data() + weights.indices[(k * kh + u) * segments + s] * columns;
                for (int64_t p = 0; p < columns; ++p) sums[k * columns + p] += weights.pool_scale * routed[p];
            }
        }
    }
    if (weights.error.rows > 0) {
        std::vector<int32_t> error_products(sums.size());
        multiply_packed(weights.error, patches, columns, error_products.data());
        for (std::size_t i = 0; i < sums.size(); ++i) sums[i] += weights.error_scale * error_products[i];
    }
    // The pass bounds every channel's pool and error sums within int32 (docs/ir.md).
    for (std::size_t i = 0; i < sums.size(); ++i) accumulators[i] = static_cast<int32_t>(sums[i]);
}

}  // namespace cimvp::interpreter
