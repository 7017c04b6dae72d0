// The shared base of command-driven engines (CIM macros, vector units, crossbars). Software, like
// firmware on a core, writes 64-byte command descriptors to memory, tells the engine where they are
// through the `cfg` register window and rings a doorbell. The engine fetches the descriptors in
// order over its `mem` initiator, runs each one (the derived class's execute()), and raises `irq`
// when its queue drains or a command fails. There is deliberately no C++ shortcut to enqueue work:
// every command goes through the register window, as it would on silicon.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "platform/byte_enables.h"
#include "platform/component.h"
#include "platform/local_time.h"
#include "platform/payload_pool.h"

namespace cimvp {

// Register map of the `cfg` window: 64-bit little-endian registers, accessed 8 bytes at a time.
// One 16-byte write may also cover kCommandAddress and kDoorbell together: it sets the address and
// then rings the doorbell, as one 128-bit store (or a pair of stores merged into one burst) would.
namespace engine_reg {
constexpr uint64_t kCommandAddress = 0x00;  // RW: address of the first descriptor the next doorbell enqueues
constexpr uint64_t kDoorbell = 0x08;        // W: N >= 1 enqueues the N descriptors at kCommandAddress + 64*i
constexpr uint64_t kStatus = 0x10;          // R: bit0 busy, bit1 done, bit2 error; W: 1s clear done/error (and irq)
constexpr uint64_t kCompleted = 0x18;       // R: commands completed since reset (monotonic)
constexpr uint64_t kErrorCode = 0x20;       // R: an engine_error code, kept until the error bit is cleared
constexpr uint64_t kErrorAddress = 0x28;    // R: the failing access, or descriptor address + offset of the bad field
constexpr uint64_t kQueued = 0x30;          // R: commands accepted and not yet finished (including the running one)
constexpr uint64_t kQueueDepth = 0x38;      // R: how many commands the queue holds
constexpr uint64_t kInfo = 0x40;            // R: 8 engine-specific read-only words (geometry), see each engine
constexpr uint64_t kInfoWords = 8;
// RW: irq is also high while kQueued <= this value, so that firmware waiting for a queue slot or
// for one command to finish can sleep instead of polling. kWatermarkOff (the reset value) disarms it.
constexpr uint64_t kQueueWatermark = kInfo + 8 * kInfoWords;
constexpr uint64_t kWatermarkOff = ~uint64_t{0};
constexpr uint64_t kWindowSize = kQueueWatermark + 8;
constexpr uint64_t kStatusBusy = 1, kStatusDone = 2, kStatusError = 4;
}  // namespace engine_reg

// Error codes in kErrorCode. Engines number their own codes from kFirstEngineSpecific.
namespace engine_error {
constexpr uint64_t kNone = 0;
constexpr uint64_t kBusError = 1;       // a memory access got an error response; kErrorAddress is its address
constexpr uint64_t kBadDescriptor = 2;  // an unknown opcode or a field out of range; kErrorAddress points at the field
constexpr uint64_t kBadDoorbell = 3;    // a doorbell of 0 commands or more than the queue can take
constexpr uint64_t kFirstEngineSpecific = 0x100;
}  // namespace engine_error

// Behaviour shared by every engine:
// - a doorbell while the error bit is set is ignored: software acknowledges the error first;
// - a failed command is not counted as completed, and after any error the commands still queued are dropped,
//   so that software restarts from a known state;
// - the done bit (and irq) rises when the queue drains without an error;
// - an armed queue watermark holds irq high while the queue is at or below it (it is not a status bit:
//   firmware disarms it to lower the line).
class CommandEngine : public Component {
public:
    static constexpr uint64_t kDescriptorBytes = 64;
    // The widest address span of one strided transaction, in bursts: rows far apart move fewer
    // than a burst of data at a time rather than stage a huge, mostly disabled span.
    static constexpr uint64_t kMaxSpanBursts = 16;

    // Parameters every engine has; a derived Params embeds one and reads it with its own reader.
    struct EngineParams {
        double clock_hz;
        uint64_t burst_bytes;
        int64_t queue_depth;
        double decode_cycles;
        EngineParams(ParamReader& reader, const char* default_clock,
                     const char* clock_meaning = "engine clock (register access, descriptor decode)");
    };

    CommandEngine(const ComponentContext& context, const EngineParams& params);
    SC_HAS_PROCESS(CommandEngine);

    tlm_utils::simple_target_socket<CommandEngine> cfg;
    tlm_utils::simple_initiator_socket<CommandEngine> mem;
    sc_core::sc_out<bool> irq;

    uint64_t address_span() const override { return engine_reg::kWindowSize; }

protected:
    // What one command did: when its last effect landed, or why it failed.
    struct Outcome {
        sc_core::sc_time end;
        uint64_t error = engine_error::kNone;
        uint64_t error_address = 0;
    };
    static Outcome finished_at(const sc_core::sc_time& end) { return Outcome{end}; }
    // The descriptor field at byte `field_offset` is invalid.
    Outcome rejected(uint64_t field_offset) const {
        return Outcome{sc_core::SC_ZERO_TIME, engine_error::kBadDescriptor, descriptor_address_ + field_offset};
    }
    // The last block access failed (after read_block/write_block returned false).
    Outcome bus_error() const { return Outcome{sc_core::SC_ZERO_TIME, engine_error::kBusError, failed_address_}; }

