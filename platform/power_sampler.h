// Samples every component's energy and bytes moved at a fixed simulated interval and records the
// average power and bandwidth of each interval as Perfetto counters and real-valued VCD signals.
//
// It adds no process to the simulation (platform/time_watch.h): an interval's sample is taken when
// the first model thread resumes at or after the interval's end, before it goes on. Loosely-timed
// models account energy when they compute an access, which may be up to one quantum before the
// access ends, so a sample can lead the true power by up to one quantum.
#pragma once

#include <systemc>

#include <vector>

#include "platform/component.h"

namespace cimvp {

class PowerSampler {
public:
    PowerSampler(const std::vector<Component*>& components, Tracer& tracer, const sc_core::sc_time& interval);
    ~PowerSampler();
    PowerSampler(const PowerSampler&) = delete;
    PowerSampler& operator=(const PowerSampler&) = delete;

    // Records the intervals that end by `end`, the end of the run.
    void finish(const sc_core::sc_time& end);

private:
    // Records every interval that ends by `now`; returns the end of the next one.
    uint64_t sample_up_to(uint64_t now);
    void record(const sc_core::sc_time& interval_start);

    // A sampled quantity of one component: a Perfetto counter and a VCD signal of the same name.
    struct Series {
        int counter;
        Tracer::SignalHandle signal;
    };
    struct Sampled {
        Component* component;
        Series power, bandwidth;
        double last_energy_pj = 0.0;  // at the end of the last interval
        uint64_t last_bytes = 0;
    };
    // Records one sample of `series`, stamped at its interval's start.
    void sample(Series& series, const sc_core::sc_time& interval_start, double value);

    Tracer& tracer_;
    std::vector<Sampled> sampled_;
    sc_core::sc_time interval_;
    uint64_t next_end_;  // kernel time units
};

}  // namespace cimvp
