// Activation calibration: runs the float graph on sample inputs and records, for every value, the
// range that its integer encoding must cover.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "firmware/compiler/interpreter/float_interpreter.h"
#include "firmware/compiler/passes/quantization_config.h"

namespace cimvp::passes {

struct ValueRange {
    double min = 0.0;        // smallest value seen
    double max = 0.0;        // largest value seen
    double magnitude = 0.0;  // the clipping threshold: largest |x|, or its percentile
};

using ActivationRanges = std::map<std::string, ValueRange>;

// Ranges of the graph inputs and of every node output over all `samples`. With kPercentile the
// magnitude is the given percentile of |x| over all elements of all samples (nearest rank).
ActivationRanges calibrate(const ir::Graph& graph, const std::vector<ir::TensorMap>& samples,
                           const QuantConfig& config);

// `count` inputs for every graph input (see random_input), from streams named after `seed`, the
// input and the sample index: the stand-in for a calibration set in random-weight experiments.
std::vector<ir::TensorMap> random_samples(const ir::Graph& graph, int count, uint64_t seed);

// A random image (zoo::random_image) shaped like graph input `input`, from stream (`seed`, `stream`).
ir::Tensor random_input(const ir::Graph& graph, const std::string& input, uint64_t seed, const std::string& stream);

}  // namespace cimvp::passes
