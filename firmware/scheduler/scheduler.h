// The firmware-like runtime of the chip. The host loads a program image into memory, writes its
// address to the scheduler's register window and starts it; the scheduler fetches the image over
// its `mem` socket, executes it instruction by instruction, issues engine instructions through each
// engine's driver, waits on `sync`/`barrier`/semaphores, and ends with `halt` (status done, irq) or
// with an error (status error, error code and PC, irq). It never hangs on a bad program: every
// failure stops it with a reason.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "firmware/isa/program_image.h"
#include "firmware/scheduler/engine_driver.h"
#include "platform/component.h"
#include "platform/local_time.h"
#include "platform/payload_pool.h"
#include "platform/sram_array_area.h"

namespace cimvp {

// Register map of the `cfg` window (64-bit little-endian registers), followed by the command RAM.
namespace scheduler_reg {
constexpr uint64_t kControl = 0x00;        // W: 1 starts the program at kProgramAddress
constexpr uint64_t kStatus = 0x08;         // R: bit0 running, bit1 done, bit2 error, bit3 interrupt; W: 1s clear bits 1-3
constexpr uint64_t kProgramAddress = 0x10; // RW: where the program image sits
constexpr uint64_t kErrorCode = 0x18;      // R: a scheduler_error code
constexpr uint64_t kErrorPc = 0x20;        // R: address of the instruction that failed
constexpr uint64_t kInterruptCode = 0x28;  // R: code of the last `interrupt` instruction
constexpr uint64_t kExecuted = 0x30;       // R: instructions executed in this run
constexpr uint64_t kSignal = 0x38;         // W: N adds 1 to semaphore N (the host's side of signal/wait)
constexpr uint64_t kCommandRam = 0x100;    // command slots engines fetch descriptors from
constexpr uint64_t kStatusRunning = 1, kStatusDone = 2, kStatusError = 4, kStatusInterrupt = 8;
}  // namespace scheduler_reg

namespace scheduler_error {
constexpr uint64_t kNone = 0;
constexpr uint64_t kBadImage = 1;       // bad magic, version or section table
constexpr uint64_t kBadInstruction = 2; // the word does not decode (unknown opcode, out-of-range field)
constexpr uint64_t kBusError = 3;       // a fetch or register access got an error response
constexpr uint64_t kBadEngine = 4;      // engine id not bound, instance not mapped, or no driver for it
constexpr uint64_t kEngineFault = 5;    // an engine reported an error
}  // namespace scheduler_error

class Scheduler : public Component, private FirmwareBus {
public:
    struct Params {
        double clock_hz;
        int64_t decode_cycles;
        double poll_interval_ns;
        int64_t interrupt_cycles;
        uint64_t command_ram;
        uint64_t fetch_bytes;
        double energy_per_instruction_pj;
        double command_ram_word_energy_pj;
        double area_um2;
        SramArrayArea command_ram_area;
        explicit Params(ParamReader& reader);
    };

    explicit Scheduler(const ComponentContext& context);
    SC_HAS_PROCESS(Scheduler);

    tlm_utils::simple_target_socket<Scheduler> cfg;
    tlm_utils::simple_initiator_socket<Scheduler> mem;
    sc_core::sc_out<bool> irq;
    // Engines' interrupt lines (netlist port `engine_irq`). The firmware sleeps in sync and barrier
    // until a wired engine's interrupt instead of polling its status.
    sc_core::sc_port<sc_core::sc_signal_in_if<bool>, 0, sc_core::SC_ZERO_OR_MORE_BOUND> engine_irq;

    uint64_t address_span() const override { return scheduler_reg::kCommandRam + params_.command_ram; }
    // The core's area (a parameter) and its command RAM's, sized like an SRAM buffer's.
    double area_um2() const override { return params_.area_um2 + params_.command_ram_area.of_bytes(params_.command_ram); }

    // The reason of the last error in words (PC, instruction, cause), for the host's error message.
    const std::string& error_message() const { return error_message_; }

private:
    struct Failure {
        uint64_t code;
        std::string message;
    };

