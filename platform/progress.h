// Progress of a long run on stderr: simulated time, wall time, the workload's own words and an
// ETA. On a terminal one line is rewritten in place; otherwise a line is printed every few seconds.
// It adds no process to the simulation (platform/time_watch.h), so a run that prints progress
// gives the numbers of a quiet one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>

namespace cimvp {

class ProgressReporter {
public:
    // `status` returns the workload's fraction done (negative if unknown) and a short description.
    using Status = std::function<std::pair<double, std::string>()>;
    ProgressReporter(std::string label, Status status);
    ~ProgressReporter();
    ProgressReporter(const ProgressReporter&) = delete;
    ProgressReporter& operator=(const ProgressReporter&) = delete;

    // Clears the in-place line, if any, before the final report is printed.
    void finish();

private:
    // Prints a line if it is time to; returns the simulated time (kernel units) to look again.
    uint64_t tick(uint64_t now);

    std::string label_;
    Status status_;
    bool terminal_;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point last_print_;
    bool printed_ = false;
};

}  // namespace cimvp
