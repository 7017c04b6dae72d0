#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "firmware/compiler/interpreter/float_kernels.h"
#include "firmware/compiler/ir/shape_inference.h"
#include "firmware/compiler/ir/shape_rules.h"

namespace cimvp::ir {

namespace {

using Inputs = std::vector<const Tensor*>;

// Operators that only relabel the shape: the output is the input's bytes.
std::vector<Tensor> copy_data(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    outputs[0].data = inputs[0]->data;
    return outputs;
}

std::vector<Tensor> concat(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const Shape& shape = outputs[0].shape;
    int64_t axis = node.attribute_int("axis", 0);
    if (axis < 0) axis += static_cast<int64_t>(shape.size());
    const int64_t outer = element_count(Shape(shape.begin(), shape.begin() + axis));
    const auto item_bytes = static_cast<int64_t>(element_size(outputs[0].type)) *
                            element_count(Shape(shape.begin() + axis + 1, shape.end()));
    uint8_t* out = outputs[0].data.data();
    for (int64_t o = 0; o < outer; ++o) {
        for (const Tensor* input : inputs) {
            const int64_t chunk = input->shape[static_cast<std::size_t>(axis)] * item_bytes;
            if (chunk == 0) continue;
            std::memcpy(out, input->data.data() + o * chunk, static_cast<std::size_t>(chunk));
            out += chunk;
        }
    }
    return outputs;
}

std::vector<Tensor> transpose(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const Shape& in_shape = inputs[0]->shape;
    const std::size_t rank = in_shape.size();
    std::vector<int64_t> perm(rank);
    for (std::size_t i = 0; i < rank; ++i) perm[i] = static_cast<int64_t>(rank - 1 - i);
    perm = node.attribute_ints("perm", perm);
    const auto in_strides = strides_of(in_shape);
    const std::size_t bytes = element_size(outputs[0].type);
    const uint8_t* source = inputs[0]->data.data();
    uint8_t* target = outputs[0].data.data();
    for_each_index(outputs[0].shape, [&](int64_t flat, const std::vector<int64_t>& index) {
        int64_t offset = 0;
        for (std::size_t d = 0; d < rank; ++d) offset += index[d] * in_strides[static_cast<std::size_t>(perm[d])];
        std::memcpy(target + static_cast<std::size_t>(flat) * bytes, source + static_cast<std::size_t>(offset) * bytes,
                    bytes);
    });
    return outputs;
}

std::vector<Tensor> slice(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const auto axes = shape_rules::slice_axes(node, inputs);
    const auto in_strides = strides_of(inputs[0]->shape);
    const std::size_t bytes = element_size(outputs[0].type);
    const uint8_t* source = inputs[0]->data.data();
    uint8_t* target = outputs[0].data.data();
    for_each_index(outputs[0].shape, [&](int64_t flat, const std::vector<int64_t>& index) {
        int64_t offset = 0;
        for (std::size_t d = 0; d < axes.size(); ++d)
            offset += (axes[d].start + index[d] * axes[d].step) * in_strides[d];
        std::memcpy(target + static_cast<std::size_t>(flat) * bytes, source + static_cast<std::size_t>(offset) * bytes,
                    bytes);
    });
    return outputs;
}

// Maps an output position along one axis to the input position it copies, or -1 for the constant.
int64_t pad_source(int64_t position, int64_t size, const std::string& mode) {
    if (position >= 0 && position < size) return position;
    if (mode == "edge") return std::clamp<int64_t>(position, 0, size - 1);
    if (mode == "reflect") {
        if (size == 1) return 0;
        const int64_t period = 2 * (size - 1);  // reflect excludes the edge element: 0 1 2 1 0 1 2 ...
        int64_t folded = position % period;
        if (folded < 0) folded += period;
        return folded < size ? folded : period - folded;
    }
    return -1;
}

std::vector<Tensor> pad(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const Shape& in_shape = inputs[0]->shape;
    const auto pads = shape_rules::constant_ints(node, *inputs[1]);
    const std::string mode = node.attribute_string("mode", "constant");
    const auto in_strides = strides_of(in_shape);
    const std::size_t bytes = element_size(outputs[0].type);
    const uint8_t* source = inputs[0]->data.data();
    uint8_t* target = outputs[0].data.data();
    const bool has_value = inputs.size() > 2 && inputs[2];
    for_each_index(outputs[0].shape, [&](int64_t flat, const std::vector<int64_t>& index) {
        int64_t offset = 0;
        for (std::size_t d = 0; d < in_shape.size(); ++d) {
            const int64_t from = pad_source(index[d] - pads[d], in_shape[d], mode);
            if (from < 0) {
                offset = -1;
                break;
            }
            offset += from * in_strides[d];
        }
        uint8_t* cell = target + static_cast<std::size_t>(flat) * bytes;
        if (offset >= 0) {
            std::memcpy(cell, source + static_cast<std::size_t>(offset) * bytes, bytes);
        } else if (has_value) {
            std::memcpy(cell, inputs[2]->data.data(), bytes);
        }  // else the zeroed output is the default constant
    });
    return outputs;
}

// Copies whole slices along `axis`: output = data[..., indices[j], ...]; negative indices count from the end.
std::vector<Tensor> gather(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const Shape& shape = inputs[0]->shape;
    int64_t axis = node.attribute_int("axis", 0);
    if (axis < 0) axis += static_cast<int64_t>(shape.size());
    const int64_t outer = element_count(Shape(shape.begin(), shape.begin() + axis));
    const int64_t length = shape[static_cast<std::size_t>(axis)];
    const auto slice_bytes = static_cast<std::size_t>(element_count(Shape(shape.begin() + axis + 1, shape.end()))) *
                             element_size(inputs[0]->type);
    const auto indices = inputs[1]->as_int64s();
    const uint8_t* source = inputs[0]->data.data();
    uint8_t* target = outputs[0].data.data();
    for (int64_t o = 0; o < outer; ++o) {
        for (int64_t index : indices) {
            if (index < -length || index >= length) {
                throw std::runtime_error(node.describe() + ": index " + std::to_string(index) +
                                         " is out of range for " + std::to_string(length) + " entries");
            }
            const int64_t row = index < 0 ? index + length : index;
            if (slice_bytes > 0) {
                std::memcpy(target, source + static_cast<std::size_t>(o * length + row) * slice_bytes, slice_bytes);
            }
            target += slice_bytes;
        }
    }
    return outputs;
}

std::vector<Tensor> split(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    const Shape& shape = inputs[0]->shape;
    int64_t axis = node.attribute_int("axis", 0);
    if (axis < 0) axis += static_cast<int64_t>(shape.size());
    const int64_t outer = element_count(Shape(shape.begin(), shape.begin() + axis));
    const auto item_bytes = static_cast<int64_t>(element_size(inputs[0]->type)) *
                            element_count(Shape(shape.begin() + axis + 1, shape.end()));
    const uint8_t* source = inputs[0]->data.data();
    for (int64_t o = 0; o < outer; ++o) {
        for (Tensor& output : outputs) {
            const int64_t chunk = output.shape[static_cast<std::size_t>(axis)] * item_bytes;
            if (chunk == 0) continue;
            std::memcpy(output.data.data() + o * chunk, source, static_cast<std::size_t>(chunk));
            source += chunk;
        }
    }
    return outputs;
}

// Copies element by element with the input position given by `source_of(output multi-index)`.
template <typename SourceOf>
std::vector<Tensor> gather_elements(const Node& node, const Inputs& inputs, SourceOf source_of) {
    auto outputs = allocate_outputs(node, inputs);
    const auto in_strides = strides_of(inputs[0]->shape);
    const std::size_t bytes = element_size(outputs[0].type);
    const uint8_t* source = inputs[0]->data.data();
    uint8_t* target = outputs[0].data.data();
    std::vector<int64_t> position(inputs[0]->shape.size());
    for_each_index(outputs[0].shape, [&](int64_t flat, const std::vector<int64_t>& index) {
        source_of(index, position);
        int64_t offset = 0;
        for (std::size_t d = 0; d < position.size(); ++d) offset += position[d] * in_strides[d];
        std::memcpy(target + static_cast<std::size_t>(flat) * bytes, source + static_cast<std::size_t>(offset) * bytes,
                    bytes);
    });
    return outputs;
}

std::vector<Tensor> depth_to_space(const Node& node, const Inputs& inputs) {
    const int64_t block = node.attribute_int("blocksize", 1);
    const int64_t channels = inputs[0]->shape[1] / (block * block);
    const bool crd = node.attribute_string("mode", "DCR") == "CRD";
    return gather_elements(node, inputs, [&](const std::vector<int64_t>& out, std::vector<int64_t>& in) {
        const int64_t by = out[2] % block;
        const int64_t bx = out[3] % block;
        // DCR orders the input channels block-major (depth, column, row); CRD channel-major.
        in = {out[0], crd ? (out[1] * block + by) * block + bx : (by * block + bx) * channels + out[1], out[2] / block,
              out[3] / block};
    });
}

std::vector<Tensor> space_to_depth(const Node& node, const Inputs& inputs) {
    const int64_t block = node.attribute_int("blocksize", 1);
    const int64_t channels = inputs[0]->shape[1];
    return gather_elements(node, inputs, [&](const std::vector<int64_t>& out, std::vector<int64_t>& in) {
        const int64_t offset = out[1] / channels;  // (by * block + bx), block-major like DepthToSpace's DCR
        in = {out[0], out[1] % channels, out[2] * block + offset / block, out[3] * block + offset % block};
    });
}

std::vector<Tensor> expand(const Node& node, const Inputs& inputs) {
    const Shape& shape = inputs[0]->shape;
    return gather_elements(node, inputs, [&](const std::vector<int64_t>& out, std::vector<int64_t>& in) {
        const std::size_t skip = out.size() - shape.size();
        for (std::size_t d = 0; d < shape.size(); ++d) in[d] = shape[d] == 1 ? 0 : out[skip + d];
    });
}

std::vector<Tensor> tile(const Node& node, const Inputs& inputs) {
    const Shape& shape = inputs[0]->shape;
    return gather_elements(node, inputs, [&](const std::vector<int64_t>& out, std::vector<int64_t>& in) {
        for (std::size_t d = 0; d < shape.size(); ++d) in[d] = out[d] % shape[d];
    });
}

template <typename To>
void convert(const Tensor& from, Tensor& to) {
    To* out = to.values<To>();
    const auto count = static_cast<std::size_t>(from.element_count());
    if (from.type != DataType::kFloat32) {
        // Integer to integer wraps like a two's-complement truncation (as numpy does); to float rounds.
        const auto values = from.as_int64s();
        for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<To>(values[i]);
        return;
    }
    const float* in = from.values<float>();
    for (std::size_t i = 0; i < count; ++i) {
        if constexpr (std::is_floating_point_v<To>) {
            out[i] = in[i];
        } else {
            // Float to integer truncates toward zero. ONNX leaves out-of-range values undefined; they saturate here
            // (NaN becomes 0) rather than invoke undefined behaviour.
            const double truncated = std::isnan(in[i]) ? 0.0 : std::trunc(static_cast<double>(in[i]));
            const auto low = static_cast<double>(std::numeric_limits<To>::lowest());
            const auto high = static_cast<double>(std::numeric_limits<To>::max());
            out[i] = truncated <= low    ? std::numeric_limits<To>::lowest()
                     : truncated >= high ? std::numeric_limits<To>::max()
                                         : static_cast<To>(truncated);
        }
    }
}

std::vector<Tensor> cast(const Node& node, const Inputs& inputs) {
    auto outputs = allocate_outputs(node, inputs);
    Tensor& y = outputs[0];
    switch (y.type) {
        case DataType::kFloat32:
            convert<float>(*inputs[0], y);
            break;
        case DataType::kInt8:
            convert<int8_t>(*inputs[0], y);
            break;
        case DataType::kUint8:
            convert<uint8_t>(*inputs[0], y);
            break;
        case DataType::kInt32:
            convert<int32_t>(*inputs[0], y);
            break;
        case DataType::kInt64:
            convert<int64_t>(*inputs[0], y);
            break;
    }
    return outputs;
}

// Shape inference already computed the output's data from the input's shape (Shape and Size).
std::vector<Tensor> shape(const Node& node, const Inputs& inputs) { return infer_node_outputs(node, inputs); }

}  // namespace

std::map<std::string, FloatKernel> data_float_kernels() {
    return {
        {"Identity", copy_data},
        {"Dropout", copy_data},  // inference form: the identity
        {"Flatten", copy_data},
        {"Reshape", copy_data},
        {"Squeeze", copy_data},
        {"Unsqueeze", copy_data},
        {"Concat", concat},
        {"Transpose", transpose},
        {"Slice", slice},
        {"Pad", pad},
        {"Shape", shape},
        {"Size", shape},
        {"Gather", gather},
        {"Split", split},
        {"DepthToSpace", depth_to_space},
        {"SpaceToDepth", space_to_depth},
        {"Expand", expand},
        {"Tile", tile},
        {"Cast", cast},
        {"CastLike", cast},
    };
}

}  // namespace cimvp::ir
