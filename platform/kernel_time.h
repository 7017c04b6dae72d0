// The SystemC kernel's current time, read inline. sc_time_stamp() is a call into the shared
// library; the models ask for the time several times per transaction (about 370,000 times in the
// MARS ResNet-18 run), and the simcontext's own accessor is inline.
#pragma once

#include <systemc>

namespace cimvp {

inline const sc_core::sc_time& kernel_time() { return sc_core::sc_get_curr_simcontext()->time_stamp(); }

}  // namespace cimvp
