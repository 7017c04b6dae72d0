#include "firmware/scheduler/scheduler.h"

#include <cstring>

#include "firmware/isa/decode_error.h"
#include "firmware/isa/hex.h"
#include "firmware/isa/little_endian.h"
#include "platform/bus_access.h"
#include "platform/kernel_time.h"
#include "platform/register_window.h"
#include "platform/registry.h"
#include "platform/time_watch.h"

namespace cimvp {

CIMVP_REGISTER_MODEL("scheduler", Scheduler,
                     "firmware-like runtime: fetches a program image over `mem` and drives the engines");

namespace {

// Thrown inside the scheduler's thread to stop the program with a code and a reason.
struct Stop {
    uint64_t code;
    std::string message;
};

// The 64-bit words of the command RAM that bytes [offset, offset + length) lie in.
uint64_t words_touched(uint64_t offset, uint64_t length) { return (offset + length + 7) / 8 - offset / 8; }

// Offsets in the image header and section table (firmware/isa/program_image.h).
constexpr unsigned kVersionAt = 4, kSectionCountAt = 6, kEntryOffsetAt = 8, kEntryBytesAt = 16, kEntryAddressAt = 24;

}  // namespace

Scheduler::Params::Params(ParamReader& reader) {
    clock_hz = reader.frequency_hz("clock", "1GHz", "scheduler core clock");
    decode_cycles = reader.integer("decode_cycles", 4, 0, 1000, "cycles to decode and dispatch one instruction");
    poll_interval_ns = reader.time_ns("poll_interval", "50ns",
                                      "time between two polls of an engine's status (engines whose interrupt is not "
                                      "wired to engine_irq, and engines with a full queue)");
    interrupt_cycles = reader.integer("interrupt_cycles", 12, 0, 1000,
                                      "cycles from an engine's interrupt to the firmware running again");
    command_ram = reader.bytes("command_ram", "4KiB", "command RAM engines fetch descriptors from (64 B slots)");
    fetch_bytes = reader.bytes("fetch_bytes", "256B",
                               "code read ahead per program fetch (a prefetch buffer of whole 64 B instructions)");
    energy_per_instruction_pj = reader.energy_pj("energy_per_instruction", "10pJ",
                                                 "core energy to decode and dispatch one instruction (its fetch is "
                                                 "charged by the memory it comes from)");
    command_ram_word_energy_pj = reader.energy_pj("command_ram_word_energy", "10pJ",
                                                  "energy per 64-bit word written to or read from the command RAM");
    area_um2 = reader.area_um2("area", "0um2", "silicon area of the scheduler core, without its command RAM");
    command_ram_area = SramArrayArea(reader, "the command RAM");
    reader.require(command_ram % 64 == 0 && command_ram >= 128, "command_ram", "must hold at least two 64 B slots");
    reader.require(fetch_bytes % isa::kInstructionBytes == 0 && fetch_bytes > 0 && fetch_bytes <= 4096, "fetch_bytes",
                   "must be a whole number of 64 B instructions, at most 4 KiB");
}

Scheduler::Scheduler(const ComponentContext& context)
    : Component(context),
      cfg("cfg"),
      mem("mem"),
      irq("irq"),
      params_(read_params<Params>(context)),
      cycle_(1.0 / params_.clock_hz, sc_core::SC_SEC),
      command_ram_(params_.command_ram, 0),
      instruction_energy_(energy().declare("instruction", params_.energy_per_instruction_pj)),
      command_ram_energy_(energy().declare("command_ram_word", params_.command_ram_word_energy_pj)),
      instructions_(counters()["instructions"]),
      polls_(counters()["polls"]),
      interrupt_waits_(counters()["interrupt_waits"]) {
    cfg.register_b_transport(this, &Scheduler::register_access);
    expose_target("cfg", cfg);
    expose_initiator("mem", mem);
    expose_irq_out("irq", irq);
    expose_irq_inputs("engine_irq", [this](sc_core::sc_signal<bool>& wire, const std::string& source) {
        if (!interrupting_engines_.emplace(source, engine_irq.size()).second) {
            throw std::invalid_argument("'" + source + "' already drives " + std::string(name()) + ".engine_irq");
        }
        engine_irq.bind(wire);
    });
    SC_THREAD(run);
    SC_METHOD(drive_irq);
    sensitive << irq_changed_;
    dont_initialize();
}

void Scheduler::end_of_elaboration() {
    const auto lines = static_cast<size_t>(engine_irq.size());
    line_levels_.assign(lines, false);
    pending_interrupts_.assign(lines, false);
    for (size_t line = 0; line < lines; ++line) {
        // Each also runs once at start, for a line that is already high.
        sc_core::sc_spawn_options options;
        options.spawn_method();
        options.set_sensitivity(&engine_irq[static_cast<int>(line)]->value_changed_event());
        sc_core::sc_spawn([this, line] { latch_engine_interrupt(line); },
                          (std::string("latch_engine_irq_") + std::to_string(line)).c_str(), &options);
    }
}

void Scheduler::latch_engine_interrupt(size_t line) {
    // An engine raises its line when its queue runs empty (or on an error); the rising edge stays
    // pending until the firmware has seen it, so one that comes during a status read is not lost.
    const bool level = engine_irq[static_cast<int>(line)]->read();
    if (level && !line_levels_[line]) {
        pending_interrupts_[line] = true;
        engine_interrupt_.notify(sc_core::SC_ZERO_TIME);
    }
    line_levels_[line] = level;
}

void Scheduler::wait_until_idle(const BoundEngine& engine) {
    while (!engine.driver->idle(*this, engine)) wait_for_line(engine.interrupt_line);
    drop_latched_edge(engine.interrupt_line);  // the firmware has seen the engine idle
}

void Scheduler::drop_latched_edge(int interrupt_line) {
    if (interrupt_line >= 0) pending_interrupts_[static_cast<size_t>(interrupt_line)] = false;
}

void Scheduler::wait_for_line(int interrupt_line) {
    if (interrupt_line < 0) {
        pause();
        return;
    }
    const auto line = static_cast<size_t>(interrupt_line);
    // The line's level and edges are the kernel's: catch up first.
    time_.sync();
    // A line already high that has not risen since the last wait (an error, or done with commands
    // still queued behind it) gives no edge to wake on.
    if (!pending_interrupts_[line] && line_levels_[line]) {
        pause();
        return;
    }
    // Sleep until the engine's interrupt, then take the interrupt-entry cycles.
    ++interrupt_waits_;
    time_.wait_until([&] { return pending_interrupts_[line]; }, engine_interrupt_);
    pending_interrupts_[line] = false;
    time_.elapse(cycle_ * static_cast<double>(params_.interrupt_cycles));
}

void Scheduler::wait_until_finished(const SlotUse& use) {
    if (use.engine == nullptr) return;
    use.engine->driver->wait_until_finished(*this, *use.engine, use.sequence);
}

void Scheduler::register_access(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    if (!accept_register_access(payload)) return;
    const uint64_t address = payload.get_address();
    const unsigned length = payload.get_data_length();
    delay += cycle_;
    // The command RAM: engines read descriptors from it.
    if (address >= scheduler_reg::kCommandRam) {
        const uint64_t offset = address - scheduler_reg::kCommandRam;
        if (offset + length > command_ram_.size()) {
            payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return;
        }
        if (payload.is_read()) {
            std::memcpy(payload.get_data_ptr(), command_ram_.data() + offset, length);
        } else {
            std::memcpy(command_ram_.data() + offset, payload.get_data_ptr(), length);
        }
        command_ram_energy_.add(words_touched(offset, length));
        payload.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (length != 8 || address % 8 != 0) {
        payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    uint64_t value = 0;
    if (payload.is_read()) {
        switch (address) {
            case scheduler_reg::kStatus: value = status_; break;
            case scheduler_reg::kProgramAddress: value = program_address_; break;
            case scheduler_reg::kErrorCode: value = error_code_; break;
            case scheduler_reg::kErrorPc: value = error_pc_; break;
            case scheduler_reg::kInterruptCode: value = interrupt_code_; break;
            case scheduler_reg::kExecuted: value = executed_; break;
            default: value = 0;
        }
        std::memcpy(payload.get_data_ptr(), &value, 8);
        payload.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    std::memcpy(&value, payload.get_data_ptr(), 8);
    switch (address) {
        case scheduler_reg::kControl:
            if (value == 1 && (status_ & scheduler_reg::kStatusRunning) == 0) {
                status_ = scheduler_reg::kStatusRunning;
                start_event_.notify(delay);
            }
            break;
        case scheduler_reg::kStatus:
            status_ &= ~(value & (scheduler_reg::kStatusDone | scheduler_reg::kStatusError |
                                  scheduler_reg::kStatusInterrupt));
            irq_changed_.notify(delay);
            break;
        case scheduler_reg::kProgramAddress: program_address_ = value; break;
        case scheduler_reg::kSignal:
            if (value > 255) {
                payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
                return;
            }
            ++semaphores_[value];
            signalled_.notify(delay);
            break;
        default: payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE); return;
    }
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

void Scheduler::access(tlm::tlm_command command, uint64_t address, uint8_t* data, unsigned length) {
    // Issued at the firmware's time; targets answer with the delay to the access's end.
    sc_core::sc_time delay = time_.ahead();
    const tlm::tlm_response_status status = bus_access(mem, payloads_, command, address, data, length, delay);
    if (status != tlm::TLM_OK_RESPONSE) {
        throw Stop{scheduler_error::kBusError, std::string(command == tlm::TLM_READ_COMMAND ? "read" : "write") +
                                                   " at " + isa::to_hex(address) + " failed: " +
                                                   response_name(status)};
    }
    // Firmware waits for each of its accesses.
    time_.elapse(delay - time_.ahead());
}

uint64_t Scheduler::read64(uint64_t address) {
    uint64_t value = 0;
    access(tlm::TLM_READ_COMMAND, address, reinterpret_cast<uint8_t*>(&value), 8);
    return value;
}

void Scheduler::write64(uint64_t address, uint64_t value) {
    access(tlm::TLM_WRITE_COMMAND, address, reinterpret_cast<uint8_t*>(&value), 8);
}

void Scheduler::write128(uint64_t address, uint64_t low, uint64_t high) {
    uint64_t words[2] = {low, high};
    access(tlm::TLM_WRITE_COMMAND, address, reinterpret_cast<uint8_t*>(words), sizeof words);
}

uint64_t Scheduler::put_descriptor(const uint8_t* descriptor, uint64_t sequence) {
    // Slots are used round-robin. A slot is overwritten only once the command it held has finished
    // (the engine fetched it when it started): a whole ring of commands later it almost always
    // has, and the driver knows so from its last read of the engine's queue. If not, the firmware
    // polls for that command, as it polls a full queue.
    const size_t slots = command_ram_.size() / 64;
    const size_t slot = next_slot_;
    next_slot_ = (next_slot_ + 1) % slots;
    SlotUse& use = slot_uses_[slot];
    wait_until_finished(use);
    use = SlotUse{issuing_engine_, sequence};
    std::memcpy(command_ram_.data() + slot * 64, descriptor, 64);
    command_ram_energy_.add(64 / 8);
    if (!own_base_) {  // looked up by name once, not per command
        const auto window = context().address_map ? context().address_map->find(name()) : std::nullopt;
        if (!window) throw Stop{scheduler_error::kBadEngine, "the scheduler's own window is not mapped"};
        own_base_ = window->base;
    }
    const uint64_t address = *own_base_ + scheduler_reg::kCommandRam + slot * 64;
    if (tracer() != nullptr) issued_descriptors_.push_back(address);
    return address;
}

void Scheduler::pause() {
    ++polls_;
    time_.elapse(sc_core::sc_time(params_.poll_interval_ns, sc_core::SC_NS));
}

void Scheduler::load_image_header() {
    // The image's header, section table and engine table sit at kProgramAddress; code and data were
    // placed at their load addresses by the loader, which also checked the checksum.
    uint8_t header[isa::kHeaderBytes];
    access(tlm::TLM_READ_COMMAND, program_address_, header, sizeof header);
    if (std::memcmp(header, isa::kImageMagic, 4) != 0) {
        throw Stop{scheduler_error::kBadImage, "no program image at " + isa::to_hex(program_address_) + " (bad magic)"};
    }
    if (isa::load_le(header + kVersionAt, 2) != isa::kImageVersion) {
        throw Stop{scheduler_error::kBadImage, "program image version " +
                                                   std::to_string(isa::load_le(header + kVersionAt, 2)) +
                                                   " is not supported"};
    }
    const uint64_t sections = isa::load_le(header + kSectionCountAt, 2);
    if (sections < 2) throw Stop{scheduler_error::kBadImage, "program image has no code section"};
    std::vector<uint8_t> table(2 * isa::kSectionEntryBytes);
    access(tlm::TLM_READ_COMMAND, program_address_ + isa::kHeaderBytes, table.data(),
           static_cast<unsigned>(table.size()));
    const uint8_t* engines_entry = table.data() + isa::kEngineSection * isa::kSectionEntryBytes;
    const uint8_t* code_entry = table.data() + isa::kCodeSection * isa::kSectionEntryBytes;
    code_address_ = isa::load_le(code_entry + kEntryAddressAt, 8);
    code_end_ = code_address_ + isa::load_le(code_entry + kEntryBytesAt, 8);
    fetched_.clear();

    const uint64_t engines_offset = isa::load_le(engines_entry + kEntryOffsetAt, 8);
    const uint64_t engines_bytes = isa::load_le(engines_entry + kEntryBytesAt, 8);
    // A program that stopped on an error may have left commands queued, their descriptors still in
    // command slots; they finish before this program reuses the slots.
    for (const SlotUse& use : slot_uses_) wait_until_finished(use);
    for (std::unique_ptr<BoundEngine>& engine : engines_) engine.reset();
    slot_uses_.assign(command_ram_.size() / 64, SlotUse{});
    for (uint64_t at = 0; at < engines_bytes; at += isa::kEngineRecordBytes) {
        uint8_t record[isa::kEngineRecordBytes];
        access(tlm::TLM_READ_COMMAND, program_address_ + engines_offset + at, record, sizeof record);
        BoundEngine engine;
        engine.instance.assign(reinterpret_cast<const char*>(record + 1),
                               strnlen(reinterpret_cast<const char*>(record + 1), isa::kMaxInstanceNameBytes));
        const auto window = context().address_map ? context().address_map->find(engine.instance) : std::nullopt;
        if (!window) {
            throw Stop{scheduler_error::kBadEngine,
                       "engine " + std::to_string(record[0]) + " is bound to '" + engine.instance +
                           "', which the platform does not map"};
        }
        engine.base = window->base;
        engine.driver = EngineDriverRegistry::instance().create(window->type);
        const auto line = interrupting_engines_.find(engine.instance);
        engine.interrupt_line = line == interrupting_engines_.end() ? -1 : static_cast<int>(line->second);
        if (!engine.driver) {
            throw Stop{scheduler_error::kBadEngine, "engine " + std::to_string(record[0]) + " ('" + engine.instance +
                                                        "') is a " + window->type + ", which has no driver"};
        }
        engines_[record[0]] = std::make_unique<BoundEngine>(std::move(engine));
    }
}

const Scheduler::BoundEngine& Scheduler::bound_engine(uint8_t engine_id) const {
    const BoundEngine* engine = engines_[engine_id].get();
    if (engine == nullptr) {
        throw Stop{scheduler_error::kBadEngine, "engine " + std::to_string(engine_id) + " is not in the engine table"};
    }
    return *engine;
}

void Scheduler::execute(const isa::Instruction& instruction) {
    using isa::Opcode;
    switch (instruction.opcode) {
        case Opcode::kSignal:
            time_.sync();
            ++semaphores_[instruction.value("semaphore")];
            signalled_.notify(sc_core::SC_ZERO_TIME);
            return;
        case Opcode::kWait: {
            const uint64_t semaphore = instruction.value("semaphore");
            const uint64_t count = instruction.value("count");
            time_.wait_until([&] { return semaphores_[semaphore] >= count; }, signalled_);
            semaphores_[semaphore] -= static_cast<uint32_t>(count);
            return;
        }
        case Opcode::kSync: {
            const BoundEngine& engine = bound_engine(static_cast<uint8_t>(instruction.value("engine")));
            wait_until_idle(engine);
            if (const std::string fault = engine.driver->fault(*this, engine); !fault.empty()) {
                throw Stop{scheduler_error::kEngineFault, fault};
            }
            return;
        }
        case Opcode::kBarrier:
            for (const std::unique_ptr<BoundEngine>& engine : engines_) {
                if (!engine) continue;
                wait_until_idle(*engine);
                if (const std::string fault = engine->driver->fault(*this, *engine); !fault.empty()) {
                    throw Stop{scheduler_error::kEngineFault, "engine '" + engine->instance + "': " + fault};
                }
            }
            return;
        case Opcode::kInterrupt:
            time_.sync();
            interrupt_code_ = instruction.value("code");
            status_ |= scheduler_reg::kStatusInterrupt;
            irq_changed_.notify(sc_core::SC_ZERO_TIME);
            return;
        default: break;
    }
    // Every other instruction belongs to an engine.
    const BoundEngine& engine = bound_engine(static_cast<uint8_t>(instruction.value("engine")));
    if (!engine.driver->accepts(instruction.opcode)) {
        throw Stop{scheduler_error::kBadEngine, "engine " + std::to_string(instruction.value("engine")) +
                                                    " cannot run " + instruction.spec().mnemonic};
    }
    issuing_engine_ = &engine;
    engine.driver->issue(*this, engine, instruction);
    drop_latched_edge(engine.interrupt_line);  // the engine has work again: its earlier done edge is stale
}

void Scheduler::execute_program() {
    load_image_header();
    // One timeline slice per instruction, from its fetch until the next may start.
    const int instruction_track = tracer() != nullptr ? tracer()->track(name(), "instructions") : -1;
    for (pc_ = code_address_;; pc_ += isa::kInstructionBytes) {
        const sc_core::sc_time fetch_start = time_.now();
        const uint8_t* word = fetch();
        isa::Instruction instruction;
        try {
            instruction = isa::decode_instruction(word, pc_);
        } catch (const isa::DecodeError& error) {
            throw Stop{scheduler_error::kBadInstruction, error.message()};
        }
        time_.elapse(cycle_ * static_cast<double>(params_.decode_cycles));
        instruction_energy_.add();
        ++instructions_;
        ++executed_;
        if (instruction.opcode == isa::Opcode::kHalt) {
            // A program ends when everything it issued has finished.
            execute(isa::Instruction(isa::Opcode::kBarrier));
            return;
        }
        issued_descriptors_.clear();
        try {
            execute(instruction);
        } catch (Stop& stop) {
            stop.message = std::string(instruction.spec().mnemonic) + ": " + stop.message;
            throw;
        }
        if (instruction_track >= 0) trace_instruction(instruction_track, instruction, fetch_start);
    }
}

const uint8_t* Scheduler::fetch() {
    if (pc_ < fetched_address_ || pc_ + isa::kInstructionBytes > fetched_address_ + fetched_.size()) {
        // Read ahead within the code section; a program without halt reads on past it, one
        // instruction at a time, until a word fails to decode or the read fails.
        const uint64_t ahead = pc_ < code_end_ ? std::min(params_.fetch_bytes, code_end_ - pc_) : 0;
        fetched_.resize(std::max<uint64_t>(ahead, isa::kInstructionBytes));
        fetched_address_ = pc_;
        access(tlm::TLM_READ_COMMAND, pc_, fetched_.data(), static_cast<unsigned>(fetched_.size()));
    }
    return fetched_.data() + (pc_ - fetched_address_);
}

void Scheduler::trace_instruction(int track, const isa::Instruction& instruction, const sc_core::sc_time& fetch_start) {
    Tracer& tracer = *this->tracer();
    const ProgramAnnotations& program = tracer.program();
    // Buffer allocations the compiler made from this instruction on.
    const auto changes = program.occupancy.equal_range(pc_);
    for (auto change = changes.first; change != changes.second; ++change) {
        const auto bytes = static_cast<double>(change->second.bytes);
        tracer.counter(change->second.buffer, "occupancy_bytes", fetch_start, bytes);
        tracer.signal(change->second.buffer, "occupancy_bytes", 32, fetch_start, bytes);
    }
    const ProgramAnnotations::Label* label = program.label_at(pc_);
    const bool on_engine = instruction.spec().operand_index("engine") >= 0;
    const BoundEngine* engine = on_engine ? engines_[static_cast<uint8_t>(instruction.value("engine"))].get() : nullptr;
    nlohmann::json args;  // only for a slice the timeline keeps
    if (tracer.keeps_slice(fetch_start, time_.now())) {
        args = {{"pc", isa::to_hex(pc_)}};
        if (label != nullptr) {
            args["layer"] = label->layer;
            args["tile"] = label->tile;
        }
        if (engine != nullptr) args["engine"] = engine->instance;
    }
    const int slice = tracer.slice(track, instruction.spec().mnemonic, fetch_start, time_.now(), std::move(args));
    for (uint64_t descriptor : issued_descriptors_) tracer.issued(descriptor, {slice, ++issued_commands_, label});
    // A sync or barrier was unblocked by the last command of each engine it waited for.
    if (instruction.opcode == isa::Opcode::kSync && engine != nullptr) {
        tracer.flow(tracer.take_completed(engine->instance), slice);
    } else if (instruction.opcode == isa::Opcode::kBarrier) {
        for (const std::unique_ptr<BoundEngine>& bound : engines_) {
            if (bound) tracer.flow(tracer.take_completed(bound->instance), slice);
        }
    }
}

void Scheduler::stop(uint64_t status_bits) {
    time_.sync();
    status_ = (status_ & scheduler_reg::kStatusInterrupt) | status_bits;
    irq_changed_.notify(sc_core::SC_ZERO_TIME);
}

void Scheduler::run() {
    for (;;) {
        sc_core::wait(start_event_);
        TimeWatch::check();
        const sc_core::sc_time begin = kernel_time();
        executed_ = 0;
        error_code_ = scheduler_error::kNone;
        error_message_.clear();
        pc_ = program_address_;
        try {
            execute_program();
            stop(scheduler_reg::kStatusDone);
        } catch (const Stop& failure) {
            error_code_ = failure.code;
            error_pc_ = pc_;
            error_message_ = "scheduler stopped at pc " + isa::to_hex(pc_) + ": " + failure.message;
            stop(scheduler_reg::kStatusError);
        }
        record_busy(begin, kernel_time(), "program");
    }
}

}  // namespace cimvp
