// Per-component bookkeeping: event counters, energy per event kind, and busy time.
#pragma once

#include <systemc>

#include <cstdint>
#include <map>
#include <string>

#include "platform/busy_calendar.h"
#include "platform/kernel_time.h"

namespace cimvp {

// Named 64-bit counters with stable addresses, so hot paths keep a reference and never look up.
class Counters {
public:
    uint64_t& operator[](const std::string& name) { return values_[name]; }
    uint64_t get(const std::string& name) const {
        const auto found = values_.find(name);
        return found == values_.end() ? 0 : found->second;
    }
    const std::map<std::string, uint64_t>& all() const { return values_; }

private:
    std::map<std::string, uint64_t> values_;
};

// Energy by event kind. Each kind is declared once with its energy per occurrence (from the
// model's parameters); the model then adds occurrences through the returned handle.
class EnergyLedger {
public:
    struct Event {
        double pj_per_event = 0.0;
        uint64_t count = 0;
        double extra_pj = 0.0;  // energy not proportional to a count (e.g. background power x time)
        double total_pj() const { return pj_per_event * static_cast<double>(count) + extra_pj; }
    };
    class Handle {
    public:
        Handle() = default;
        explicit Handle(Event* event) : event_(event) {}
        void add(uint64_t occurrences = 1) const { event_->count += occurrences; }
        void add_pj(double pj) const { event_->extra_pj += pj; }
        uint64_t count() const { return event_->count; }

    private:
        Event* event_ = nullptr;
    };

    Handle declare(const std::string& kind, double pj_per_event);
    double total_pj() const;
    double total_pj(const std::string& kind) const;
    const std::map<std::string, Event>& events() const { return events_; }

private:
    std::map<std::string, Event> events_;
};

// Busy time as the union of [start, end) intervals reported in non-decreasing start order per
// resource; overlapping work (pipelined commands) is not counted twice.
class BusyTracker {
public:
    // Counts [start, end) (kernel time units, sc_time::value()) as busy, except what earlier spans
    // already covered, and calls newly_busy(from, to) for each newly counted part. Spans may overlap
    // and arrive out of time order (a router books a port for an engine running ahead of another);
    // a span reaching back before the kernel's time may lose the part before spans already dropped.
    template <class NewlyBusy>
    void add(uint64_t start, uint64_t end, NewlyBusy&& newly_busy) {
        // Old spans are dropped only once many have built up: that is enough to bound the work.
        if (spans_.intervals() > kKeptSpans) spans_.forget_before(kernel_time().value());
        spans_.cover(start, end, [&](uint64_t from, uint64_t to) {
            busy_ += to - from;
            newly_busy(from, to);
        });
    }
    sc_core::sc_time busy() const { return sc_core::sc_time::from_value(busy_); }

private:
    static constexpr size_t kKeptSpans = 16;
    BusyCalendar spans_;  // the busy time of the live window, as disjoint intervals
    uint64_t busy_ = 0;   // in kernel time units
};

}  // namespace cimvp
