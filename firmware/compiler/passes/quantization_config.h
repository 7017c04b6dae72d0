// Options of the quantization recipe (weights, activations, calibration).
#pragma once

#include <string>

namespace cimvp::passes {

enum class Calibration {
    kMinMax,      // the largest magnitude seen on the calibration inputs
    kPercentile,  // the given percentile of magnitudes, which ignores rare outliers
};

struct QuantConfig {
    int weight_bits = 8;      // 2..8, symmetric per output channel
    int activation_bits = 8;  // 2..8, per tensor, unsigned after ReLU and signed elsewhere
    // Graph outputs (logits) are written once by the vector unit; 16 bits keep their order exact
    // where 8 bits would tie close classes. 2..16.
    int output_bits = 16;
    Calibration calibration = Calibration::kMinMax;
    double percentile = 99.99;  // in (0, 100], used by kPercentile
};

// Parses "w8a8"-style precision ("wXaY", X and Y in 2..8) into `config`. Throws std::runtime_error
// "bad precision 'TEXT': expected wXaY with X and Y from 2 to 8 (e.g. w8a8)" otherwise.
void parse_precision(const std::string& text, QuantConfig& config);

// Throws std::runtime_error naming the first field out of range.
void validate(const QuantConfig& config);

}  // namespace cimvp::passes
