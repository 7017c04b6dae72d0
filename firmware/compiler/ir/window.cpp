#include "firmware/compiler/ir/window.h"

#include <algorithm>
#include <stdexcept>

#include "firmware/compiler/ir/shape_inference.h"

namespace cimvp::ir {

namespace {

std::vector<int64_t> per_axis(const Node& node, const char* key, std::size_t axes, int64_t fallback) {
    auto values = node.attribute_ints(key, std::vector<int64_t>(axes, fallback));
    if (values.size() != axes) {
        throw std::runtime_error(node.describe() + ": '" + key + "' has " + std::to_string(values.size()) +
                                 " values for " + std::to_string(axes) + " spatial axes");
    }
    for (int64_t value : values) {
        if (value < 1) throw std::runtime_error(node.describe() + ": '" + key + "' must be positive");
    }
    return values;
}

}  // namespace

WindowGeometry resolve_window(const Node& node, const Shape& input, const std::vector<int64_t>& kernel) {
    if (input.size() < 3) {
        throw std::runtime_error(node.describe() + ": input of shape " + to_string(input) +
                                 " has no spatial axes (expected N x C x D1 ...)");
    }
    const std::size_t axes = input.size() - 2;
    if (kernel.size() != axes) {
        throw std::runtime_error(node.describe() + ": kernel has " + std::to_string(kernel.size()) + " axes, input " +
                                 std::to_string(axes));
    }
    WindowGeometry window;
    window.kernel = kernel;
    window.input.assign(input.begin() + 2, input.end());
    window.strides = per_axis(node, "strides", axes, 1);
    window.dilations = per_axis(node, "dilations", axes, 1);
    const bool ceil_mode = node.attribute_int("ceil_mode", 0) != 0;
    const std::string auto_pad = node.attribute_string("auto_pad", "NOTSET");

    window.pad_begin.assign(axes, 0);
    window.pad_end.assign(axes, 0);
    window.output.assign(axes, 0);
    if (auto_pad == "NOTSET") {
        auto pads = node.attribute_ints("pads", std::vector<int64_t>(2 * axes, 0));
        if (pads.size() != 2 * axes) {
            throw std::runtime_error(node.describe() + ": 'pads' needs 2 values per spatial axis");
        }
        for (int64_t pad : pads) {
            if (pad < 0) throw std::runtime_error(node.describe() + ": negative pads are not allowed");
        }
        window.pad_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(axes));
        window.pad_end.assign(pads.begin() + static_cast<std::ptrdiff_t>(axes), pads.end());
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
        for (std::size_t i = 0; i < axes; ++i) {
            const int64_t out = (window.input[i] + window.strides[i] - 1) / window.strides[i];
            const int64_t reach = (out - 1) * window.strides[i] + (kernel[i] - 1) * window.dilations[i] + 1;
            const int64_t total = std::max<int64_t>(0, reach - window.input[i]);
            // SAME_UPPER puts the odd padding element at the end, SAME_LOWER at the beginning.
            window.pad_begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
            window.pad_end[i] = total - window.pad_begin[i];
        }
    } else if (auto_pad != "VALID") {
        throw UnsupportedError(node.describe() + ": unsupported auto_pad '" + auto_pad + "'");
    }
    for (std::size_t i = 0; i < axes; ++i) {
        window.output[i] = pooled_size(window.input[i], kernel[i], window.strides[i], window.dilations[i],
                                       window.pad_begin[i], window.pad_end[i], ceil_mode);
        if (window.output[i] < 1) {
            throw std::runtime_error(node.describe() + ": window larger than the padded input " + to_string(input));
        }
    }
    return window;
}

WindowGeometry resolve_transposed_window(const Node& node, const Shape& input, const std::vector<int64_t>& kernel) {
    if (input.size() < 3 || kernel.size() != input.size() - 2) {
        throw std::runtime_error(node.describe() + ": input " + to_string(input) + " and a " +
                                 std::to_string(kernel.size()) + "-D kernel do not match");
    }
    const std::size_t axes = input.size() - 2;
    WindowGeometry window;
    window.kernel = kernel;
    window.input.assign(input.begin() + 2, input.end());
    window.strides = per_axis(node, "strides", axes, 1);
    window.dilations = per_axis(node, "dilations", axes, 1);
    const auto output_padding = node.attribute_ints("output_padding", std::vector<int64_t>(axes, 0));
    if (output_padding.size() != axes) {
        throw std::runtime_error(node.describe() + ": 'output_padding' needs one value per axis");
    }
    const std::string auto_pad = node.attribute_string("auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "VALID" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER") {
        throw UnsupportedError(node.describe() + ": unsupported auto_pad '" + auto_pad + "'");
    }
    std::vector<int64_t> full(axes);  // the output before any padding is removed
    for (std::size_t i = 0; i < axes; ++i) {
        full[i] =
            window.strides[i] * (window.input[i] - 1) + output_padding[i] + (kernel[i] - 1) * window.dilations[i] + 1;
    }
    std::vector<int64_t> target;
    if (node.has_attribute("output_shape")) {
        target = node.attribute_ints("output_shape", {});
        if (target.size() == input.size()) target.erase(target.begin(), target.begin() + 2);  // N and C given too
        if (target.size() != axes) {
            throw std::runtime_error(node.describe() + ": 'output_shape' needs one value per axis");
        }
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
        target.resize(axes);
        for (std::size_t i = 0; i < axes; ++i) target[i] = window.input[i] * window.strides[i];
    }
    window.pad_begin.assign(axes, 0);
    window.pad_end.assign(axes, 0);
    if (!target.empty()) {
        for (std::size_t i = 0; i < axes; ++i) {
            // A negative total extends the output at the end (as output_padding would), so halves round down.
            const int64_t total = full[i] - target[i];
            const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
            // SAME_UPPER removes the odd element at the beginning, everything else at the end.
            window.pad_begin[i] = auto_pad == "SAME_UPPER" ? half : total - half;
            window.pad_end[i] = total - window.pad_begin[i];
        }
    } else if (auto_pad == "NOTSET") {
        auto pads = node.attribute_ints("pads", std::vector<int64_t>(2 * axes, 0));
        if (pads.size() != 2 * axes) {
            throw std::runtime_error(node.describe() + ": 'pads' needs 2 values per spatial axis");
        }
        window.pad_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(axes));
        window.pad_end.assign(pads.begin() + static_cast<std::ptrdiff_t>(axes), pads.end());
    }
    window.output.resize(axes);
    for (std::size_t i = 0; i < axes; ++i) {
        window.output[i] = full[i] - window.pad_begin[i] - window.pad_end[i];
        if (window.output[i] < 1) throw std::runtime_error(node.describe() + ": pads remove the whole output");
    }
    return window;
}

int64_t pooled_size(int64_t input, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin, int64_t pad_end,
                    bool ceil_mode) {
    const int64_t span = input + pad_begin + pad_end - ((kernel - 1) * dilation + 1);
    if (span < 0) return 0;
    int64_t output = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    // With ceil_mode, a last window that would start in the end padding is dropped.
    if (ceil_mode && (output - 1) * stride >= input + pad_begin) --output;
    return output;
}

}  // namespace cimvp::ir
