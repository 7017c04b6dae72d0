// Deterministic random numbers for zoo weights and test inputs. The generator is std::mt19937_64
// (fully specified by the C++ standard) and the distributions are written out here, because the
// standard library's distributions may differ between implementations.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "firmware/compiler/ir/tensor.h"

namespace cimvp::zoo {

class SeededRandom {
   public:
    // The stream depends on both the seed and the stream name, so every tensor gets its own stream
    // and adding a layer does not change the weights of the others.
    SeededRandom(uint64_t seed, const std::string& stream);

    double uniform(double low, double high);
    double normal(double mean, double stddev);
    std::vector<float> normal_values(std::size_t count, double mean, double stddev);
    std::vector<float> uniform_values(std::size_t count, double low, double high);

   private:
    double unit();  // uniform in [0, 1)

    std::mt19937_64 engine_;
    double spare_ = 0.0;
    bool has_spare_ = false;
};

// A random 8-bit image batch of `shape` (N x C x spatial...), normalised as network inputs are, from
// stream (`seed`, `stream`). Per (image, channel) a brightness drawn U(0.2, 0.8) and a contrast
// drawn U(0.1, 0.3); pixel intensities N(brightness, contrast^2) clamped to [0, 1] and rounded to
// 1/255; then (intensity - 0.45) / 0.225, so values lie in [-2, 2.44] as for a normalised photo.
// Inputs differ in their global statistics, as images do, and not only in noise that pooling averages away.
ir::Tensor random_image(const std::string& name, const ir::Shape& shape, uint64_t seed, const std::string& stream);

}  // namespace cimvp::zoo
