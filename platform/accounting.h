// Per-component bookkeeping: event counters, energy per event kind, and busy time.
#pragma once

#include <systemc>

#include <cstdint>
#include <map>
#include <string>

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
    // Returns where the newly counted part begins (== end when [start, end) was already covered).
    sc_core::sc_time add(const sc_core::sc_time& start, const sc_core::sc_time& end) {
        if (end <= start) return end;
        const sc_core::sc_time from = start > busy_until_ ? start : busy_until_;
        if (end > from) busy_ += end - from;
        if (end > busy_until_) busy_until_ = end;
        return end > from ? from : end;
    }
    sc_core::sc_time busy() const { return busy_; }
    sc_core::sc_time busy_until() const { return busy_until_; }

private:
    sc_core::sc_time busy_ = sc_core::SC_ZERO_TIME;
    sc_core::sc_time busy_until_ = sc_core::SC_ZERO_TIME;
};

}  // namespace cimvp
