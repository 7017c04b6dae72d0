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

// The recipe with the stand-in calibration set every tool shares when no data set is at hand:
// 4 seeded random inputs (seed 1000), so `cimvp compile`, `cimvp infer` and scenarios agree.
ir::Graph quantize_network_on_random_inputs(const ir::Graph& graph, const QuantConfig& config);

}  // namespace cimvp::passes
