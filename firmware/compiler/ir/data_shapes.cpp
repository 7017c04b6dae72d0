#include <algorithm>
#include <set>
#include <stdexcept>

#include "firmware/compiler/ir/operator_shapes.h"
#include "firmware/compiler/ir/shape_rules.h"

namespace cimvp::ir {

namespace {

using namespace shape_rules;

std::vector<Tensor> concat_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"axis"});
    check_arity(node, inputs, 1, std::max<std::size_t>(1, inputs.size()), 1);
    if (!node.has_attribute("axis")) fail(node, "'axis' is required");
    const Tensor& first = *inputs[0];
    const int64_t axis = normalize_axis(node, node.attribute_int("axis", 0), first.shape.size());
    Shape y = first.shape;
    y[static_cast<std::size_t>(axis)] = 0;
    for (const Tensor* input : inputs) {
        if (!input) fail(node, "inputs cannot be absent");
        if (input->type != first.type) fail(node, "inputs have different types");
        Shape rest = input->shape;
        if (rest.size() != y.size()) fail(node, "inputs have different ranks");
        y[static_cast<std::size_t>(axis)] += rest[static_cast<std::size_t>(axis)];
        rest[static_cast<std::size_t>(axis)] = 0;
        Shape expected = first.shape;
        expected[static_cast<std::size_t>(axis)] = 0;
        if (rest != expected) fail(node, "input " + to_string(input->shape) + " differs off the concat axis");
    }
    return one_output(node, first.type, y);
}

std::vector<Tensor> flatten_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"axis"});
    check_arity(node, inputs, 1, 1, 1);
    const Shape& x = inputs[0]->shape;
    const auto axis = static_cast<std::size_t>(normalize_axis(node, node.attribute_int("axis", 1), x.size(), 1));
    const int64_t outer = element_count(Shape(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(axis)));
    const int64_t inner = element_count(Shape(x.begin() + static_cast<std::ptrdiff_t>(axis), x.end()));
    return one_output(node, inputs[0]->type, {outer, inner});
}

std::vector<Tensor> reshape_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"allowzero"});
    check_arity(node, inputs, 2, 2, 1);
    const Tensor& target = *inputs[1];
    if (!target.has_data()) {
        throw UnsupportedError(node.describe() + ": unsupported non-constant target shape '" + target.name + "'");
    }
    if (target.type != DataType::kInt64 || target.shape.size() != 1) fail(node, "target shape must be a 1-D int64");
    const Shape& x = inputs[0]->shape;
    const bool allow_zero = node.attribute_int("allowzero", 0) != 0;
    Shape y = target.as_int64s();
    int inferred = -1;
    for (std::size_t i = 0; i < y.size(); ++i) {
        if (y[i] == 0 && !allow_zero) {
            if (i >= x.size()) fail(node, "0 at position " + std::to_string(i) + " has no input dimension to copy");
            y[i] = x[i];
        } else if (y[i] == -1) {
            if (inferred >= 0) fail(node, "more than one -1 in the target shape");
            inferred = static_cast<int>(i);
        } else if (y[i] < 0) {
            fail(node, "invalid dimension " + std::to_string(y[i]) + " in the target shape");
        }
    }
    if (inferred >= 0) {
        y[static_cast<std::size_t>(inferred)] = 1;
        const int64_t known = element_count(y);
        if (known == 0 || element_count(x) % known != 0) {
            fail(node, "cannot reshape " + to_string(x) + " to " + to_string(target.as_int64s()));
        }
        y[static_cast<std::size_t>(inferred)] = element_count(x) / known;
    }
    if (element_count(y) != element_count(x)) fail(node, "cannot reshape " + to_string(x) + " to " + to_string(y));
    return one_output(node, inputs[0]->type, y);
}

std::vector<Tensor> transpose_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"perm"});
    check_arity(node, inputs, 1, 1, 1);
    const Shape& x = inputs[0]->shape;
    std::vector<int64_t> perm(x.size());
    for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<int64_t>(perm.size() - 1 - i);
    perm = node.attribute_ints("perm", perm);
    std::vector<int64_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        if (sorted.size() != x.size() || sorted[i] != static_cast<int64_t>(i)) {
            fail(node, "perm is not a permutation of the " + std::to_string(x.size()) + " axes");
        }
    }
    Shape y(x.size());
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = x[static_cast<std::size_t>(perm[i])];
    return one_output(node, inputs[0]->type, y);
}

