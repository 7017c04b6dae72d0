// When a shared resource (a router port, a memory bank) is taken, for a resource that serves one
// request at a time. Under temporal decoupling an initiator may book the resource up to a quantum
// ahead of the kernel, and a request from another initiator, whose own time is earlier, arrives
// afterwards in simulation order. A single "busy until" time would queue that request behind the
// future booking, and every such crossing would add up to a quantum of false waiting: latency
// would grow with the quantum. The calendar instead keeps the booked intervals, and a request
// takes the first free gap at or after its arrival that holds it. Arrivals in time order see
// exactly what a busy-until time gives them. The same intervals also count busy time from spans
// that overlap and arrive out of order (cover(), for BusyTracker).
//
// Times are in kernel time units (sc_time::value()). No request can arrive before the kernel's
// time, so bookings that end by then are dropped; the calendar holds at most a quantum's bookings.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

namespace cimvp {

class BusyCalendar {
public:
    // Books `duration` from the first free moment at or after `arrival`; returns that start.
    // `now` is the kernel's time, at or before `arrival`.
    uint64_t book(uint64_t arrival, uint64_t duration, uint64_t now) {
        forget_before(now);
        const Fit fit = find(arrival, duration);
        put(fit.start, duration, fit.next);
        return fit.start;
    }

    // Where book() would put `duration`, without booking it: for a resource whose time is free only
    // where two calendars are (first_free on each in turn until they agree).
    uint64_t first_free(uint64_t arrival, uint64_t duration, uint64_t now) {
        forget_before(now);
        return find(arrival, duration).start;
    }

    // Books [start, start + duration), which must be free.
    void take(uint64_t start, uint64_t duration) {
        const bool after_all = first_ == booked_.size() || start >= booked_.back().end;
        put(start, duration, after_all ? booked_.size() : first_after(start));
    }

    // Marks [begin, end) busy, joined with the bookings it overlaps or touches, and calls
    // newly_busy(from, to) for each part of it that was free, in time order: for counting busy time
    // from spans that may overlap and arrive out of time order. Parts before the end of a forgotten
    // booking count as already busy.
    template <class NewlyBusy>
    void cover(uint64_t begin, uint64_t end, NewlyBusy&& newly_busy) {
        begin = std::max(begin, forgotten_until_);
        if (begin >= end) return;
        if (first_ == booked_.size() || begin >= booked_.back().end) {
            newly_busy(begin, end);
            append(begin, end - begin);
            return;
        }
        Interval& last_booking = booked_.back();
        if (begin >= last_booking.begin) {  // within the last booking, perhaps running past it
            if (end > last_booking.end) {
                newly_busy(last_booking.end, end);
                last_booking.end = end;
            }
            return;
        }
        size_t first = first_after(begin);
        size_t last = first;  // bookings [first, last) overlap or touch [begin, end)
        uint64_t covered = begin, joined_begin = begin, joined_end = end;
        for (; last < booked_.size() && booked_[last].begin <= end; ++last) {
            if (booked_[last].begin > covered) newly_busy(covered, booked_[last].begin);
            covered = std::max(covered, booked_[last].end);
            joined_begin = std::min(joined_begin, booked_[last].begin);
            joined_end = std::max(joined_end, booked_[last].end);
        }
        if (covered < end) newly_busy(covered, end);
        if (first > first_ && booked_[first - 1].end == joined_begin) joined_begin = booked_[--first].begin;
        const auto at = booked_.begin() + static_cast<std::ptrdiff_t>(first);
        if (first == last) {
            booked_.insert(at, Interval{joined_begin, joined_end});
        } else {
            *at = Interval{joined_begin, joined_end};
            booked_.erase(at + 1, booked_.begin() + static_cast<std::ptrdiff_t>(last));
        }
    }

    // Drops the bookings that end by `now`: no request can arrive before the kernel's time.
    void forget_before(uint64_t now) {
        for (; first_ < booked_.size() && booked_[first_].end <= now; ++first_) forgotten_until_ = booked_[first_].end;
        // Dropped bookings are removed in one go once they are half of the vector.
        if (first_ > 0 && first_ * 2 >= booked_.size()) {
            booked_.erase(booked_.begin(), booked_.begin() + static_cast<std::ptrdiff_t>(first_));
            first_ = 0;
        }
    }

    // When the last booking ends (0 if none is kept).
    uint64_t last_end() const { return first_ == booked_.size() ? 0 : booked_.back().end; }
    // Disjoint intervals kept.
    size_t intervals() const { return booked_.size() - first_; }

private:
    struct Interval {
        uint64_t begin, end;
    };
    struct Fit {
        uint64_t start;
        size_t next;  // the booking after the stretch, or booked_.size()
    };

    Fit find(uint64_t arrival, uint64_t duration) const {
        // The common case: the request comes after every booking.
        if (first_ == booked_.size() || arrival >= booked_.back().end) return {arrival, booked_.size()};
        size_t next = first_after(arrival);
        uint64_t start = arrival;
        for (; next < booked_.size(); ++next) {
            // The gap before this booking holds it (a zero duration still needs a free moment).
            if (start + duration <= booked_[next].begin && start < booked_[next].begin) break;
            start = std::max(start, booked_[next].end);
        }
        return {start, next};
    }

    // Books [start, start + duration), free and ending by booked_[next].begin when next is a booking.
    void put(uint64_t start, uint64_t duration, size_t next) {
        if (next == booked_.size()) {
            append(start, duration);
            return;
        }
        if (duration == 0) return;
        // Between two bookings (or before the first): joined to a neighbour it touches, if any.
        const uint64_t end = start + duration;
        const bool joins_previous = next > first_ && booked_[next - 1].end == start;
        const bool joins_next = booked_[next].begin == end;
        const auto at = booked_.begin() + static_cast<std::ptrdiff_t>(next);
        if (joins_previous && joins_next) {
            booked_[next - 1].end = booked_[next].end;
            booked_.erase(at);
        } else if (joins_previous) {
            booked_[next - 1].end = end;
        } else if (joins_next) {
            booked_[next].begin = start;
        } else {
            booked_.insert(at, Interval{start, end});
        }
    }

    // The first live booking that ends after `t`, given that the last one does. Bookings are disjoint
    // and sorted, so their ends are sorted too. A search without branches on the data: the
    // requests' positions among the bookings are random, and a mispredicted branch per step cost
    // more than the rest of a booking.
    size_t first_after(uint64_t t) const {
        const Interval* base = booked_.data() + first_;
        size_t count = booked_.size() - first_;
        while (count > 1) {
            const size_t half = count / 2;
            base = base[half - 1].end <= t ? base + half : base;
            count -= half;
        }
        return static_cast<size_t>(base - booked_.data());
    }

    void append(uint64_t start, uint64_t duration) {
        if (duration == 0) return;
        if (first_ < booked_.size() && booked_.back().end == start) {
            booked_.back().end = start + duration;  // back to back: one interval
        } else {
            booked_.push_back(Interval{start, start + duration});
        }
    }

    std::vector<Interval> booked_;  // disjoint, sorted; [first_, end) are live
    size_t first_ = 0;
    uint64_t forgotten_until_ = 0;  // the end of the last booking dropped
};

}  // namespace cimvp
