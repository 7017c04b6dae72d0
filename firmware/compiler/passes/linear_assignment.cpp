#include "firmware/compiler/passes/linear_assignment.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace cimvp::passes {

std::vector<int> solve_assignment(const std::vector<double>& cost, int rows, int columns) {
    if (rows < 0 || rows > columns ||
        cost.size() != static_cast<std::size_t>(rows) * static_cast<std::size_t>(columns)) {
        throw std::invalid_argument("solve_assignment: need rows <= columns and rows x columns costs");
    }
    // A NaN or infinite cost would leave the path search without a next column.
    for (double value : cost) {
        if (!std::isfinite(value)) throw std::invalid_argument("solve_assignment: costs must be finite");
    }
    constexpr double kInfinity = std::numeric_limits<double>::infinity();
    // 1-based arrays; column 0 is the virtual start of each augmenting path.
    std::vector<double> row_potential(rows + 1, 0.0), column_potential(columns + 1, 0.0);
    std::vector<int> row_of_column(columns + 1, 0), previous(columns + 1, 0);
    auto at = [&](int row, int column) { return cost[static_cast<std::size_t>(row - 1) * columns + (column - 1)]; };
    for (int row = 1; row <= rows; ++row) {
        // Grow a tree of tight edges from `row` with Dijkstra on the reduced costs until it reaches a free column.
        row_of_column[0] = row;
        int column = 0;
        std::vector<double> distance(columns + 1, kInfinity);
        std::vector<bool> used(columns + 1, false);
        do {
            used[column] = true;
            const int current = row_of_column[column];
            double delta = kInfinity;
            int next = 0;
            for (int j = 1; j <= columns; ++j) {
                if (used[j]) continue;
                const double reduced = at(current, j) - row_potential[current] - column_potential[j];
                if (reduced < distance[j]) {
                    distance[j] = reduced;
                    previous[j] = column;
                }
                if (distance[j] < delta) {
                    delta = distance[j];
                    next = j;
                }
            }
            for (int j = 0; j <= columns; ++j) {
                if (used[j]) {
                    row_potential[row_of_column[j]] += delta;
                    column_potential[j] -= delta;
                } else {
                    distance[j] -= delta;
                }
            }
            column = next;
        } while (row_of_column[column] != 0);
        // Flip the path back to the start.
        do {
            const int before = previous[column];
            row_of_column[column] = row_of_column[before];
            column = before;
        } while (column != 0);
    }
    std::vector<int> assignment(static_cast<std::size_t>(rows), -1);
    for (int j = 1; j <= columns; ++j) {
        if (row_of_column[j] != 0) assignment[row_of_column[j] - 1] = j - 1;
    }
    return assignment;
}

}  // namespace cimvp::passes
