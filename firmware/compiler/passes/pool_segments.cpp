#include "firmware/compiler/passes/pool_segments.h"

#include <algorithm>
#include <stdexcept>

namespace cimvp::passes {

PoolAxis parse_pool_axis(const std::string& name) {
    if (name == "kernel_row") return PoolAxis::kKernelRow;
    if (name == "input_channels") return PoolAxis::kInputChannels;
    throw std::runtime_error("unknown pool axis '" + name + "' (valid: kernel_row, input_channels)");
}

std::string to_string(PoolAxis axis) { return axis == PoolAxis::kKernelRow ? "kernel_row" : "input_channels"; }

std::vector<SpanSegment> pool_segments(int64_t kernel_w, int64_t channels, int vector_length, PoolAxis axis) {
    if (kernel_w < 1 || channels < 1 || vector_length < 1) {
        throw std::invalid_argument("pool_segments: kernel_w, channels and vector_length must be at least 1");
    }
    // Cutting [begin, end) into runs of at most L that start at begin.
    std::vector<SpanSegment> segments;
    auto cut = [&](int64_t begin, int64_t end) {
        for (int64_t offset = begin; offset < end; offset += vector_length) {
            segments.push_back({offset, std::min<int64_t>(vector_length, end - offset)});
        }
    };
    if (axis == PoolAxis::kKernelRow) {
        cut(0, kernel_w * channels);
    } else {
        for (int64_t v = 0; v < kernel_w; ++v) cut(v * channels, (v + 1) * channels);
    }
    return segments;
}

}  // namespace cimvp::passes
