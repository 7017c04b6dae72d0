#include "firmware/compiler/passes/quantize_network.h"

#include "firmware/compiler/passes/calibrate.h"
#include "firmware/compiler/passes/fold_batchnorm.h"
#include "firmware/compiler/passes/fuse_relu.h"
#include "firmware/compiler/passes/quantize.h"

namespace cimvp::passes {

ir::Graph quantize_network(const ir::Graph& graph, const std::vector<ir::TensorMap>& samples,
                           const QuantConfig& config) {
    const ir::Graph folded = fold_batchnorm(graph);
    return fuse_relu(quantize(folded, calibrate(folded, samples, config), config));
}

ir::Graph quantize_network_on_random_inputs(const ir::Graph& graph, const QuantConfig& config) {
    constexpr int kCalibrationInputs = 4;
    constexpr uint64_t kCalibrationSeed = 1000;
    return quantize_network(graph, random_samples(graph, kCalibrationInputs, kCalibrationSeed), config);
}

}  // namespace cimvp::passes
