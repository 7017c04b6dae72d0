// Constant folding: the pass that turns every value known at compile time into an initializer.
#pragma once

#include "firmware/compiler/ir/graph.h"

namespace cimvp::ir {

// Infers shapes node by node, like infer_shapes, and replaces each node whose outputs are known at
// compile time by initializers: nodes whose inputs are all constants (evaluated with the float
// kernels) and nodes whose shape inference already yields data (Shape). Exporters write shape
// arithmetic such as Shape -> Gather -> Unsqueeze -> Concat -> Reshape; after this pass the Reshape
// sees a constant target. Nodes without a kernel or shape function are kept and left to infer_shapes
// to report.
Graph fold_constants(Graph graph);

}  // namespace cimvp::ir
