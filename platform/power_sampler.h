// Samples every component's energy and bytes moved at a fixed simulated interval and records the
// average power and bandwidth of each interval as Perfetto counters and real-valued VCD signals.
//
// Loosely-timed models account energy when they compute an access, which may be up to one quantum
// before the access ends, so a sample can lead the true power by up to one quantum.
#pragma once

#include <systemc>

#include <vector>

#include "platform/component.h"

namespace cimvp {

class PowerSampler : public sc_core::sc_module {
public:
    PowerSampler(sc_core::sc_module_name name, const std::vector<Component*>& components, Tracer& tracer,
                 const sc_core::sc_time& interval);
    SC_HAS_PROCESS(PowerSampler);

private:
    void sample();

    std::vector<Component*> components_;
    std::vector<double> last_energy_pj_;
    std::vector<uint64_t> last_bytes_;
    Tracer& tracer_;
    sc_core::sc_time interval_;
};

}  // namespace cimvp
