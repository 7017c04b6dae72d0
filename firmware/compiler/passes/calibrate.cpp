#include "firmware/compiler/passes/calibrate.h"

#include <algorithm>
#include <cmath>

#include "firmware/compiler/zoo/seeded_random.h"

namespace cimvp::passes {
namespace {

struct Observation {
    ValueRange range;
    std::vector<float> magnitudes;  // kept only for kPercentile
};

void observe(const ir::Tensor& tensor, const QuantConfig& config, Observation& observation, bool first) {
    if (tensor.type != ir::DataType::kFloat32) return;
    const float* values = tensor.values<float>();
    const auto count = static_cast<std::size_t>(tensor.element_count());
    if (count == 0) return;
    const auto [low, high] = std::minmax_element(values, values + count);
    ValueRange& range = observation.range;
    range.min = first ? *low : std::min<double>(range.min, *low);
    range.max = first ? *high : std::max<double>(range.max, *high);
    range.magnitude = std::max(std::fabs(range.min), std::fabs(range.max));
    if (config.calibration == Calibration::kPercentile) {
        for (std::size_t i = 0; i < count; ++i) observation.magnitudes.push_back(std::fabs(values[i]));
    }
}

double percentile_of(std::vector<float>& magnitudes, double percentile) {
    if (magnitudes.empty()) return 0.0;
    // Nearest rank: the smallest value with at least `percentile` percent of the values at or below it.
    const auto rank = static_cast<std::size_t>(std::ceil(percentile / 100.0 * static_cast<double>(magnitudes.size())));
    const std::size_t index = std::clamp<std::size_t>(rank, 1, magnitudes.size()) - 1;
    std::nth_element(magnitudes.begin(), magnitudes.begin() + static_cast<std::ptrdiff_t>(index), magnitudes.end());
    return magnitudes[index];
}

}  // namespace

ActivationRanges calibrate(const ir::Graph& graph, const std::vector<ir::TensorMap>& samples,
                           const QuantConfig& config) {
    validate(config);
    std::map<std::string, Observation> observations;
    bool first = true;
    for (const auto& sample : samples) {
        for (const auto& input : graph.inputs) observe(sample.at(input), config, observations[input], first);
        ir::run_float(graph, sample, [&](const ir::Node&, const std::vector<ir::Tensor>& outputs) {
            for (const auto& output : outputs) observe(output, config, observations[output.name], first);
        });
        first = false;
    }
    ActivationRanges ranges;
    for (auto& [name, observation] : observations) {
        ValueRange range = observation.range;
        if (config.calibration == Calibration::kPercentile) {
            range.magnitude = percentile_of(observation.magnitudes, config.percentile);
        }
        ranges[name] = range;
    }
    return ranges;
}

ir::Tensor random_input(const ir::Graph& graph, const std::string& input, uint64_t seed, const std::string& stream) {
    return zoo::random_image(input, graph.tensor(input).shape, seed, stream);
}

std::vector<ir::TensorMap> random_samples(const ir::Graph& graph, int count, uint64_t seed) {
    std::vector<ir::TensorMap> samples(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        for (const auto& input : graph.inputs) {
            samples[static_cast<std::size_t>(i)][input] =
                random_input(graph, input, seed, "calibration:" + input + ":" + std::to_string(i));
        }
    }
    return samples;
}

}  // namespace cimvp::passes
