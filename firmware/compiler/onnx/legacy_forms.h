// Older opsets spell some operators differently. The IR keeps one spelling per operator, the one of
// opset 13 (and of 17 where they agree), so the importer rewrites older forms on the way in.
#pragma once

#include <cstdint>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::ir {

// Attributes that later opsets turned into inputs (Clip min/max before 11, Dropout ratio before 12,
// Slice starts/ends/axes before 10, Pad pads/value before 11, Squeeze/Unsqueeze/ReduceSum axes and Split sizes before
// 13) become constant initializers fed to those inputs.
Graph upgrade_attribute_forms(Graph graph, int64_t opset);

// Softmax, LogSoftmax and Hardmax before opset 13 flatten the input to 2-D at `axis` (default 1) and
// normalize over everything after it; from 13 on they normalize along one axis (default -1). Unless the
// axis is known to be the last one, a node of the old kind becomes
// Flatten(axis) -> op(axis 1) -> Reshape(Shape(input)); constant folding turns the Shape into a constant.
Graph upgrade_softmax_forms(Graph graph);

}  // namespace cimvp::ir
