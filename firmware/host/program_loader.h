// The host's side of running firmware: place a program image in memory, start the scheduler, wait
// for its interrupt, and turn its status into a result or a clear error.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "firmware/isa/program_image.h"
#include "models/soc/host.h"

namespace cimvp {

// Writes the image's bytes at `image_address` (header, section table, engine table) and its code
// and data sections at their load addresses, through the loader (debug transport).
void load_program(Host& host, const std::vector<uint8_t>& image_bytes, uint64_t image_address);

struct ProgramOutcome {
    bool ok = false;
    uint64_t executed = 0;
    uint64_t interrupts = 0;       // `interrupt` instructions seen while waiting
    uint64_t last_interrupt_code = 0;
    std::string error;             // the scheduler's reason when !ok
    sc_core::sc_time duration;
};

// Starts the scheduler whose register window is at `scheduler_base` on the image at `image_address`
// and waits until it halts or fails, acknowledging `interrupt`s on the way and handing each code to
// `on_interrupt` (if given) at the simulated time the host saw it.
ProgramOutcome run_program(Host& host, uint64_t scheduler_base, uint64_t image_address,
                           const std::string& scheduler_instance, const class Platform& platform,
                           const std::function<void(uint64_t code)>& on_interrupt = {});

}  // namespace cimvp
