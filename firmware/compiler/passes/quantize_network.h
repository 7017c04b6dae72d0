// The MARS quantization recipe as one call: fold batch norm, calibrate activations on sample
// inputs, quantize to integers, fuse ReLUs.
#pragma once

#include <vector>

#include "firmware/compiler/interpreter/float_interpreter.h"
#include "firmware/compiler/passes/quantization_config.h"

namespace cimvp::passes {

// `samples` are calibration inputs for the float graph (see random_samples in calibrate.h).
ir::Graph quantize_network(const ir::Graph& graph, const std::vector<ir::TensorMap>& samples,
                           const QuantConfig& config);

}  // namespace cimvp::passes
