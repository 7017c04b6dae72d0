#include "platform/power_sampler.h"

namespace cimvp {

PowerSampler::PowerSampler(sc_core::sc_module_name name, const std::vector<Component*>& components, Tracer& tracer,
                           const sc_core::sc_time& interval)
    : sc_core::sc_module(name),
      components_(components),
      last_energy_pj_(components.size(), 0.0),
      last_bytes_(components.size(), 0),
      tracer_(tracer),
      interval_(interval) {
    SC_METHOD(sample);
}

void PowerSampler::sample() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (now > sc_core::SC_ZERO_TIME) {
        const double seconds = interval_.to_seconds();
        for (size_t i = 0; i < components_.size(); ++i) {
            const double energy = components_[i]->energy().total_pj();
            // pJ per second -> mW: 1 pJ/s = 1e-9 mW.
            const double milliwatts = (energy - last_energy_pj_[i]) / seconds * 1e-9;
            last_energy_pj_[i] = energy;
            // The sample describes the interval that just ended; stamp it at the interval's start.
            tracer_.counter(components_[i]->name(), "power_mw", now - interval_, milliwatts);
            tracer_.signal(components_[i]->name(), "power_mw", 0, now - interval_, milliwatts);
            const uint64_t bytes = components_[i]->bytes_moved();
            if (bytes == 0) continue;  // components that move no data get no bandwidth track
            const double gigabytes_per_s = static_cast<double>(bytes - last_bytes_[i]) / seconds * 1e-9;
            last_bytes_[i] = bytes;
            tracer_.counter(components_[i]->name(), "bandwidth_gbps", now - interval_, gigabytes_per_s);
            tracer_.signal(components_[i]->name(), "bandwidth_gbps", 0, now - interval_, gigabytes_per_s);
        }
    }
    next_trigger(interval_);
}

}  // namespace cimvp
