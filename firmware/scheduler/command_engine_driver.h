// The driver side shared by every engine built on CommandEngine (models/common/command_engine.h):
// put the translated 64-byte descriptor into a command slot, wait while the engine's queue is full,
// write the slot's address and ring the doorbell (one 16-byte write), and read completion and
// errors from the engine's registers. A concrete driver
// only says which opcodes it takes and how one becomes the engine's descriptor.
//
// Like firmware with credit-based flow control, the driver reads the queue depth once and counts
// the slots it knows are free; it reads the engine's queue level only when that count runs out, or
// when idle() or wait_until_finished() need it, instead of before every command. As long as the
// scheduler is the only one ringing the engine, the count can only be lower than the truth (the
// engine frees slots on its own), so the queue is never overfilled. The same reads tell which
// commands have finished, so that the scheduler knows when a command slot may be reused. To wait
// for a queue slot or for one command, the driver arms the engine's queue watermark and sleeps
// until the engine interrupts, rather than polling the queue level.
#pragma once

#include "firmware/scheduler/engine_driver.h"

namespace cimvp {

class CommandEngineDriver : public EngineDriver {
public:
    void issue(FirmwareBus& bus, const EngineRef& engine, const isa::Instruction& instruction) override;
    bool idle(FirmwareBus& bus, const EngineRef& engine) override;
    void wait_until_finished(FirmwareBus& bus, const EngineRef& engine, uint64_t sequence) override;
    std::string fault(FirmwareBus& bus, const EngineRef& engine) override;

protected:
    // Writes the engine's 64-byte descriptor for `instruction`.
    virtual void translate(const isa::Instruction& instruction, uint8_t* descriptor) const = 0;

private:
    // From the engine's queue level as just read: the commands it holds are the last ones issued.
    void learn(uint64_t queued) {
        free_slots_ = queued < queue_depth_ ? queue_depth_ - queued : 0;
        finished_ = queued < issued_ ? issued_ - queued : 0;
    }
    // Returns once the engine holds at most `level` commands.
    void wait_until_queued_at_most(FirmwareBus& bus, const EngineRef& engine, uint64_t level);

    uint64_t queue_depth_ = 0;  // 0 until read
    uint64_t free_slots_ = 0;   // queue slots known to be free
    uint64_t issued_ = 0;       // commands rung in
    uint64_t finished_ = 0;     // of those, known to have finished
};

}  // namespace cimvp
