#include "models/memory/sram_buffer.h"

#include <algorithm>
#include <cstring>

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
    bitcell_area_um2 = reader.area_um2("bitcell_area", "0.127um2", "area of one 6T bit cell");
    array_efficiency = reader.number("array_efficiency", 0.7, 0.05, 1.0, "fraction of macro area that is bit cells");
    // Off by default: accesses through a DMI pointer bypass this model, so their energy is not counted.
    dmi = reader.flag("dmi", false, "grant direct memory pointers (faster; DMI accesses are not counted)");
    reader.require(size % width_bytes == 0, "size", "must be a whole number of `width` words");
}

SramBuffer::SramBuffer(const ComponentContext& context)
    : Component(context),
      tgt("tgt"),
      params_(read_params<Params>(context)),
      storage_(params_.size, 0),
      bank_busy_until_(static_cast<size_t>(params_.banks), 0),
      cycle_(1.0 / params_.clock_hz, sc_core::SC_SEC),
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
    return static_cast<double>(params_.size) * 8.0 * params_.bitcell_area_um2 / params_.array_efficiency;
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
    if (payload.get_byte_enable_ptr() != nullptr) {
        payload.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return false;
    }
    if (payload.get_streaming_width() != 0 && payload.get_streaming_width() < payload.get_data_length()) {
        payload.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return false;
    }
    return true;
}

sc_core::sc_time SramBuffer::schedule_banks(uint64_t first_word, uint64_t words, const sc_core::sc_time& arrival) {
    // Every access goes through here, so it works in whole kernel time units (cycle_ is whole units
    // too) and walks the banks without a division per bank: both showed in profiles.
    const uint64_t banks = static_cast<uint64_t>(params_.banks);
    const uint64_t at = arrival.value(), cycle = cycle_.value();
    const uint64_t per_bank = words / banks, extra = words % banks;
    uint64_t finish = at;
    // Word i goes to bank (first_word + i) % banks; each bank serves its share back to back.
    const uint64_t touched = std::min(words, banks);
    uint64_t bank = first_word % banks;
    for (uint64_t offset = 0; offset < touched; ++offset) {
        uint64_t& busy_until = bank_busy_until_[bank];
        if (busy_until > at) bank_conflict_cycles_ += (busy_until - at) / cycle;
        busy_until = std::max(at, busy_until) + cycle * (per_bank + (offset < extra ? 1 : 0));
        finish = std::max(finish, busy_until);
        bank = bank + 1 == banks ? 0 : bank + 1;
    }
    return sc_core::sc_time::from_value(finish);
}

void SramBuffer::b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    if (!accept(payload)) return;
    const uint64_t address = payload.get_address();
    const unsigned int length = payload.get_data_length();
    const uint64_t first_word = address / params_.width_bytes;
    const uint64_t words = (address + length + params_.width_bytes - 1) / params_.width_bytes - first_word;
    const bool is_read = payload.get_command() == tlm::TLM_READ_COMMAND;

    const sc_core::sc_time arrival = sc_core::sc_time_stamp() + delay;
    const sc_core::sc_time served = schedule_banks(first_word, words, arrival);
    record_busy(arrival, served, is_read ? "read" : "write");
    const sc_core::sc_time latency(is_read ? params_.read_latency_ns : params_.write_latency_ns, sc_core::SC_NS);
    delay = served + latency - sc_core::sc_time_stamp();

    if (is_read) {
        std::memcpy(payload.get_data_ptr(), storage_.data() + address, length);
        read_energy_.add(words);
        bytes_read_ += length;
    } else {
        std::memcpy(storage_.data() + address, payload.get_data_ptr(), length);
        write_energy_.add(words);
        bytes_written_ += length;
    }
    payload.set_dmi_allowed(params_.dmi);
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int SramBuffer::transport_dbg(tlm::tlm_generic_payload& payload) {
    if (!accept(payload)) return 0;
    const uint64_t address = payload.get_address();
    const unsigned int length = payload.get_data_length();
    if (payload.get_command() == tlm::TLM_READ_COMMAND) {
        std::memcpy(payload.get_data_ptr(), storage_.data() + address, length);
    } else {
        std::memcpy(storage_.data() + address, payload.get_data_ptr(), length);
    }
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
    return length;
}

bool SramBuffer::get_direct_mem_ptr(tlm::tlm_generic_payload& payload, tlm::tlm_dmi& dmi) {
    if (!params_.dmi) return false;
    dmi.set_dmi_ptr(storage_.data());
    dmi.set_start_address(0);
    dmi.set_end_address(params_.size - 1);
    dmi.allow_read_write();
    // Per-word latency of one bank; DMI users charge it themselves.
    dmi.set_read_latency(sc_core::sc_time(params_.read_latency_ns, sc_core::SC_NS));
    dmi.set_write_latency(sc_core::sc_time(params_.write_latency_ns, sc_core::SC_NS));
    return true;
}

}  // namespace cimvp
