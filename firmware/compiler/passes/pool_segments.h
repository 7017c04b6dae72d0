// How the weight-pool pass cuts a kernel row into the vectors that pool entries replace.
//
// The back end lays one kernel row u of a conv weight [K, C, kh, kw] into kw * C consecutive macro
// rows: for tap v the C input channels are consecutive, so span index i = v * C + c. A segment is a
// run of that span that one pool vector (of vector_length L) covers, from its first entry.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cimvp::passes {

enum class PoolAxis { kKernelRow, kInputChannels };  // yaml names "kernel_row", "input_channels"

// Throws std::runtime_error listing the valid names for an unknown one.
PoolAxis parse_pool_axis(const std::string& name);
std::string to_string(PoolAxis axis);

struct SpanSegment {
    int64_t offset;  // first span index
    int64_t length;  // at most vector_length
};

// The segments of one kernel row's span of kernel_w * channels inputs, in span order:
//   kernel_row:     [s*L, min((s+1)*L, kw*C)) for s = 0..ceil(kw*C/L)-1 (segments may straddle taps);
//   input_channels: per tap v, [v*C + j*L, v*C + min((j+1)*L, C)) for j = 0..ceil(C/L)-1.
// A QGemm [M, F] is kernel_w = 1, channels = F. Throws std::invalid_argument for sizes below 1.
std::vector<SpanSegment> pool_segments(int64_t kernel_w, int64_t channels, int vector_length, PoolAxis axis);

}  // namespace cimvp::passes
