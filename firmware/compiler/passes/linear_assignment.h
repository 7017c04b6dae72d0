// The rectangular linear assignment problem: give each row its own column at the least total cost.
//
// The weight-pool pass solves one per group of output channels (rows) against the pool vectors
// (columns). Boost 1.74's maximum_weighted_matching is a general-graph blossom algorithm that
// maximises weight rather than requiring every row to be matched, so this is the Hungarian method
// with row and column potentials (Kuhn-Munkres, shortest augmenting paths): O(rows^2 * columns).
#pragma once

#include <vector>

namespace cimvp::passes {

// `cost` holds rows x columns values, row-major, rows <= columns. Returns, for each row, the column
// it takes; the columns are distinct and the sum of their costs is minimal. Throws
// std::invalid_argument when rows > columns, the cost size does not match or a cost is not finite.
std::vector<int> solve_assignment(const std::vector<double>& cost, int rows, int columns);

}  // namespace cimvp::passes
