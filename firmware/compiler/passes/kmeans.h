// k-means on vectors of unequal length, as the weight-pool pass needs: a short segment of a kernel
// row is a vector zero padded to the pool's vector length, and only its own entries count.
#pragma once

#include <cstdint>
#include <vector>

namespace cimvp::passes {

// `count` vectors of `dimension` floats, row-major; vector r holds lengths[r] values, then zeros.
struct MaskedVectors {
    int dimension = 0;
    std::vector<float> values;
    std::vector<int> lengths;

    int64_t count() const { return static_cast<int64_t>(lengths.size()); }
    const float* row(int64_t r) const { return values.data() + r * dimension; }
};

// squares[n * (dimension + 1) + j] = sum over i < j of centres[n][i]^2, so the squared distance of a
// vector of length len to centre n is |x|^2 - 2 x.c_n + squares[n][len].
std::vector<double> prefix_squares(const std::vector<float>& centres, int clusters, int dimension);

// The columns x rows transpose of a rows x columns matrix, for `correlations`.
std::vector<float> transpose(const std::vector<float>& matrix, int rows, int columns);

// out[n] = sum over j < length of x[j] * centres[n][j] for n < count, from the transposed centres
// (dimension x count): the inner loop runs over n, so it vectorises without reordering any float sum.
void correlations(const float* x, int length, const float* transposed_centres, int count, float* out);

// Lloyd's k-means with `clusters` centres (clusters x dimension, row-major). Each vector is compared
// on its own length and contributes to the centre only there. It runs on a seeded random sample of at
// most `max_samples` vectors, starts from `clusters` sampled vectors (cyclically if there are
// fewer), and stops after `iterations` rounds or when no assignment changes. An empty centre keeps
// its place. Ties go to the lower centre. Deterministic for a seed.
std::vector<float> masked_kmeans(const MaskedVectors& vectors, int clusters, int64_t max_samples, int iterations,
                                 uint64_t seed);

}  // namespace cimvp::passes
