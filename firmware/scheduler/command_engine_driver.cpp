#include "firmware/scheduler/command_engine_driver.h"

#include <cstdio>

#include "models/common/command_engine.h"

namespace cimvp {

void CommandEngineDriver::issue(FirmwareBus& bus, uint64_t base, const isa::Instruction& instruction) {
    uint8_t descriptor[CommandEngine::kDescriptorBytes] = {};
    translate(instruction, descriptor);
    // The slot first: freeing it may read this engine's queue level (learn()), which knows nothing
    // of a command taken from the count but not rung yet.
    const uint64_t slot = bus.put_descriptor(descriptor, issued_ + 1);
    if (queue_depth_ == 0) queue_depth_ = bus.read64(base + engine_reg::kQueueDepth);
    while (free_slots_ == 0) {
        learn(bus.read64(base + engine_reg::kQueued));
        if (free_slots_ == 0) bus.pause();
    }
    --free_slots_;
    bus.write128(base + engine_reg::kCommandAddress, slot, 1);  // the address, then a doorbell of 1
    ++issued_;
}

bool CommandEngineDriver::idle(FirmwareBus& bus, uint64_t base) {
    const uint64_t queued = bus.read64(base + engine_reg::kQueued);
    learn(queued);
    return queued == 0;
}

bool CommandEngineDriver::finished(FirmwareBus& bus, uint64_t base, uint64_t sequence) {
    if (finished_ < sequence) learn(bus.read64(base + engine_reg::kQueued));
    return finished_ >= sequence;
}

std::string CommandEngineDriver::fault(FirmwareBus& bus, uint64_t base) {
    if ((bus.read64(base + engine_reg::kStatus) & engine_reg::kStatusError) == 0) return "";
    char text[128];
    std::snprintf(text, sizeof text, "error code 0x%llx at address 0x%llx",
                  static_cast<unsigned long long>(bus.read64(base + engine_reg::kErrorCode)),
                  static_cast<unsigned long long>(bus.read64(base + engine_reg::kErrorAddress)));
    return text;
}

}  // namespace cimvp
