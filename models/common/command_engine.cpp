#include "models/common/command_engine.h"

#include <algorithm>
#include <cstring>

#include "platform/kernel_time.h"
#include "platform/register_window.h"

namespace cimvp {

CommandEngine::EngineParams::EngineParams(ParamReader& reader, const char* default_clock, const char* clock_meaning) {
    clock_hz = reader.frequency_hz("clock", default_clock, clock_meaning);
    burst_bytes = reader.bytes("burst", "4KiB", "largest single memory transaction the engine issues");
    queue_depth = reader.integer("queue_depth", 16, 1, 1 << 20, "command descriptors the queue holds");
    decode_cycles = static_cast<double>(
        reader.integer("decode_cycles", 4, 0, 1000000, "cycles to decode a fetched descriptor before running it"));
}

CommandEngine::CommandEngine(const ComponentContext& context, const EngineParams& params)
    : Component(context),
      cfg("cfg"),
      mem("mem"),
      irq("irq"),
      engine_params_(params),
      cycle_(1.0 / params.clock_hz, sc_core::SC_SEC),
      commands_(counters()["commands"]),
      failed_commands_(counters()["failed_commands"]),
      bytes_read_(counters()["bytes_read"]),
      bytes_written_(counters()["bytes_written"]),
      transactions_(counters()["transactions"]) {
    cfg.register_b_transport(this, &CommandEngine::register_access);
    expose_target("cfg", cfg);
    expose_initiator("mem", mem);
    expose_irq_out("irq", irq);
    SC_THREAD(run_queue);
    SC_METHOD(drive_irq);
    sensitive << irq_changed_;
    dont_initialize();
}

void CommandEngine::register_access(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    if (!accept_register_access(payload)) return;
    const uint64_t address = payload.get_address();
    if (payload.get_data_length() == 16 && payload.is_write() && address == engine_reg::kCommandAddress) {
        delay += cycle_;
        uint64_t words[2];
        std::memcpy(words, payload.get_data_ptr(), sizeof words);
        command_address_ = words[0];
        ring_doorbell(words[1], delay);
        payload.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (payload.get_data_length() != 8 || address % 8 != 0 || address >= engine_reg::kWindowSize) {
        payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    delay += cycle_;
    uint64_t value = 0;
    if (payload.is_read()) {
        switch (address) {
            case engine_reg::kCommandAddress:
                value = command_address_;
                break;
            case engine_reg::kStatus:
                value = status_;
                break;
            case engine_reg::kCompleted:
                value = completed_;
                break;
            case engine_reg::kErrorCode:
                value = error_code_;
                break;
            case engine_reg::kErrorAddress:
                value = error_address_;
                break;
            case engine_reg::kQueued:
                value = queue_.size();
                break;
            case engine_reg::kQueueDepth:
                value = static_cast<uint64_t>(engine_params_.queue_depth);
                break;
            case engine_reg::kQueueWatermark:
                value = queue_watermark_;
                break;
            default:
                // The doorbell reads as zero.
                if (address >= engine_reg::kInfo)
                    value = info(static_cast<unsigned>((address - engine_reg::kInfo) / 8));
        }
        std::memcpy(payload.get_data_ptr(), &value, 8);
        payload.set_response_status(tlm::TLM_OK_RESPONSE);
        return;
    }
    if (!payload.is_write()) {
        payload.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    std::memcpy(&value, payload.get_data_ptr(), 8);
    switch (address) {
        case engine_reg::kCommandAddress:
            command_address_ = value;
            break;
        case engine_reg::kDoorbell:
            ring_doorbell(value, delay);
            break;
        case engine_reg::kQueueWatermark:
            queue_watermark_ = value;
            irq_changed_.notify(delay);
            break;
        case engine_reg::kStatus:
            status_ &= ~(value & (engine_reg::kStatusDone | engine_reg::kStatusError));
            if ((status_ & engine_reg::kStatusError) == 0) error_code_ = engine_error::kNone;
            irq_changed_.notify(delay);
            break;
        default:
            payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);  // a read-only register
            return;
    }
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

void CommandEngine::ring_doorbell(uint64_t count, const sc_core::sc_time& delay) {
    if ((status_ & engine_reg::kStatusError) != 0) return;
    const uint64_t room = static_cast<uint64_t>(engine_params_.queue_depth) - queue_.size();
    if (count == 0 || count > room) {
        fail(engine_error::kBadDoorbell, command_address_);
        irq_changed_.notify(delay);
        return;
    }
    const bool was_idle = queue_.empty();
    for (uint64_t i = 0; i < count; ++i) queue_.push_back(command_address_ + i * kDescriptorBytes);
    status_ = (status_ & ~engine_reg::kStatusDone) | engine_reg::kStatusBusy;
    // A busy engine is not waiting for its queue, and its irq is already low (done rises only with
    // an empty queue) unless a watermark is armed: notifying would only give the kernel an event
    // that wakes nothing.
    if (was_idle || queue_watermark_ != engine_reg::kWatermarkOff) irq_changed_.notify(delay);
    if (was_idle) queue_filled_.notify(delay);
}

void CommandEngine::fail(uint64_t code, uint64_t address) {
    status_ |= engine_reg::kStatusError;
    error_code_ = code;
    error_address_ = address;
}

tlm::tlm_response_status CommandEngine::transfer(tlm::tlm_command command, uint64_t address, uint8_t* data,
                                                 unsigned int length, sc_core::sc_time& when, bool strided) {
    PooledPayload payload(payloads_);
    payload->set_command(command);
    payload->set_address(address);
    payload->set_data_ptr(data);
    payload->set_data_length(length);
    payload->set_streaming_width(length);
    if (strided) {
        payload->set_byte_enable_ptr(row_enables_.data());
        payload->set_byte_enable_length(static_cast<unsigned int>(row_enables_.size()));
        payload->set_extension(&row_pattern_);
    }
    payload->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    // Issued at `when`, or at the engine's time if that has passed; the delay counts from the kernel's.
    const sc_core::sc_time kernel = kernel_time();
    sc_core::sc_time delay = std::max(when, kernel + time_.ahead()) - kernel;
    mem->b_transport(*payload, delay);
    if (strided) payload->clear_extension(&row_pattern_);  // the engine owns it, not the pool
    ++transactions_;
    const tlm::tlm_response_status status = payload->get_response_status();
    if (status != tlm::TLM_OK_RESPONSE) {
        failed_address_ = address;
        return status;
    }
    when = kernel + delay;
    return status;
}

bool CommandEngine::block(tlm::tlm_command command, uint64_t address, uint8_t* data, uint64_t length,
                          sc_core::sc_time& when) {
    for (uint64_t offset = 0; offset < length; offset += engine_params_.burst_bytes) {
        const auto chunk = static_cast<unsigned int>(std::min(engine_params_.burst_bytes, length - offset));
        if (transfer(command, address + offset, data + offset, chunk, when) != tlm::TLM_OK_RESPONSE) return false;
        keep_quantum(when);
    }
    (command == tlm::TLM_READ_COMMAND ? bytes_read_ : bytes_written_) += length;
    return true;
}

bool CommandEngine::read_block(uint64_t address, uint8_t* data, uint64_t length, sc_core::sc_time& when) {
    return block(tlm::TLM_READ_COMMAND, address, data, length, when);
}

bool CommandEngine::write_block(uint64_t address, const uint8_t* data, uint64_t length, sc_core::sc_time& when) {
    // A write payload's data pointer is not written through by a conforming target.
    return block(tlm::TLM_WRITE_COMMAND, address, const_cast<uint8_t*>(data), length, when);
}

bool CommandEngine::strided(tlm::tlm_command command, uint64_t address, uint64_t row_bytes, uint64_t rows,
                            uint64_t stride, uint8_t* data, sc_core::sc_time& when) {
    const bool is_read = command == tlm::TLM_READ_COMMAND;
    const bool overlapping = stride < row_bytes;
    const uint64_t burst = engine_params_.burst_bytes;
    // Rows per transaction: as many as one burst of data holds. Rows apart move only their enabled
    // bytes, within a span of at most kMaxSpanBursts bursts (the span is staged in memory here);
    // overlapping rows move the span they cover. Overlapping writes go row by row, so that a later
    // row's bytes win, as they would one after the other.
    uint64_t per_transaction = 1;
    if (row_bytes < burst && (is_read || !overlapping)) {
        per_transaction = stride == 0   ? rows
                          : overlapping ? 1 + (burst - row_bytes) / stride
                                        : std::min(burst / row_bytes, 1 + (kMaxSpanBursts * burst - row_bytes) / stride);
    }
    for (uint64_t first = 0, group = 0; first < rows; first += group) {
        group = std::min(per_transaction, rows - first);
        const uint64_t start = address + first * stride;
        uint8_t* packed = data + first * row_bytes;
        bool by_rows = group == 1;
        if (!by_rows) {
            // Overlapping rows are read once, as the span they cover; rows apart are one strided
            // transaction whose byte enables select them (platform/byte_enables.h).
            const uint64_t span = (group - 1) * stride + row_bytes;
            if (span_.size() < span) span_.resize(span);  // only grown: resizing back up would clear it again
            if (!is_read) {
                for (uint64_t r = 0; r < group; ++r) std::memcpy(&span_[r * stride], packed + r * row_bytes, row_bytes);
            }
            // The pattern is kept between transactions: most of a command's rows share it.
            if (!overlapping && (row_pattern_.row_bytes != row_bytes || row_pattern_.stride != stride)) {
                row_pattern(row_bytes, stride, row_enables_);
                row_pattern_.row_bytes = row_bytes;
                row_pattern_.stride = stride;
            }
            sc_core::sc_time at = when;
            const tlm::tlm_response_status status =
                transfer(command, start, span_.data(), static_cast<unsigned int>(span), at, !overlapping);
            // A target without byte enables gets the rows one by one.
            by_rows = status == tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
            if (status != tlm::TLM_OK_RESPONSE && !by_rows) return false;
            if (!by_rows) {
                when = at;
                keep_quantum(when);
                if (is_read) {
                    for (uint64_t r = 0; r < group; ++r)
                        std::memcpy(packed + r * row_bytes, &span_[r * stride], row_bytes);
                }
                (is_read ? bytes_read_ : bytes_written_) += overlapping ? span : group * row_bytes;
            }
        }
        if (by_rows) {
            for (uint64_t r = 0; r < group; ++r) {
                if (!block(command, start + r * stride, packed + r * row_bytes, row_bytes, when)) return false;
            }
        }
    }
    return true;
}

bool CommandEngine::read_rows(uint64_t address, uint64_t row_bytes, uint64_t rows, uint64_t stride, uint8_t* data,
                              sc_core::sc_time& when) {
    if (stride == row_bytes) return read_block(address, data, row_bytes * rows, when);
    return strided(tlm::TLM_READ_COMMAND, address, row_bytes, rows, stride, data, when);
}

bool CommandEngine::write_rows(uint64_t address, uint64_t row_bytes, uint64_t rows, uint64_t stride,
                               const uint8_t* data, sc_core::sc_time& when) {
    if (stride == row_bytes) return write_block(address, data, row_bytes * rows, when);
    // The data is only read: strided() copies it into the span of a write.
    return strided(tlm::TLM_WRITE_COMMAND, address, row_bytes, rows, stride, const_cast<uint8_t*>(data), when);
}

void CommandEngine::keep_quantum(const sc_core::sc_time& when) {
    const sc_core::sc_time at = now();
    if (when > at && when - at > tlm::tlm_global_quantum::instance().get()) time_.elapse(when - at);
}

void CommandEngine::trace_command(const sc_core::sc_time& begin, const sc_core::sc_time& end, const std::string& what,
                                  const Outcome& outcome, uint64_t bytes, double energy_pj) {
    // Commands the scheduler issued carry its command number, layer and tile, and an arrow from
    // the instruction that issued them; a host's commands are numbered by the engine alone.
    const std::optional<Tracer::Issue> issue = tracer()->take_issue(descriptor_address_);
    const uint64_t command = issue ? issue->command : commands_ + failed_commands_ + 1;
    nlohmann::json args;  // only for a slice the timeline keeps
    if (tracer()->keeps_slice(begin, end)) {
        args = {{"descriptor", descriptor_address_},
                {"error", outcome.error},
                {"bytes", bytes},
                {"energy_pj", energy_pj},
                {"command", command}};
        if (issue && issue->label != nullptr) {
            args["layer"] = issue->label->layer;
            args["tile"] = issue->label->tile;
        }
    }
    tracer()->signal(command_signal_, begin, static_cast<double>(command));
    tracer()->signal(command_signal_, end, 0);
    const int slice = record_busy(begin, end, what.c_str(), std::move(args));
    if (issue) tracer()->flow(issue->slice, slice);
    tracer()->completed(name(), slice);
}

void CommandEngine::run_queue() {
    for (;;) {
        time_.wait_until([this] { return !queue_.empty(); }, queue_filled_);
        descriptor_address_ = queue_.front();
        const sc_core::sc_time begin = now();
        // What the command moved and spent, for its slice on the timeline.
        const uint64_t bytes_before = bytes_read_ + bytes_written_;
        const double energy_before = tracer() != nullptr ? energy().total_pj() : 0.0;
        uint8_t descriptor[kDescriptorBytes] = {};
        sc_core::sc_time fetched = begin;
        Outcome outcome;
        const bool fetched_ok = transfer(tlm::TLM_READ_COMMAND, descriptor_address_, descriptor, kDescriptorBytes,
                                         fetched) == tlm::TLM_OK_RESPONSE;
        if (fetched_ok) {
            outcome = execute(descriptor, fetched + cycle_ * engine_params_.decode_cycles);
        } else {
            outcome = bus_error();
        }
        const sc_core::sc_time executed = now();
        const sc_core::sc_time end = std::max({outcome.end, fetched, executed});
        time_.elapse(end - executed);
        if (tracer() != nullptr) {
            trace_command(begin, end, fetched_ok ? command_name(descriptor) : "fetch", outcome,
                          bytes_read_ + bytes_written_ - bytes_before, energy().total_pj() - energy_before);
        } else {
            record_busy(begin, end);
        }
        if (outcome.error != engine_error::kNone) {
            ++failed_commands_;
            fail(outcome.error, outcome.error_address);
        } else {
            ++completed_;
            ++commands_;
        }
        const bool was_below = below_watermark();
        queue_.pop_front();
        // After any error (this command's or a rejected doorbell) the commands behind are dropped.
        if ((status_ & engine_reg::kStatusError) != 0) queue_.clear();
        if (queue_.empty()) {
            time_.sync();  // the interrupt rises at the command's end, in the kernel's time
            status_ &= ~engine_reg::kStatusBusy;
            if ((status_ & engine_reg::kStatusError) == 0) status_ |= engine_reg::kStatusDone;
            irq_changed_.notify(sc_core::SC_ZERO_TIME);
        } else if (below_watermark() && !was_below) {
            time_.sync();
            irq_changed_.notify(sc_core::SC_ZERO_TIME);
        }
    }
}

}  // namespace cimvp
