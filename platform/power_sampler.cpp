#include "platform/power_sampler.h"

#include "platform/time_watch.h"

namespace cimvp {

PowerSampler::PowerSampler(const std::vector<Component*>& components, Tracer& tracer, const sc_core::sc_time& interval)
    : tracer_(tracer), interval_(interval), next_end_(interval.value()) {
    const auto series = [&](const Component* component, const char* name) {
        return Series{tracer_.counter_id(component->name(), name), {component->name(), name, 0}};
    };
    for (Component* component : components) {
        sampled_.push_back({component, series(component, "power_mw"), series(component, "bandwidth_gbps")});
    }
    TimeWatch::add(this, next_end_, [this](uint64_t now) { return sample_up_to(now); });
}

PowerSampler::~PowerSampler() { TimeWatch::remove(this); }

void PowerSampler::finish(const sc_core::sc_time& end) { sample_up_to(end.value()); }

uint64_t PowerSampler::sample_up_to(uint64_t now) {
    // Work done since the last sample belongs to the first interval that ended since: no thread
    // ran in the later ones, or the kernel would have stopped there.
    for (; next_end_ <= now; next_end_ += interval_.value()) record(sc_core::sc_time::from_value(next_end_) - interval_);
    return next_end_;
}

void PowerSampler::record(const sc_core::sc_time& interval_start) {
    const double seconds = interval_.to_seconds();
    for (Sampled& s : sampled_) {
        const double energy = s.component->energy().total_pj();
        // pJ per second -> mW: 1 pJ/s = 1e-9 mW.
        sample(s.power, interval_start, (energy - s.last_energy_pj) / seconds * 1e-9);
        s.last_energy_pj = energy;
        const uint64_t bytes = s.component->bytes_moved();
        if (bytes == 0) continue;  // components that move no data get no bandwidth track
        sample(s.bandwidth, interval_start, static_cast<double>(bytes - s.last_bytes) / seconds * 1e-9);
        s.last_bytes = bytes;
    }
}

// The sample describes the interval that just ended; it is stamped at the interval's start.
void PowerSampler::sample(Series& series, const sc_core::sc_time& interval_start, double value) {
    tracer_.counter(series.counter, interval_start, value);
    tracer_.signal(series.signal, interval_start, value);
}

}  // namespace cimvp
