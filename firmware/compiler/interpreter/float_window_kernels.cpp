#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

#include "firmware/compiler/interpreter/float_gemm.h"
#include "firmware/compiler/interpreter/float_kernels.h"
#include "firmware/compiler/ir/window.h"

namespace cimvp::ir {

namespace {

using Inputs = std::vector<const Tensor*>;

// Windows of 1 to 3 spatial axes, written as 3 axes with unit leading ones, so one loop nest serves
// 1-D, 2-D and 3-D operators.
struct Window3 {
    std::array<int64_t, 3> kernel{1, 1, 1};
    std::array<int64_t, 3> stride{1, 1, 1};
    std::array<int64_t, 3> dilation{1, 1, 1};
    std::array<int64_t, 3> pad_begin{0, 0, 0};
    std::array<int64_t, 3> pad_end{0, 0, 0};
    std::array<int64_t, 3> input{1, 1, 1};
    std::array<int64_t, 3> output{1, 1, 1};

    int64_t input_count() const { return input[0] * input[1] * input[2]; }
    int64_t output_count() const { return output[0] * output[1] * output[2]; }
    int64_t kernel_count() const { return kernel[0] * kernel[1] * kernel[2]; }
};

Window3 to_window3(const WindowGeometry& geometry) {
    const std::size_t axes = geometry.kernel.size();  // at most 3: shape inference rejects more
    Window3 window;
    const std::size_t skip = 3 - axes;
    for (std::size_t i = 0; i < axes; ++i) {
        window.kernel[skip + i] = geometry.kernel[i];
        window.stride[skip + i] = geometry.strides[i];
        window.dilation[skip + i] = geometry.dilations[i];
        window.pad_begin[skip + i] = geometry.pad_begin[i];
        window.pad_end[skip + i] = geometry.pad_end[i];
        window.input[skip + i] = geometry.input[i];
        window.output[skip + i] = geometry.output[i];
    }
    return window;
}

bool is_pointwise(const Window3& w) {
    for (std::size_t i = 0; i < 3; ++i) {
        if (w.kernel[i] != 1 || w.stride[i] != 1 || w.pad_begin[i] != 0 || w.pad_end[i] != 0) return false;
    }
    return true;
}

// Lays out every receptive field as a column: row (c, kz, ky, kx), column = output position.
void im2col(const float* x, int64_t channels, const Window3& w, float* columns) {
    const int64_t out_count = w.output_count();
    float* row = columns;
    for (int64_t c = 0; c < channels; ++c) {
        const float* plane = x + c * w.input_count();
        for (int64_t kz = 0; kz < w.kernel[0]; ++kz) {
            for (int64_t ky = 0; ky < w.kernel[1]; ++ky) {
                for (int64_t kx = 0; kx < w.kernel[2]; ++kx, row += out_count) {
                    float* cell = row;
                    for (int64_t oz = 0; oz < w.output[0]; ++oz) {
                        const int64_t iz = oz * w.stride[0] - w.pad_begin[0] + kz * w.dilation[0];
                        for (int64_t oy = 0; oy < w.output[1]; ++oy, cell += w.output[2]) {
                            const int64_t iy = oy * w.stride[1] - w.pad_begin[1] + ky * w.dilation[1];
                            if (iz < 0 || iz >= w.input[0] || iy < 0 || iy >= w.input[1]) {
                                std::fill(cell, cell + w.output[2], 0.0f);
                                continue;
                            }
                            const float* line = plane + (iz * w.input[1] + iy) * w.input[2];
                            for (int64_t ox = 0; ox < w.output[2]; ++ox) {
                                const int64_t ix = ox * w.stride[2] - w.pad_begin[2] + kx * w.dilation[2];
                                cell[ox] = ix >= 0 && ix < w.input[2] ? line[ix] : 0.0f;
                            }
                        }
                    }
                }
            }
        }
    }
}

std::vector<Tensor> conv(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const Tensor& x = *inputs[0];
    const Tensor& weight = *inputs[1];
    const Tensor* bias = inputs.size() > 2 ? inputs[2] : nullptr;
    const Window3 w =
        to_window3(resolve_window(node, x.shape, std::vector<int64_t>(weight.shape.begin() + 2, weight.shape.end())));
    const int64_t groups = node.attribute_int("group", 1);
    const int64_t batch = x.shape[0];
    const int64_t in_channels = x.shape[1] / groups;
    const int64_t out_channels = weight.shape[0] / groups;
    const int64_t depth = in_channels * w.kernel_count();
    const int64_t out_count = w.output_count();
    const bool pointwise = is_pointwise(w);
    std::vector<float> columns(pointwise ? 0 : static_cast<std::size_t>(depth * out_count));
    float* y = outputs[0].values<float>();
    for (int64_t n = 0; n < batch; ++n) {
        for (int64_t g = 0; g < groups; ++g) {
            const float* x_group = x.values<float>() + (n * groups + g) * in_channels * w.input_count();
            float* y_group = y + (n * groups + g) * out_channels * out_count;
            if (bias) {
                for (int64_t m = 0; m < out_channels; ++m) {
                    std::fill(y_group + m * out_count, y_group + (m + 1) * out_count,
                              bias->values<float>()[g * out_channels + m]);
                }
            }
            if (!pointwise) im2col(x_group, in_channels, w, columns.data());
            gemm_accumulate(out_channels, out_count, depth, weight.values<float>() + g * out_channels * depth, depth,
                            pointwise ? x_group : columns.data(), out_count, y_group, out_count);
        }
    }
    return outputs;
}

// Scatters every column back onto the (padded) image: the adjoint of im2col, for ConvTranspose. Here
// `w.input` is the large image being accumulated into and `w.output` the positions of the columns.
void col2im(const float* columns, int64_t channels, const Window3& w, float* image) {
    const int64_t positions = w.output_count();
    const float* row = columns;
    for (int64_t c = 0; c < channels; ++c) {
        float* plane = image + c * w.input_count();
        for (int64_t kz = 0; kz < w.kernel[0]; ++kz) {
            for (int64_t ky = 0; ky < w.kernel[1]; ++ky) {
                for (int64_t kx = 0; kx < w.kernel[2]; ++kx, row += positions) {
                    const float* cell = row;
                    for (int64_t pz = 0; pz < w.output[0]; ++pz) {
                        const int64_t iz = pz * w.stride[0] - w.pad_begin[0] + kz * w.dilation[0];
                        for (int64_t py = 0; py < w.output[1]; ++py, cell += w.output[2]) {
                            const int64_t iy = py * w.stride[1] - w.pad_begin[1] + ky * w.dilation[1];
                            if (iz < 0 || iz >= w.input[0] || iy < 0 || iy >= w.input[1]) continue;
                            float* line = plane + (iz * w.input[1] + iy) * w.input[2];
                            for (int64_t px = 0; px < w.output[2]; ++px) {
                                const int64_t ix = px * w.stride[2] - w.pad_begin[2] + kx * w.dilation[2];
                                if (ix >= 0 && ix < w.input[2]) line[ix] += cell[px];
                            }
                        }
                    }
                }
            }
        }
    }
}

// ConvTranspose as the adjoint of Conv: columns = W^T x, then col2im onto the output. The geometry is
// that of the forward conv from the output back to the input, so im2col's loop nest serves both.
std::vector<Tensor> conv_transpose(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const Tensor& x = *inputs[0];
    const Tensor& weight = *inputs[1];  // C x M/group x kernel...
    const Tensor* bias = inputs.size() > 2 ? inputs[2] : nullptr;
    const WindowGeometry geometry =
        resolve_transposed_window(node, x.shape, std::vector<int64_t>(weight.shape.begin() + 2, weight.shape.end()));
    WindowGeometry forward = geometry;  // the forward conv maps the output (as input) to x (as output)
    std::swap(forward.input, forward.output);
    const Window3 w = to_window3(forward);
    const int64_t groups = node.attribute_int("group", 1);
    const int64_t in_channels = x.shape[1] / groups;
    const int64_t out_channels = weight.shape[1];
    const int64_t depth = out_channels * w.kernel_count();
    const int64_t positions = w.output_count();
    std::vector<float> columns(static_cast<std::size_t>(depth * positions));
    float* y = outputs[0].values<float>();
    for (int64_t n = 0; n < x.shape[0]; ++n) {
        for (int64_t g = 0; g < groups; ++g) {
            const float* x_group = x.values<float>() + (n * groups + g) * in_channels * positions;
            float* y_group = y + (n * groups + g) * out_channels * w.input_count();
            // W_g is in_channels x depth; its transpose multiplies the input's channel rows.
            std::vector<float> weight_t(static_cast<std::size_t>(depth * in_channels));
            const float* w_group = weight.values<float>() + g * in_channels * depth;
            for (int64_t c = 0; c < in_channels; ++c) {
                for (int64_t d = 0; d < depth; ++d)
                    weight_t[static_cast<std::size_t>(d * in_channels + c)] = w_group[c * depth + d];
            }
            std::fill(columns.begin(), columns.end(), 0.0f);
            gemm_accumulate(depth, positions, in_channels, weight_t.data(), in_channels, x_group, positions,
                            columns.data(), positions);
            col2im(columns.data(), out_channels, w, y_group);
            if (bias) {
                for (int64_t m = 0; m < out_channels; ++m) {
                    float* plane = y_group + m * w.input_count();
                    const float b = bias->values<float>()[g * out_channels + m];
                    for (int64_t i = 0; i < w.input_count(); ++i) plane[i] += b;
                }
            }
        }
    }
    return outputs;
}

// Calls visit(output_index, first, last) per output position with the clipped window bounds
// and the bounds within the padded input (which count_include_pad averages over).
template <typename Visit>
void for_each_window(const Window3& w, Visit visit) {
    int64_t index = 0;
    for (int64_t oz = 0; oz < w.output[0]; ++oz) {
        for (int64_t oy = 0; oy < w.output[1]; ++oy) {
            for (int64_t ox = 0; ox < w.output[2]; ++ox, ++index) {
                const std::array<int64_t, 3> position{oz, oy, ox};
                std::array<int64_t, 3> first{};
                std::array<int64_t, 3> last{};
                int64_t padded_count = 1;
                for (std::size_t a = 0; a < 3; ++a) {
                    const int64_t start = position[a] * w.stride[a] - w.pad_begin[a];
                    const int64_t end = start + (w.kernel[a] - 1) * w.dilation[a] + 1;
                    first[a] = start;
                    last[a] = end;
                    // Taps inside [-pad_begin, input + pad_end); ceil_mode overhang beyond that is not counted.
                    const int64_t padded_end = std::min(end, w.input[a] + w.pad_end[a]);
                    padded_count *= (padded_end - start + w.dilation[a] - 1) / w.dilation[a];
                }
                visit(index, first, last, padded_count);
            }
        }
    }
}

template <typename Reduce>
std::vector<Tensor> pool(const Node& node, const Inputs& inputs, Reduce reduce) {
    auto outputs = allocate_outputs(node, inputs);
    const Tensor& x = *inputs[0];
    const Window3 w = to_window3(resolve_window(node, x.shape, node.attribute_ints("kernel_shape", {})));
    const int64_t planes = x.shape[0] * x.shape[1];
    for (int64_t p = 0; p < planes; ++p) {
        const float* plane = x.values<float>() + p * w.input_count();
        float* out = outputs[0].values<float>() + p * w.output_count();
        for_each_window(w, [&](int64_t index, const std::array<int64_t, 3>& first, const std::array<int64_t, 3>& last,
                               int64_t padded_count) { out[index] = reduce(plane, w, first, last, padded_count); });
    }
    return outputs;
}

// Visits the window's taps that fall inside the input.
template <typename Tap>
void for_each_tap(const Window3& w, const std::array<int64_t, 3>& first, const std::array<int64_t, 3>& last, Tap tap) {
    for (int64_t z = first[0]; z < last[0]; z += w.dilation[0]) {
        if (z < 0 || z >= w.input[0]) continue;
        for (int64_t y = first[1]; y < last[1]; y += w.dilation[1]) {
            if (y < 0 || y >= w.input[1]) continue;
            for (int64_t x = first[2]; x < last[2]; x += w.dilation[2]) {
                if (x >= 0 && x < w.input[2]) tap((z * w.input[1] + y) * w.input[2] + x);
            }
        }
    }
}

std::vector<Tensor> max_pool(const Node& node, const Inputs& inputs) {
    return pool(node, inputs, [](const float* plane, const Window3& w, const auto& first, const auto& last, int64_t) {
        float best = -std::numeric_limits<float>::infinity();
        for_each_tap(w, first, last, [&](int64_t i) { best = std::max(best, plane[i]); });
        return best;
    });
}

std::vector<Tensor> average_pool(const Node& node, const Inputs& inputs) {
    const bool include_pad = node.attribute_int("count_include_pad", 0) != 0;
    return pool(
        node, inputs,
        [include_pad](const float* plane, const Window3& w, const auto& first, const auto& last, int64_t padded_count) {
            float sum = 0;
            int64_t taps = 0;
            for_each_tap(w, first, last, [&](int64_t i) {
                sum += plane[i];
                ++taps;
            });
            return sum / static_cast<float>(include_pad ? padded_count : taps);
        });
}

template <typename Reduce>
FloatKernel global_pool(Reduce reduce) {
    return [reduce](const Node& node, const Inputs& inputs) {
        auto outputs = allocate_outputs(node, inputs);
        const Shape& shape = inputs[0]->shape;
        const int64_t spatial = element_count(Shape(shape.begin() + 2, shape.end()));
        for (int64_t p = 0; p < shape[0] * shape[1]; ++p) {
            outputs[0].values<float>()[p] = reduce(inputs[0]->values<float>() + p * spatial, spatial);
        }
        return outputs;
    };
}

}  // namespace

std::map<std::string, FloatKernel> window_float_kernels() {
    return {
        {"Conv", conv},
        {"ConvTranspose", conv_transpose},
        {"MaxPool", max_pool},
        {"AveragePool", average_pool},
        {"GlobalAveragePool", global_pool([](const float* x, int64_t count) {
             float sum = 0;
             for (int64_t i = 0; i < count; ++i) sum += x[i];
             return sum / static_cast<float>(count);
         })},
        {"GlobalMaxPool", global_pool([](const float* x, int64_t count) {
             float best = -std::numeric_limits<float>::infinity();
             for (int64_t i = 0; i < count; ++i) best = std::max(best, x[i]);
             return best;
         })},
    };
}

}  // namespace cimvp::ir
