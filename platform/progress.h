// Progress of a long run on stderr: simulated time, wall time, the workload's own words and an
// ETA. On a terminal one line is rewritten in place; otherwise a line is printed every few seconds.
#pragma once

#include <systemc>

#include <chrono>
#include <functional>
#include <string>

namespace cimvp {

class ProgressReporter : public sc_core::sc_module {
public:
    // `status` returns the workload's fraction done (negative if unknown) and a short description.
    using Status = std::function<std::pair<double, std::string>()>;
    ProgressReporter(sc_core::sc_module_name name, std::string label, Status status);
    SC_HAS_PROCESS(ProgressReporter);

    // Clears the in-place line, if any, before the final report is printed.
    void finish();

private:
    void tick();

    std::string label_;
    Status status_;
    bool terminal_;
    std::chrono::steady_clock::time_point started_;
    std::chrono::steady_clock::time_point last_print_;
    bool printed_ = false;
};

}  // namespace cimvp