    void register_access(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    void run();
    void execute_program();
    // The instruction's timeline slice (layer and tile from the program's annotations), the buffer
    // occupancy it changes, and the arrows to the commands it issued and from those it waited for.
    void trace_instruction(int track, const isa::Instruction& instruction, const sc_core::sc_time& fetch_start);
    void execute(const isa::Instruction& instruction);
    void load_image_header();
    // The 64-byte instruction word at pc_, from the fetch buffer, refilled with one read of up to
    // fetch_bytes of code when pc_ is outside it (programs run straight through: no branches).
    const uint8_t* fetch();
    struct BoundEngine;
    const BoundEngine& bound_engine(uint8_t engine_id) const;
    // One method per wired engine line latches its rising edges (spawned once the lines are bound).
    void end_of_elaboration() override;
    void latch_engine_interrupt(size_t line);
    // Returns once the engine has finished everything issued to it.
    void wait_until_idle(const BoundEngine& engine);
    struct SlotUse;
    // Returns once the command that `use` records has finished.
    void wait_until_finished(const SlotUse& use);
    // Sleeps until engine_irq line `line` rises (plus the interrupt-entry cycles), or polls once
    // when the line is -1 (not wired) or already held high.
    void wait_for_line(int line);
    // Forgets a rising edge latched on `line` (none for -1) once the firmware has seen the state it
    // announces, or has given the engine new work: left latched, it would wake a later wait at once.
    void drop_latched_edge(int line);
    void stop(uint64_t status_bits);
    void drive_irq() { irq.write((status_ & ~scheduler_reg::kStatusRunning) != 0); }

    // FirmwareBus: timed accesses that advance the scheduler's own time.
    uint64_t read64(uint64_t address) override;
    void write64(uint64_t address, uint64_t value) override;
    void write128(uint64_t address, uint64_t low, uint64_t high) override;
    uint64_t put_descriptor(const uint8_t* descriptor, uint64_t sequence) override;
    void wait_for_interrupt(const EngineRef& engine) override { wait_for_line(engine.interrupt_line); }
    void acknowledge_interrupt(const EngineRef& engine) override { drop_latched_edge(engine.interrupt_line); }
    // Waits a polling interval of simulated time.
    void pause();
    void access(tlm::tlm_command command, uint64_t address, uint8_t* data, unsigned length);

    Params params_;
    sc_core::sc_time cycle_;
    // The firmware's time: it waits for each access and decode, but only when another process
    // could act in between (platform/local_time.h).
    LocalTime time_;
    PayloadPool payloads_;
    std::vector<uint8_t> command_ram_;
    size_t next_slot_ = 0;
    // Which engine's command each slot holds, by that engine's sequence number (the engine is
    // null while the slot is unused in this program).
    struct SlotUse {
        const BoundEngine* engine = nullptr;
        uint64_t sequence = 0;
    };
    std::vector<SlotUse> slot_uses_;
    const BoundEngine* issuing_engine_ = nullptr;  // whose instruction is being issued
    std::optional<uint64_t> own_base_;  // where the platform maps this scheduler's window
    sc_core::sc_event start_event_;
    sc_core::sc_event irq_changed_;
    sc_core::sc_event signalled_;
    std::array<uint32_t, 256> semaphores_{};
    uint64_t status_ = 0;
    uint64_t program_address_ = 0;
    uint64_t error_code_ = 0;
    uint64_t error_pc_ = 0;
    uint64_t interrupt_code_ = 0;
    uint64_t executed_ = 0;
    std::string error_message_;
    // The running program: engine table, where its code starts, and one driver per bound engine.
    struct BoundEngine : EngineRef {  // the window and interrupt line drivers are handed
        std::string instance;
        std::unique_ptr<EngineDriver> driver;
    };
    std::array<std::unique_ptr<BoundEngine>, 256> engines_;  // by id; null where the table binds none
    uint64_t code_address_ = 0;
    uint64_t code_end_ = 0;  // the end of the code section
    uint64_t pc_ = 0;
    std::vector<uint8_t> fetched_;  // code bytes from fetched_address_ on
    uint64_t fetched_address_ = 0;
    std::vector<uint64_t> issued_descriptors_;  // by the current instruction, when tracing
    uint64_t issued_commands_ = 0;
    EnergyLedger::Handle instruction_energy_;
    EnergyLedger::Handle command_ram_energy_;  // per 64-bit word of the command RAM read or written
    uint64_t& instructions_;
    uint64_t& polls_;
    uint64_t& interrupt_waits_;
    std::map<std::string, size_t> interrupting_engines_;  // engine instance -> engine_irq line
    std::vector<bool> line_levels_;
    std::vector<bool> pending_interrupts_;
    sc_core::sc_event engine_interrupt_;
};

}  // namespace cimvp
