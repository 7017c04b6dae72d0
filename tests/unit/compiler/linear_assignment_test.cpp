// The Hungarian solver of the weight-pool pass: a hand-solved case, rectangular problems against
// brute force over every injective assignment, and its input errors.
#include "firmware/compiler/passes/linear_assignment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

namespace cimvp::passes {
namespace {

double total(const std::vector<double>& cost, int columns, const std::vector<int>& assignment) {
    double sum = 0.0;
    for (size_t r = 0; r < assignment.size(); ++r) sum += cost[r * columns + assignment[r]];
    return sum;
}

// The least total over every way to give `rows` rows distinct columns.
double brute_force(const std::vector<double>& cost, int rows, int columns) {
    std::vector<int> order(columns);
    std::iota(order.begin(), order.end(), 0);
    double best = std::numeric_limits<double>::infinity();
    do {
        best = std::min(best, total(cost, columns, std::vector<int>(order.begin(), order.begin() + rows)));
    } while (std::next_permutation(order.begin(), order.end()));
    return best;
}

TEST(LinearAssignment, SolvesAHandCase) {
    // Greedy row by row takes 1 (column 0), 2 (column 1), then 9: 12. The optimum is 3 + 2 + 3 = 8.
    const std::vector<double> cost = {1, 2, 3,  //
                                      2, 2, 6,  //
                                      4, 3, 9};
    EXPECT_EQ(solve_assignment(cost, 3, 3), (std::vector<int>{2, 0, 1}));
}

TEST(LinearAssignment, MatchesBruteForceOnRectangularProblems) {
    uint64_t state = 12345;
    auto next = [&state] {
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<double>(state >> 40) / static_cast<double>(1 << 24) - 0.5;
    };
    for (int trial = 0; trial < 40; ++trial) {
        const int columns = 2 + trial % 6, rows = 1 + trial % columns;
        std::vector<double> cost(static_cast<size_t>(rows * columns));
        for (auto& value : cost) value = trial % 3 == 0 ? std::round(next() * 4) : next();  // ties every third trial
        const std::vector<int> assignment = solve_assignment(cost, rows, columns);
        ASSERT_EQ(static_cast<int>(assignment.size()), rows);
        EXPECT_EQ(std::set<int>(assignment.begin(), assignment.end()).size(), static_cast<size_t>(rows)) << trial;
        for (int column : assignment) {
            EXPECT_GE(column, 0);
            EXPECT_LT(column, columns);
        }
        EXPECT_NEAR(total(cost, columns, assignment), brute_force(cost, rows, columns), 1e-9) << trial;
    }
}

TEST(LinearAssignment, RejectsMoreRowsThanColumnsAndNonFiniteCosts) {
    EXPECT_THROW(solve_assignment({1, 2, 3, 4, 5, 6}, 3, 2), std::invalid_argument);
    EXPECT_THROW(solve_assignment({1, 2, 3}, 2, 2), std::invalid_argument);
    EXPECT_THROW(solve_assignment({1, std::nan("")}, 1, 2), std::invalid_argument);
    EXPECT_TRUE(solve_assignment({}, 0, 3).empty());
}

}  // namespace
}  // namespace cimvp::passes
