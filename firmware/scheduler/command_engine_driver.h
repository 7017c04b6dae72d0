// The driver side shared by every engine built on CommandEngine (models/common/command_engine.h):
// put the translated 64-byte descriptor into a command slot, wait while the engine's queue is full,
// ring the doorbell, and read completion and errors from the engine's registers. A concrete driver
// only says which opcodes it takes and how one becomes the engine's descriptor.
#pragma once

#include "firmware/scheduler/engine_driver.h"

namespace cimvp {

class CommandEngineDriver : public EngineDriver {
public:
    void issue(FirmwareBus& bus, uint64_t base, const isa::Instruction& instruction) override;
    bool idle(FirmwareBus& bus, uint64_t base) override;
    std::string fault(FirmwareBus& bus, uint64_t base) override;

protected:
    // Writes the engine's 64-byte descriptor for `instruction`.
    virtual void translate(const isa::Instruction& instruction, uint8_t* descriptor) const = 0;
};

}  // namespace cimvp
