#include "firmware/host/program_loader.h"

#include "firmware/scheduler/scheduler.h"
#include "platform/platform.h"

namespace cimvp {

void load_program(Host& host, const std::vector<uint8_t>& image_bytes, uint64_t image_address) {
    const isa::ImageLayout layout = isa::decode_layout(image_bytes);  // checks magic, CRC, section table
    host.load(image_address, image_bytes.data(), image_bytes.size());
    for (size_t i = isa::kCodeSection; i < layout.sections.size(); ++i) {
        const isa::SectionEntry& section = layout.sections[i];
        host.load(section.address, image_bytes.data() + section.offset, section.size);
    }
}

ProgramOutcome run_program(Host& host, uint64_t scheduler_base, uint64_t image_address,
                           const std::string& scheduler_instance, const Platform& platform,
                           const std::function<void(uint64_t code)>& on_interrupt) {
    const Scheduler& scheduler = platform.get<Scheduler>(scheduler_instance, "run_program");
    ProgramOutcome outcome;
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    host.write64(scheduler_base + scheduler_reg::kProgramAddress, image_address);
    host.write64(scheduler_base + scheduler_reg::kControl, 1);
    for (;;) {
        host.wait_for_interrupt();
        const uint64_t status = host.read64(scheduler_base + scheduler_reg::kStatus);
        if (status & scheduler_reg::kStatusInterrupt) {
            ++outcome.interrupts;
            outcome.last_interrupt_code = host.read64(scheduler_base + scheduler_reg::kInterruptCode);
            if (on_interrupt) on_interrupt(outcome.last_interrupt_code);
        }
        host.write64(scheduler_base + scheduler_reg::kStatus, status);  // acknowledge
        if (status & (scheduler_reg::kStatusDone | scheduler_reg::kStatusError)) {
            outcome.ok = (status & scheduler_reg::kStatusError) == 0;
            outcome.executed = host.read64(scheduler_base + scheduler_reg::kExecuted);
            if (!outcome.ok) outcome.error = scheduler.error_message();
            break;
        }
        // No wait for the line to fall: a bit set after the status read (the program's end right
        // after an interrupt) keeps it high, and only the next status read sees that bit. At worst
        // the next read comes before the acknowledged line has fallen and finds nothing new.
    }
    outcome.duration = sc_core::sc_time_stamp() - start;
    return outcome;
}

}  // namespace cimvp