    // Word `index` (< engine_reg::kInfoWords) of the read-only info registers at engine_reg::kInfo:
    // what firmware must know about this engine's geometry to build its descriptors. 0 by default.
    virtual uint64_t info(unsigned index) const { return 0; }

    // The name of the command in `descriptor`, for its slice on the timeline.
    virtual std::string command_name(const uint8_t* descriptor) const { return "command"; }

    // Runs one command whose 64-byte descriptor was fetched; `start` is when decoding ended. Called
    // from the engine's thread, so it may wait; the block helpers below keep the quantum for it.
    virtual Outcome execute(const uint8_t* descriptor, const sc_core::sc_time& start) = 0;

    // Timed block accesses issued at absolute time `when`, in bursts of at most `burst_bytes`, one
    // after the other. On success `when` becomes the completion time of the last burst; on an error
    // response the failing address is kept for bus_error() and false is returned.
    bool read_block(uint64_t address, uint8_t* data, uint64_t length, sc_core::sc_time& when);
    bool write_block(uint64_t address, const uint8_t* data, uint64_t length, sc_core::sc_time& when);
    // `rows` rows of `row_bytes`, `stride` bytes apart in memory, packed in `data`. Rows that touch
    // (stride == row_bytes) move as one block; rows apart as strided transactions (byte enables) of
    // at most one burst of enabled bytes each, or row by row if the target refuses byte enables;
    // overlapping rows (stride < row_bytes) are read once, as the span they cover.
    bool read_rows(uint64_t address, uint64_t row_bytes, uint64_t rows, uint64_t stride, uint8_t* data,
                   sc_core::sc_time& when);
    bool write_rows(uint64_t address, uint64_t row_bytes, uint64_t rows, uint64_t stride, const uint8_t* data,
                    sc_core::sc_time& when);

    // Loosely timed: lets the kernel catch up when `when` runs more than one quantum ahead.
    void keep_quantum(const sc_core::sc_time& when);

    const EngineParams& engine_params() const { return engine_params_; }
    const sc_core::sc_time& cycle() const { return cycle_; }
    uint64_t descriptor_address() const { return descriptor_address_; }

private:
    // The engine's time: the kernel's, or ahead of it where the engine skipped a wait that no
    // other process would have interleaved with (platform/local_time.h).
    sc_core::sc_time now() const { return time_.now(); }
    void register_access(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    void ring_doorbell(uint64_t count, const sc_core::sc_time& delay);
    void fail(uint64_t code, uint64_t address);
    void run_queue();
    // The command's timeline slice (with its number, layer, tile, bytes and energy), its `command`
    // waveform, and the arrow from the instruction that issued it.
    void trace_command(const sc_core::sc_time& begin, const sc_core::sc_time& end, const std::string& what,
                       const Outcome& outcome, uint64_t bytes, double energy_pj);
    // One transaction at absolute time `when`, strided (with row_enables_ and row_pattern_) or not;
    // on success `when` becomes its completion time, on an error the failing address is kept.
    tlm::tlm_response_status transfer(tlm::tlm_command command, uint64_t address, uint8_t* data, unsigned int length,
                                      sc_core::sc_time& when, bool strided = false);
    bool strided(tlm::tlm_command command, uint64_t address, uint64_t row_bytes, uint64_t rows, uint64_t stride,
                 uint8_t* data, sc_core::sc_time& when);
    bool block(tlm::tlm_command command, uint64_t address, uint8_t* data, uint64_t length, sc_core::sc_time& when);
    // The only process that writes `irq` (a signal may have one driver).
    void drive_irq() {
        irq.write((status_ & (engine_reg::kStatusDone | engine_reg::kStatusError)) != 0 || below_watermark());
    }
    bool below_watermark() const {
        return queue_watermark_ != engine_reg::kWatermarkOff && queue_.size() <= queue_watermark_;
    }

    EngineParams engine_params_;
    sc_core::sc_time cycle_;
    LocalTime time_;
    PayloadPool payloads_;
    std::deque<uint64_t> queue_;  // descriptor addresses; the front one is running while busy
    sc_core::sc_event queue_filled_;
    sc_core::sc_event irq_changed_;
    uint64_t status_ = 0;
    uint64_t command_address_ = 0;
    uint64_t completed_ = 0;
    uint64_t error_code_ = engine_error::kNone;
    uint64_t error_address_ = 0;
    uint64_t descriptor_address_ = 0;
    uint64_t failed_address_ = 0;
    Tracer::SignalHandle command_signal_{name(), "command", 32};  // the running command's number
    uint64_t queue_watermark_ = engine_reg::kWatermarkOff;
    std::vector<uint8_t> span_;         // a strided access's data, laid out as in memory
    std::vector<uint8_t> row_enables_;  // its byte-enable pattern
    RowPattern row_pattern_;            // and the same pattern as a hint
    uint64_t& commands_;
    uint64_t& failed_commands_;
    uint64_t& bytes_read_;
    uint64_t& bytes_written_;
    uint64_t& transactions_;
};

}  // namespace cimvp