std::vector<Tensor> squeeze_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {});  // axes are an input (opset 13); the importer upgrades older models
    check_arity(node, inputs, 1, 2, 1);
    const Shape& x = inputs[0]->shape;
    std::vector<bool> drop(x.size(), false);
    if (inputs.size() > 1 && inputs[1]) {
        for (int64_t axis : constant_ints(node, *inputs[1])) {
            const auto a = static_cast<std::size_t>(normalize_axis(node, axis, x.size()));
            if (x[a] != 1) {
                fail(node, "cannot squeeze axis " + std::to_string(axis) + " of size " + std::to_string(x[a]));
            }
            drop[a] = true;
        }
    } else {
        for (std::size_t a = 0; a < x.size(); ++a) drop[a] = x[a] == 1;
    }
    Shape y;
    for (std::size_t a = 0; a < x.size(); ++a) {
        if (!drop[a]) y.push_back(x[a]);
    }
    return one_output(node, inputs[0]->type, y);
}

std::vector<Tensor> unsqueeze_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {});  // axes are an input (opset 13); the importer upgrades older models
    check_arity(node, inputs, 2, 2, 1);
    const Shape& x = inputs[0]->shape;
    const auto axes = constant_ints(node, *inputs[1]);
    const std::size_t rank = x.size() + axes.size();
    std::vector<bool> inserted(rank, false);
    for (int64_t axis : axes) {
        const auto a = static_cast<std::size_t>(normalize_axis(node, axis, rank));
        if (inserted[a]) fail(node, "axis " + std::to_string(axis) + " is repeated");
        inserted[a] = true;
    }
    Shape y;
    auto next = x.begin();
    for (std::size_t a = 0; a < rank; ++a) y.push_back(inserted[a] ? 1 : *next++);
    return one_output(node, inputs[0]->type, y);
}

std::vector<Tensor> slice_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {});  // bounds are inputs (opset 10); the importer upgrades older models
    check_arity(node, inputs, 3, 5, 1);
    Shape y;
    for (const SliceAxis& axis : slice_axes(node, inputs)) y.push_back(axis.count);
    return one_output(node, inputs[0]->type, y);
}

std::vector<Tensor> pad_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"mode"});  // pads are an input (opset 11); the importer upgrades older models
    check_arity(node, inputs, 2, 3, 1);
    const std::string mode = node.attribute_string("mode", "constant");
    if (mode != "constant" && mode != "reflect" && mode != "edge") {
        throw UnsupportedError(node.describe() + ": unsupported mode '" + mode + "'");
    }
    const Shape& x = inputs[0]->shape;
    const auto pads = constant_ints(node, *inputs[1]);
    if (pads.size() != 2 * x.size()) fail(node, "pads needs 2 values per axis");
    if (inputs.size() > 2 && inputs[2] && (inputs[2]->type != inputs[0]->type || inputs[2]->element_count() != 1)) {
        fail(node, "constant_value must be one value of the input's type");
    }
    Shape y = x;
    for (std::size_t a = 0; a < x.size(); ++a) {
        y[a] += pads[a] + pads[a + x.size()];
        if (y[a] < 0) fail(node, "pads remove more than axis " + std::to_string(a) + " holds");
        if (mode != "constant" && x[a] == 0 && y[a] > 0) fail(node, "cannot " + mode + "-pad an empty axis");
    }
    return one_output(node, inputs[0]->type, y);
}

// The output is known from the input's static shape, so it carries its data: later shape arithmetic
// (Shape -> Gather -> Reshape) can then see constants.
std::vector<Tensor> shape_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"start", "end"});
    check_arity(node, inputs, 1, 1, 1);
    const Shape& x = inputs[0]->shape;
    const auto rank = static_cast<int64_t>(x.size());
    auto clamp_index = [rank](int64_t index) { return std::clamp<int64_t>(index < 0 ? index + rank : index, 0, rank); };
    const int64_t start = clamp_index(node.attribute_int("start", 0));
    const int64_t end = clamp_index(node.attribute_int("end", rank));
    const std::vector<int64_t> dims(x.begin() + start, x.begin() + std::max(start, end));
    return {Tensor::from_values<int64_t>(node.outputs[0], {static_cast<int64_t>(dims.size())}, dims)};
}

// Like Shape, known from the static shape: the element count as an int64 scalar.
std::vector<Tensor> size_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {});
    check_arity(node, inputs, 1, 1, 1);
    return {Tensor::from_values<int64_t>(node.outputs[0], {}, {inputs[0]->element_count()})};
}

std::vector<Tensor> gather_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"axis"});
    check_arity(node, inputs, 2, 2, 1);
    const Shape& data = inputs[0]->shape;
    const Tensor& indices = *inputs[1];
    if (indices.type != DataType::kInt64 && indices.type != DataType::kInt32) {
        fail(node, "indices must be int32 or int64, got " + to_string(indices.type));
    }
    const auto axis = static_cast<std::size_t>(normalize_axis(node, node.attribute_int("axis", 0), data.size()));
    if (indices.has_data()) {  // constant indices are checked now rather than when run
        for (int64_t index : indices.as_int64s()) {
            if (index < -data[axis] || index >= data[axis]) {
                fail(node, "index " + std::to_string(index) + " is out of range for " + std::to_string(data[axis]) +
                               " entries");
            }
        }
    }
    Shape y(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(axis));
    y.insert(y.end(), indices.shape.begin(), indices.shape.end());
    y.insert(y.end(), data.begin() + static_cast<std::ptrdiff_t>(axis) + 1, data.end());
    return one_output(node, inputs[0]->type, y);
}

