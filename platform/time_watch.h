// Work that follows simulated time without taking part in the simulation: power samples and
// progress lines. A timed SystemC process would wake at each sample time, and those wake-ups
// change the run: threads running ahead of the kernel (platform/local_time.h) catch up at them,
// and processes due at one instant may then run in another order, so order-sensitive models (the
// DRAM controller) see their requests differently. A traced or progress-printing run would then
// not give the numbers of a quiet one. A watcher instead runs from the threads that are running
// anyway: every model thread calls TimeWatch::check() after each of its waits, and a watcher whose
// time has come runs then, at the first moment the kernel has reached that time.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

#include "platform/kernel_time.h"

namespace cimvp {

class TimeWatch {
public:
    // Called with the kernel's time (sc_time::value() units) once it has reached the watcher's due
    // time; returns the next due time.
    using Watcher = std::function<uint64_t(uint64_t now)>;

    // Adds a watcher first due at `due`; `owner` identifies it for remove().
    static void add(const void* owner, uint64_t due, Watcher watcher);
    static void remove(const void* owner);

    // Runs the watchers that are due. Cheap when none is: one comparison.
    static void check() {
        if (kernel_time().value() >= next_due_) run_due(kernel_time().value());
    }

private:
    static void run_due(uint64_t now);
    struct Entry {
        const void* owner;
        uint64_t due;
        Watcher watcher;
    };
    static void update_next_due();

    inline static std::vector<Entry> entries_;
    inline static uint64_t next_due_ = std::numeric_limits<uint64_t>::max();
};

}  // namespace cimvp
