#include "firmware/compiler/passes/quantization_config.h"

#include <regex>
#include <stdexcept>

namespace cimvp::passes {

void parse_precision(const std::string& text, QuantConfig& config) {
    static const std::regex pattern("w([2-8])a([2-8])");
    std::smatch match;
    if (!std::regex_match(text, match, pattern)) {
        throw std::runtime_error("bad precision '" + text + "': expected wXaY with X and Y from 2 to 8 (e.g. w8a8)");
    }
    config.weight_bits = std::stoi(match[1]);
    config.activation_bits = std::stoi(match[2]);
}

void validate(const QuantConfig& config) {
    auto check = [](bool ok, const std::string& field, int value, const std::string& range) {
        if (!ok)
            throw std::runtime_error("quantization " + field + " " + std::to_string(value) + " is not in " + range);
    };
    check(config.weight_bits >= 2 && config.weight_bits <= 8, "weight_bits", config.weight_bits, "2..8");
    check(config.activation_bits >= 2 && config.activation_bits <= 8, "activation_bits", config.activation_bits,
          "2..8");
    check(config.output_bits >= 2 && config.output_bits <= 16, "output_bits", config.output_bits, "2..16");
    if (!(config.percentile > 0.0 && config.percentile <= 100.0)) {
        throw std::runtime_error("quantization percentile " + std::to_string(config.percentile) +
                                 " is not in (0, 100]");
    }
}

}  // namespace cimvp::passes
