#include "firmware/compiler/zoo/seeded_random.h"

#include <algorithm>
#include <cmath>

namespace cimvp::zoo {
namespace {

// FNV-1a, so the stream name maps to a fixed 64-bit value on every platform.
uint64_t hash_name(const std::string& text) {
    uint64_t hash = 1469598103934665603ull;
    for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ull;
    return hash;
}

// SplitMix64 finaliser: decorrelates nearby seeds before they reach the Mersenne twister.
uint64_t mix(uint64_t value) {
    value += 0x9e3779b97f4a7c15ull;
    value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ull;
    value = (value ^ (value >> 27)) * 0x94d049bb133111ebull;
    return value ^ (value >> 31);
}

// The usual ImageNet input normalisation, averaged over the colour channels.
constexpr double kPixelMean = 0.45;
constexpr double kPixelStd = 0.225;

}  // namespace

SeededRandom::SeededRandom(uint64_t seed, const std::string& stream) : engine_(mix(seed ^ mix(hash_name(stream)))) {}

double SeededRandom::unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

double SeededRandom::uniform(double low, double high) { return low + (high - low) * unit(); }

double SeededRandom::normal(double mean, double stddev) {
    // Box-Muller gives two independent values per pair of uniforms; the second is kept for the next call.
    if (has_spare_) {
        has_spare_ = false;
        return mean + stddev * spare_;
    }
    const double radius = std::sqrt(-2.0 * std::log(1.0 - unit()));  // 1 - unit() is in (0, 1]
    const double angle = 2.0 * M_PI * unit();
    spare_ = radius * std::sin(angle);
    has_spare_ = true;
    return mean + stddev * radius * std::cos(angle);
}

std::vector<float> SeededRandom::normal_values(std::size_t count, double mean, double stddev) {
    std::vector<float> values(count);
    for (auto& value : values) value = static_cast<float>(normal(mean, stddev));
    return values;
}

std::vector<float> SeededRandom::uniform_values(std::size_t count, double low, double high) {
    std::vector<float> values(count);
    for (auto& value : values) value = static_cast<float>(uniform(low, high));
    return values;
}

ir::Tensor random_image(const std::string& name, const ir::Shape& shape, uint64_t seed, const std::string& stream) {
    SeededRandom random(seed, stream);
    const int64_t planes = shape.size() > 1 ? shape[0] * shape[1] : 1;
    const int64_t plane = ir::element_count(shape) / std::max<int64_t>(1, planes);
    std::vector<float> values(static_cast<std::size_t>(ir::element_count(shape)));
    for (int64_t image = 0; image < planes; ++image) {
        const double brightness = random.uniform(0.2, 0.8);
        const double contrast = random.uniform(0.1, 0.3);
        for (int64_t i = 0; i < plane; ++i) {
            const double intensity = std::clamp(random.normal(brightness, contrast), 0.0, 1.0);
            const double pixel = std::round(intensity * 255.0) / 255.0;  // an 8-bit image
            values[static_cast<std::size_t>(image * plane + i)] = static_cast<float>((pixel - kPixelMean) / kPixelStd);
        }
    }
    return ir::Tensor::from_values(name, shape, values);
}

}  // namespace cimvp::zoo