std::vector<Tensor> split_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {"axis"});  // sizes are an input (opset 13); the importer upgrades older models
    check_arity(node, inputs, 1, 2, node.outputs.size());
    const Shape& x = inputs[0]->shape;
    const auto axis = static_cast<std::size_t>(normalize_axis(node, node.attribute_int("axis", 0), x.size()));
    const auto parts = static_cast<int64_t>(node.outputs.size());
    std::vector<int64_t> sizes;
    if (inputs.size() > 1 && inputs[1]) {
        sizes = constant_ints(node, *inputs[1]);
        if (static_cast<int64_t>(sizes.size()) != parts) fail(node, "split has a size per output");
    } else {
        if (x[axis] % parts != 0) fail(node, "axis of " + std::to_string(x[axis]) + " does not split evenly");
        sizes.assign(node.outputs.size(), x[axis] / parts);
    }
    int64_t total = 0;
    for (int64_t size : sizes) total += size;
    if (total != x[axis]) {
        fail(node, "split sizes add up to " + std::to_string(total) + ", not " + std::to_string(x[axis]));
    }
    std::vector<Tensor> outputs;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
        Shape y = x;
        y[axis] = sizes[i];
        outputs.emplace_back(node.outputs[i], inputs[0]->type, y);
    }
    return outputs;
}

// DepthToSpace and SpaceToDepth move blocksize x blocksize pixels between channels and space.
std::vector<Tensor> depth_space_shape(const Node& node, const Inputs& inputs) {
    const bool to_space = node.op_type == "DepthToSpace";
    check_attributes(node, to_space ? std::set<std::string>{"blocksize", "mode"} : std::set<std::string>{"blocksize"});
    check_arity(node, inputs, 1, 1, 1);
    const std::string mode = node.attribute_string("mode", "DCR");
    if (mode != "DCR" && mode != "CRD") throw UnsupportedError(node.describe() + ": unsupported mode '" + mode + "'");
    const Shape& x = inputs[0]->shape;
    const int64_t block = node.attribute_int("blocksize", 0);
    if (x.size() != 4) fail(node, "input must be N x C x H x W, got " + to_string(x));
    if (block < 1) fail(node, "'blocksize' must be positive");
    if (to_space) {
        if (x[1] % (block * block) != 0) fail(node, "channels are not a multiple of blocksize squared");
        return one_output(node, inputs[0]->type, {x[0], x[1] / (block * block), x[2] * block, x[3] * block});
    }
    if (x[2] % block != 0 || x[3] % block != 0) fail(node, "height and width are not multiples of blocksize");
    return one_output(node, inputs[0]->type, {x[0], x[1] * block * block, x[2] / block, x[3] / block});
}

std::vector<Tensor> expand_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {});
    check_arity(node, inputs, 2, 2, 1);
    Shape y;
    try {
        y = broadcast_shapes(inputs[0]->shape, constant_ints(node, *inputs[1]));
    } catch (const UnsupportedError&) {
        throw;
    } catch (const std::runtime_error& error) {
        fail(node, error.what());
    }
    return one_output(node, inputs[0]->type, y);
}

std::vector<Tensor> tile_shape(const Node& node, const Inputs& inputs) {
    check_attributes(node, {});
    check_arity(node, inputs, 2, 2, 1);
    const Shape& x = inputs[0]->shape;
    const auto repeats = constant_ints(node, *inputs[1]);
    if (repeats.size() != x.size()) fail(node, "repeats needs one value per axis");
    Shape y = x;
    for (std::size_t a = 0; a < x.size(); ++a) {
        if (repeats[a] < 0) fail(node, "repeats cannot be negative");
        y[a] *= repeats[a];
    }
    return one_output(node, inputs[0]->type, y);
}

}  // namespace

std::map<std::string, ShapeFunction> data_shape_functions() {
    return {
        {"Concat", concat_shape},
        {"Flatten", flatten_shape},
        {"Reshape", reshape_shape},
        {"Transpose", transpose_shape},
        {"Squeeze", squeeze_shape},
        {"Unsqueeze", unsqueeze_shape},
        {"Slice", slice_shape},
        {"Pad", pad_shape},
        {"Shape", shape_shape},
        {"Size", size_shape},
        {"Gather", gather_shape},
        {"Split", split_shape},
        {"DepthToSpace", depth_space_shape},
        {"SpaceToDepth", depth_space_shape},
        {"Expand", expand_shape},
        {"Tile", tile_shape},
    };
}

}  // namespace cimvp::ir
