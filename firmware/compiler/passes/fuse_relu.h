// Pass: merges a QRelu into the requantizing op that feeds it (QConv, QGemm, QAdd, pooling), so
// the producer requantizes straight to the ReLU's unsigned range. This removes one rounding and
// lets the unsigned N-bit range cover the positive values that a signed one would cover with half
// the steps.
#pragma once

#include "firmware/compiler/ir/graph.h"

namespace cimvp::passes {

// Fuses when the producer's output is read only by the QRelu and is not a graph output. The
// producer's multiplier, shift and saturation bounds are recomputed for the ReLU output's scale.
ir::Graph fuse_relu(ir::Graph graph);

}  // namespace cimvp::passes
