#include "models/memory/sram_buffer.h"

#include <algorithm>
#include <cstring>

#include "platform/byte_enables.h"
#include "platform/kernel_time.h"
#include "platform/registry.h"

namespace cimvp {

CIMVP_REGISTER_MODEL("sram_buffer", SramBuffer, "banked on-chip SRAM buffer with bank conflicts and DMI");

SramBuffer::Params::Params(ParamReader& reader) {
    size = reader.bytes("size", "256KiB", "capacity");
    banks = reader.integer("banks", 8, 1, 1024, "independent banks, word-interleaved");
    width_bytes = reader.bytes("width", "8B", "bytes per bank access (the port word)");
    clock_hz = reader.frequency_hz("clock", "1GHz", "bank clock: one word per bank per cycle");
    read_latency_ns = reader.time_ns("read_latency", "1ns", "time from request to first data");
    write_latency_ns = reader.time_ns("write_latency", "1ns", "time from request to data written");
    read_energy_pj = reader.energy_pj("read_energy", "20pJ", "energy per word read (Horowitz 2014, 32KB SRAM, 64-bit)");
    write_energy_pj = reader.energy_pj("write_energy", "20pJ", "energy per word written");
    array_area = SramArrayArea(reader, "the buffer");
    // Off by default: accesses through a DMI pointer bypass this model, so their energy is not counted.
    dmi = reader.flag("dmi", false, "grant direct memory pointers (faster; DMI accesses are not counted)");
    reader.require(size % width_bytes == 0, "size", "must be a whole number of `width` words");
}

SramBuffer::SramBuffer(const ComponentContext& context)
    : Component(context),
      tgt("tgt"),
      params_(read_params<Params>(context)),
      storage_(params_.size, 0),
      own_bookings_(static_cast<size_t>(params_.banks)),
      extra_word_steps_(static_cast<size_t>(params_.banks), 0),
      bank_count_(static_cast<uint64_t>(params_.banks)),
      word_bytes_(params_.width_bytes),
      cycle_(1.0 / params_.clock_hz, sc_core::SC_SEC),
      read_latency_(params_.read_latency_ns, sc_core::SC_NS),
      write_latency_(params_.write_latency_ns, sc_core::SC_NS),
      read_energy_(energy().declare("read_word", params_.read_energy_pj)),
      write_energy_(energy().declare("write_word", params_.write_energy_pj)),
      bytes_read_(counters()["bytes_read"]),
      bytes_written_(counters()["bytes_written"]),
      bank_conflict_cycles_(counters()["bank_conflict_cycles"]) {
    tgt.register_b_transport(this, &SramBuffer::b_transport);
    tgt.register_transport_dbg(this, &SramBuffer::transport_dbg);
    tgt.register_get_direct_mem_ptr(this, &SramBuffer::get_direct_mem_ptr);
    expose_target("tgt", tgt);
}

double SramBuffer::area_um2() const {
    return params_.array_area.of_bytes(params_.size);
}

bool SramBuffer::accept(tlm::tlm_generic_payload& payload) const {
    const tlm::tlm_command command = payload.get_command();
    if (command != tlm::TLM_READ_COMMAND && command != tlm::TLM_WRITE_COMMAND) {
        payload.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return false;
    }
    const uint64_t address = payload.get_address();
    if (address >= params_.size || payload.get_data_length() > params_.size - address) {
        payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return false;
    }
    if (payload.get_byte_enable_ptr() != nullptr && payload.get_byte_enable_length() == 0) {
        payload.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return false;
    }
    if (payload.get_streaming_width() != 0 && payload.get_streaming_width() < payload.get_data_length()) {
        payload.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return false;
    }
    return true;
}

void SramBuffer::queue_words(uint64_t first_word, uint64_t words) {
    // Word i goes to bank (first_word + i) % banks: every bank gets words / banks of them, and the
    // words % banks banks from first_word's one more. The shares are kept as a common count plus a
    // circular difference array, so that each row of a strided access costs the same few steps.
    const uint64_t banks = bank_count_.value();
    common_words_ += bank_count_.quotient(words);
    const uint64_t extra = bank_count_.remainder(words);
    if (extra == 0) return;
    uneven_words_ = true;
    const uint64_t first = bank_count_.remainder(first_word), end = first + extra;
    extra_word_steps_[first] += 1;
    if (end <= banks) {
        extra_word_steps_[end] -= 1;
    } else {
        extra_word_steps_[0] += 1;
        extra_word_steps_[end - banks] -= 1;
    }
}

uint64_t SramBuffer::serve_queued_words(uint64_t at, uint64_t now) {
    // In whole kernel time units (cycle_ is whole units too): this runs for every access.
    const uint64_t cycle = cycle_.value();
    const uint64_t banks = bank_count_.value();
    // Every bank the same words, and no bank's own booking still to come: each bank's calendar is
    // then the shared one, so one booking stands for all of them.
    if (!uneven_words_ && common_words_ > 0 && at >= own_bookings_until_) {
        const uint64_t duration = cycle * common_words_;
        const uint64_t start = shared_bookings_.book(at, duration, now);
        bank_conflict_cycles_ += banks * ((start - at) / cycle);
        common_words_ = 0;
        return start + duration;
    }
    uint64_t finish = at;
    int64_t extra = 0;
    for (size_t bank = 0; bank < banks; ++bank) {
        extra += extra_word_steps_[bank];
        extra_word_steps_[bank] = 0;
        const uint64_t words = common_words_ + static_cast<uint64_t>(extra);
        if (words == 0) continue;
        // The bank serves these words back to back in the first stretch free in both its calendars.
        const uint64_t duration = cycle * words;
        uint64_t start = at;
        for (;;) {
            start = shared_bookings_.first_free(start, duration, now);
            const uint64_t own = own_bookings_[bank].first_free(start, duration, now);
            if (own == start) break;
            start = own;
        }
        own_bookings_[bank].take(start, duration);
        own_bookings_until_ = std::max(own_bookings_until_, start + duration);
        bank_conflict_cycles_ += (start - at) / cycle;
        finish = std::max(finish, start + duration);
    }
    common_words_ = 0;
    uneven_words_ = false;
    return finish;
}

void SramBuffer::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    if (!accept(payload)) return;
    const uint64_t address = payload.get_address();
    const bool is_read = payload.get_command() == tlm::TLM_READ_COMMAND;
    // A strided access (byte enables) reaches every bank at once: each bank serves the words of all
    // its rows back to back, and only waiting for earlier accesses counts as a conflict.
    uint64_t words = 0, bytes = 0;
    for_each_enabled_run(payload, [&](uint64_t offset, uint64_t length) {
        const uint64_t first_word = word_bytes_.quotient(address + offset);
        const uint64_t run_words =
            word_bytes_.quotient(address + offset + length + params_.width_bytes - 1) - first_word;
        queue_words(first_word, run_words);
        words += run_words;
        bytes += length;
        copy_run(payload, offset, length);
    });
    const uint64_t now = kernel_time().value();
    const uint64_t arrival = now + delay.value();
    const uint64_t served = serve_queued_words(arrival, now);
    record_busy(arrival, served, is_read ? "read" : "write");
    delay = sc_core::sc_time::from_value(served - now) + (is_read ? read_latency_ : write_latency_);
    if (is_read) {
        read_energy_.add(words);
        bytes_read_ += bytes;
    } else {
        write_energy_.add(words);
        bytes_written_ += bytes;
    }
    payload.set_dmi_allowed(params_.dmi);
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

void SramBuffer::copy_run(tlm::tlm_generic_payload& payload, uint64_t offset, uint64_t length) {
    uint8_t* memory = storage_.data() + payload.get_address() + offset;
    uint8_t* data = payload.get_data_ptr() + offset;
    if (payload.is_read()) {
        std::memcpy(data, memory, length);
    } else {
        std::memcpy(memory, data, length);
    }
}

unsigned int SramBuffer::transport_dbg(tlm::tlm_generic_payload& payload) {
    if (!accept(payload)) return 0;
    for_each_enabled_run(payload, [&](uint64_t offset, uint64_t length) { copy_run(payload, offset, length); });
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
    return payload.get_data_length();
}

bool SramBuffer::get_direct_mem_ptr(tlm::tlm_generic_payload& payload, tlm::tlm_dmi& dmi) {
    if (!params_.dmi) return false;
    dmi.set_dmi_ptr(storage_.data());
    dmi.set_start_address(0);
    dmi.set_end_address(params_.size - 1);
    dmi.allow_read_write();
    // Per-word latency of one bank; DMI users charge it themselves.
    dmi.set_read_latency(read_latency_);
    dmi.set_write_latency(write_latency_);
    return true;
}

}  // namespace cimvp
