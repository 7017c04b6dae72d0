#include "firmware/compiler/passes/kmeans.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "firmware/compiler/zoo/seeded_random.h"

namespace cimvp::passes {
namespace {

// The first min(count, limit) entries of a seeded random permutation of 0..count-1 (partial Fisher-Yates).
std::vector<int64_t> seeded_sample(int64_t count, int64_t limit, uint64_t seed) {
    std::vector<int64_t> order(static_cast<std::size_t>(count));
    std::iota(order.begin(), order.end(), int64_t{0});
    zoo::SeededRandom random(seed, "weight_pool.kmeans_sample");
    const int64_t taken = std::min(count, limit);
    for (int64_t i = 0; i < taken; ++i) {
        const auto j =
            std::min(count - 1, i + static_cast<int64_t>(random.uniform(0.0, static_cast<double>(count - i))));
        std::swap(order[i], order[j]);
    }
    order.resize(static_cast<std::size_t>(taken));
    return order;
}

}  // namespace

std::vector<float> transpose(const std::vector<float>& matrix, int rows, int columns) {
    std::vector<float> transposed(matrix.size());
    for (int r = 0; r < rows; ++r) {
        for (int c = 0; c < columns; ++c) {
            transposed[static_cast<std::size_t>(c) * rows + r] = matrix[static_cast<std::size_t>(r) * columns + c];
        }
    }
    return transposed;
}

void correlations(const float* x, int length, const float* transposed_centres, int count, float* out) {
    std::fill(out, out + count, 0.0f);
    for (int j = 0; j < length; ++j) {
        const float value = x[j];
        const float* __restrict column = transposed_centres + static_cast<std::size_t>(j) * count;
        float* __restrict target = out;
        for (int n = 0; n < count; ++n) target[n] += value * column[n];
    }
}

std::vector<double> prefix_squares(const std::vector<float>& centres, int clusters, int dimension) {
    std::vector<double> squares(static_cast<std::size_t>(clusters) * (dimension + 1), 0.0);
    for (int n = 0; n < clusters; ++n) {
        double* row = squares.data() + static_cast<std::size_t>(n) * (dimension + 1);
        for (int j = 0; j < dimension; ++j) {
            const double value = centres[static_cast<std::size_t>(n) * dimension + j];
            row[j + 1] = row[j] + value * value;
        }
    }
    return squares;
}

std::vector<float> masked_kmeans(const MaskedVectors& vectors, int clusters, int64_t max_samples, int iterations,
                                 uint64_t seed) {
    if (vectors.count() == 0 || clusters < 1 || max_samples < 1) {
        throw std::invalid_argument("masked_kmeans: needs vectors, clusters and samples");
    }
    const int dimension = vectors.dimension;
    const std::vector<int64_t> sample = seeded_sample(vectors.count(), max_samples, seed);
    std::vector<float> centres(static_cast<std::size_t>(clusters) * dimension);
    for (int n = 0; n < clusters; ++n) {
        const float* source = vectors.row(sample[static_cast<std::size_t>(n) % sample.size()]);
        std::copy(source, source + dimension, centres.begin() + static_cast<std::ptrdiff_t>(n) * dimension);
    }
    std::vector<int> owner(sample.size(), -1);
    std::vector<double> sums(centres.size()), counts(centres.size());
    for (int round = 0; round < iterations; ++round) {
        const std::vector<double> squares = prefix_squares(centres, clusters, dimension);
        const std::vector<float> transposed = transpose(centres, clusters, dimension);
        std::vector<float> correlation(static_cast<std::size_t>(clusters));
        bool changed = false;
        for (std::size_t i = 0; i < sample.size(); ++i) {
            const int length = vectors.lengths[static_cast<std::size_t>(sample[i])];
            correlations(vectors.row(sample[i]), length, transposed.data(), clusters, correlation.data());
            double best = std::numeric_limits<double>::infinity();
            int chosen = 0;
            for (int n = 0; n < clusters; ++n) {
                const double distance =
                    squares[static_cast<std::size_t>(n) * (dimension + 1) + length] - 2.0 * correlation[n];
                if (distance < best) {
                    best = distance;
                    chosen = n;
                }
            }
            changed = changed || owner[i] != chosen;
            owner[i] = chosen;
        }
        if (!changed) break;
        std::fill(sums.begin(), sums.end(), 0.0);
        std::fill(counts.begin(), counts.end(), 0.0);
        for (std::size_t i = 0; i < sample.size(); ++i) {
            const float* x = vectors.row(sample[i]);
            const std::size_t base = static_cast<std::size_t>(owner[i]) * dimension;
            for (int j = 0; j < vectors.lengths[static_cast<std::size_t>(sample[i])]; ++j) {
                sums[base + j] += x[j];
                counts[base + j] += 1.0;
            }
        }
        for (std::size_t e = 0; e < centres.size(); ++e) {
            if (counts[e] > 0.0) centres[e] = static_cast<float>(sums[e] / counts[e]);
        }
    }
    return centres;
}

}  // namespace cimvp::passes
