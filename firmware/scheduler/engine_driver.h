// How the scheduler's firmware talks to one kind of engine: turning an ISA instruction into the
// engine's own command format and register writes, and telling when the engine is done. Drivers
// register by the model type they drive, so a new engine brings its driver along:
//   CIMVP_REGISTER_ENGINE_DRIVER("dma_engine", DmaDriver);
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "firmware/isa/instruction.h"

namespace cimvp {

// The engine a driver call is about, as the scheduler bound it: its register window, and its
// interrupt line, which drivers hand back to the bus's interrupt calls without reading it.
struct EngineRef {
    uint64_t base = 0;
    int interrupt_line = -1;  // on the scheduler's engine_irq, or -1 when the firmware must poll
};

// What a driver may do, all through the scheduler's bus with its timing: register accesses, and
// command slots in the scheduler's own command RAM that engines fetch descriptors from.
class FirmwareBus {
public:
    virtual ~FirmwareBus() = default;
    virtual uint64_t read64(uint64_t address) = 0;
    virtual void write64(uint64_t address, uint64_t value) = 0;
    // Two adjacent registers in one 16-byte write: `low` at `address`, `high` 8 bytes above.
    virtual void write128(uint64_t address, uint64_t low, uint64_t high) = 0;
    // Copies a 64-byte descriptor into a free command slot and returns the slot's bus address.
    // `sequence` numbers the issuing engine's commands from 1: the slot is not reused before that
    // command has finished (EngineDriver::wait_until_finished), so the engine has fetched it.
    virtual uint64_t put_descriptor(const uint8_t* descriptor, uint64_t sequence) = 0;
    // Sleeps until `engine` raises its interrupt line, plus the interrupt-entry time. An engine
    // whose line is not wired, or is already held high, is polled instead: this then waits one
    // polling interval.
    virtual void wait_for_interrupt(const EngineRef& engine) = 0;
    // The firmware has read the state the engine's interrupt announces (its queue empty, or down to
    // a watermark): an edge latched before is dropped, so that a later wait does not wake at once.
    virtual void acknowledge_interrupt(const EngineRef& engine) = 0;
};

class EngineDriver {
public:
    virtual ~EngineDriver() = default;
    // Starts `instruction` on `engine`; may block (sleeping until the engine interrupts) while the
    // engine cannot take more work.
    virtual void issue(FirmwareBus& bus, const EngineRef& engine, const isa::Instruction& instruction) = 0;
    // True when everything issued has finished; reads the engine's registers.
    virtual bool idle(FirmwareBus& bus, const EngineRef& engine) = 0;
    // Returns once the `sequence`-th command issued through this driver has finished; reads the
    // engine's registers only when what the driver already knows does not tell.
    virtual void wait_until_finished(FirmwareBus& bus, const EngineRef& engine, uint64_t sequence) = 0;
    // A description of the engine's error state, or "" when it has none.
    virtual std::string fault(FirmwareBus& bus, const EngineRef& engine) = 0;
    // True when the driver can issue `opcode` at all (checked before issuing, to name the instruction).
    virtual bool accepts(isa::Opcode opcode) const = 0;
};

class EngineDriverRegistry {
public:
    using Factory = std::function<std::unique_ptr<EngineDriver>()>;
    static EngineDriverRegistry& instance();
    void add(const std::string& model_type, Factory factory);
    // A new driver for `model_type`, or nullptr when no driver knows it.
    std::unique_ptr<EngineDriver> create(const std::string& model_type) const;

private:
    std::map<std::string, Factory> factories_;
};

template <class Driver>
struct EngineDriverRegistrar {
    explicit EngineDriverRegistrar(const char* model_type) {
        EngineDriverRegistry::instance().add(model_type, [] { return std::make_unique<Driver>(); });
    }
};

}  // namespace cimvp

#define CIMVP_DRIVER_CONCAT_INNER(a, b) a##b
#define CIMVP_DRIVER_CONCAT(a, b) CIMVP_DRIVER_CONCAT_INNER(a, b)
#define CIMVP_REGISTER_ENGINE_DRIVER(model_type, Driver)                                                    \
    static const ::cimvp::EngineDriverRegistrar<Driver> CIMVP_DRIVER_CONCAT(cimvp_driver_registrar_, __LINE__)( \
        model_type)
