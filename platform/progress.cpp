#include "platform/progress.h"

#include <unistd.h>

#include <cstdio>

#include "platform/time_watch.h"
#include "platform/units.h"

namespace cimvp {

namespace {
// How often to print: often enough to see movement, rarely enough to stay out of logs.
constexpr double kTerminalSeconds = 0.5;
constexpr double kLogSeconds = 5.0;
// How often, in simulated time, the reporter looks at the wall clock.
constexpr double kTickMicroseconds = 10.0;
}  // namespace

ProgressReporter::ProgressReporter(std::string label, Status status)
    : label_(std::move(label)),
      status_(std::move(status)),
      terminal_(isatty(STDERR_FILENO) != 0),
      started_(std::chrono::steady_clock::now()),
      last_print_(started_) {
    TimeWatch::add(this, 0, [this](uint64_t now) { return tick(now); });
}

ProgressReporter::~ProgressReporter() { TimeWatch::remove(this); }

uint64_t ProgressReporter::tick(uint64_t simulated) {
    const uint64_t next = simulated + sc_core::sc_time(kTickMicroseconds, sc_core::SC_US).value();
    const auto now = std::chrono::steady_clock::now();
    const double since_print = std::chrono::duration<double>(now - last_print_).count();
    if (since_print < (terminal_ ? kTerminalSeconds : kLogSeconds)) return next;
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
    return next;
}

void ProgressReporter::finish() {
    if (printed_) std::fprintf(stderr, "\r%-100s\r", "");
}

}  // namespace cimvp
