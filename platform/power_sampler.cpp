#include "platform/power_sampler.h"

#include "platform/time_watch.h"

namespace cimvp {

PowerSampler::PowerSampler(const std::vector<Component*>& components, Tracer& tracer, const sc_core::sc_time& interval)
    : components_(components),
      last_energy_pj_(components.size(), 0.0),
      last_bytes_(components.size(), 0),
      tracer_(tracer),
      interval_(interval),
      next_end_(interval.value()) {
    for (const Component* component : components_) {
        power_signals_.emplace_back(component->name(), "power_mw", 0);
        bandwidth_signals_.emplace_back(component->name(), "bandwidth_gbps", 0);
        power_counters_.push_back(tracer_.counter_id(component->name(), "power_mw"));
        bandwidth_counters_.push_back(tracer_.counter_id(component->name(), "bandwidth_gbps"));
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
    for (size_t i = 0; i < components_.size(); ++i) {
        const double energy = components_[i]->energy().total_pj();
        // pJ per second -> mW: 1 pJ/s = 1e-9 mW.
        const double milliwatts = (energy - last_energy_pj_[i]) / seconds * 1e-9;
        last_energy_pj_[i] = energy;
        // The sample describes the interval that just ended; it is stamped at the interval's start.
        tracer_.counter(power_counters_[i], interval_start, milliwatts);
        tracer_.signal(power_signals_[i], interval_start, milliwatts);
        const uint64_t bytes = components_[i]->bytes_moved();
        if (bytes == 0) continue;  // components that move no data get no bandwidth track
        const double gigabytes_per_s = static_cast<double>(bytes - last_bytes_[i]) / seconds * 1e-9;
        last_bytes_[i] = bytes;
        tracer_.counter(bandwidth_counters_[i], interval_start, gigabytes_per_s);
        tracer_.signal(bandwidth_signals_[i], interval_start, gigabytes_per_s);
    }
}

}  // namespace cimvp
