#include "platform/progress.h"

#include <unistd.h>

#include <cstdio>

#include "platform/units.h"

namespace cimvp {

namespace {
// How often to print: often enough to see movement, rarely enough to stay out of logs.
constexpr double kTerminalSeconds = 0.5;
constexpr double kLogSeconds = 5.0;
// How often the reporter wakes, in simulated time. Its wake-ups are points where threads running
// ahead of the kernel catch up, which can reorder requests to order-sensitive models (the DRAM
// controller), so the period must not follow wall time: results would depend on the machine.
constexpr double kTickMicroseconds = 10.0;
}  // namespace

ProgressReporter::ProgressReporter(sc_core::sc_module_name name, std::string label, Status status)
    : sc_core::sc_module(name),
      label_(std::move(label)),
      status_(std::move(status)),
      terminal_(isatty(STDERR_FILENO) != 0),
      started_(std::chrono::steady_clock::now()),
      last_print_(started_) {
    SC_METHOD(tick);
}

void ProgressReporter::tick() {
    const auto now = std::chrono::steady_clock::now();
    next_trigger(sc_core::sc_time(kTickMicroseconds, sc_core::SC_US));

    const double since_print = std::chrono::duration<double>(now - last_print_).count();
    if (since_print < (terminal_ ? kTerminalSeconds : kLogSeconds)) return;
    last_print_ = now;
    const double wall = std::chrono::duration<double>(now - started_).count();
    const auto [fraction, what] = status_();
    std::string line = "cimvp: " + label_ + ": sim " +
                       format_quantity(sc_core::sc_time_stamp().to_seconds() * 1e9, Dimension::Time);
    char text[96];
    std::snprintf(text, sizeof text, ", wall %.1fs", wall);
    line += text;
    if (fraction > 0 && fraction <= 1) {
        std::snprintf(text, sizeof text, ", %.0f%%, eta %.0fs", 100 * fraction, wall * (1 - fraction) / fraction);
        line += text;
    }
    if (!what.empty()) line += ", " + what;
    if (terminal_) {
        std::fprintf(stderr, "\r%-100s", line.c_str());
        printed_ = true;
    } else {
        std::fprintf(stderr, "%s\n", line.c_str());
    }
    std::fflush(stderr);
}

void ProgressReporter::finish() {
    if (printed_) std::fprintf(stderr, "\r%-100s\r", "");
}

}  // namespace cimvp
