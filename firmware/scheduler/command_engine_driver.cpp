#include "firmware/scheduler/command_engine_driver.h"

#include <cstdio>

#include "models/common/command_engine.h"

namespace cimvp {

void CommandEngineDriver::issue(FirmwareBus& bus, const EngineRef& engine, const isa::Instruction& instruction) {
    uint8_t descriptor[CommandEngine::kDescriptorBytes] = {};
    translate(instruction, descriptor);
    // The slot first: freeing it may read this engine's queue level (learn()), which knows nothing
    // of a command taken from the count but not rung yet.
    const uint64_t slot = bus.put_descriptor(descriptor, issued_ + 1);
    if (queue_depth_ == 0) queue_depth_ = bus.read64(engine.base + engine_reg::kQueueDepth);
    if (free_slots_ == 0) wait_until_queued_at_most(bus, engine, queue_depth_ - 1);
    --free_slots_;
    bus.write128(engine.base + engine_reg::kCommandAddress, slot, 1);  // the address, then a doorbell of 1
    ++issued_;
}

bool CommandEngineDriver::idle(FirmwareBus& bus, const EngineRef& engine) {
    const uint64_t queued = bus.read64(engine.base + engine_reg::kQueued);
    learn(queued);
    return queued == 0;
}

void CommandEngineDriver::wait_until_finished(FirmwareBus& bus, const EngineRef& engine, uint64_t sequence) {
    // Commands finish in order: the sequence-th has once the queue holds only those after it.
    if (finished_ < sequence) wait_until_queued_at_most(bus, engine, issued_ - sequence);
}

void CommandEngineDriver::wait_until_queued_at_most(FirmwareBus& bus, const EngineRef& engine, uint64_t level) {
    uint64_t queued = bus.read64(engine.base + engine_reg::kQueued);
    learn(queued);
    if (queued <= level) {
        bus.acknowledge_interrupt(engine);
        return;
    }
    // The watermark holds the engine's irq high from the moment its queue is down to `level`; the
    // level is read again after each wake-up, since an interrupt may also mean done or an error.
    bus.write64(engine.base + engine_reg::kQueueWatermark, level);
    do {
        bus.wait_for_interrupt(engine);
        queued = bus.read64(engine.base + engine_reg::kQueued);
        learn(queued);
    } while (queued > level);
    bus.write64(engine.base + engine_reg::kQueueWatermark, engine_reg::kWatermarkOff);
    bus.acknowledge_interrupt(engine);
}

std::string CommandEngineDriver::fault(FirmwareBus& bus, const EngineRef& engine) {
    if ((bus.read64(engine.base + engine_reg::kStatus) & engine_reg::kStatusError) == 0) return "";
    char text[128];
    std::snprintf(text, sizeof text, "error code 0x%llx at address 0x%llx",
                  static_cast<unsigned long long>(bus.read64(engine.base + engine_reg::kErrorCode)),
                  static_cast<unsigned long long>(bus.read64(engine.base + engine_reg::kErrorAddress)));
    return text;
}

}  // namespace cimvp
