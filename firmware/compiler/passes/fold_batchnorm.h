// Pass: folds every BatchNormalization that directly follows a Conv into that Conv's weights and
// bias, so inference needs no batch-norm arithmetic (the first step of the MARS recipe).
#pragma once

#include "firmware/compiler/ir/graph.h"

namespace cimvp::passes {

// For y = gamma * (conv(x) - mean) / sqrt(var + eps) + beta, with a = gamma / sqrt(var + eps):
// W'[k] = a[k] * W[k] and b'[k] = a[k] * (b[k] - mean[k]) + beta[k]. Folds only when the Conv's
// output feeds nothing but the BatchNormalization and all parameters are constants; other
// BatchNormalization nodes stay as they are.
ir::Graph fold_batchnorm(ir::Graph graph);

}  // namespace cimvp::passes
