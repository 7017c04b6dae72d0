#include "models/memory/dma_engine.h"

#include <algorithm>
#include <cstring>

#include "platform/bus_access.h"
#include "platform/registry.h"

namespace cimvp {

CIMVP_REGISTER_MODEL("dma_engine", DmaEngine, "descriptor-driven 1-D/2-D strided DMA with an interrupt line");

DmaEngine::Params::Params(ParamReader& reader) {
    clock_hz = reader.frequency_hz("clock", "1GHz", "engine clock");
    burst_bytes = reader.bytes("burst", "4KiB", "largest single transaction the engine issues");
    setup_cycles = static_cast<double>(
        reader.integer("setup_cycles", 16, 0, 1000000, "cycles to decode a descriptor before copying"));
    energy_per_byte_pj = reader.energy_pj("energy_per_byte", "2.5pJ", "staging-buffer energy per byte copied (8KB SRAM write + read)");
    area_um2 = reader.area_um2("area", "0um2", "silicon area of the engine");
}

DmaEngine::DmaEngine(const ComponentContext& context)
    : Component(context),
      cfg("cfg"),
      mem("mem"),
      irq("irq"),
      params_(read_params<Params>(context)),
      cycle_(1.0 / params_.clock_hz, sc_core::SC_SEC),
      byte_energy_(energy().declare("copy_byte", params_.energy_per_byte_pj)),
      bytes_copied_(counters()["bytes_copied"]),
      descriptors_(counters()["descriptors"]),
      transactions_(counters()["transactions"]) {
    staging_[0].resize(params_.burst_bytes);
    staging_[1].resize(params_.burst_bytes);
    cfg.register_b_transport(this, &DmaEngine::register_access);
    expose_target("cfg", cfg);
    expose_initiator("mem", mem);
    expose_irq_out("irq", irq);
    SC_THREAD(run_chains);
    SC_METHOD(drive_irq);
    sensitive << irq_changed_;
    dont_initialize();
}

void DmaEngine::register_access(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    const uint64_t address = payload.get_address();
    const unsigned int length = payload.get_data_length();
    if (length != 8 || address % 8 != 0 || address >= dma_reg::kWindowSize) {
        payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    uint64_t value = 0;
    delay += cycle_;
    if (payload.is_read()) {
        switch (address) {
            case dma_reg::kStatus: value = status_; break;
            case dma_reg::kDescriptor: value = descriptor_address_; break;
            case dma_reg::kCompleted: value = completed_; break;
            case dma_reg::kErrorAddress: value = error_address_; break;
            default: value = 0;
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
        case dma_reg::kControl:
            if (value == 1 && (status_ & dma_reg::kStatusBusy) == 0) {
                status_ = dma_reg::kStatusBusy;
                completed_ = 0;
                start_event_.notify(delay);
            }
            break;
        case dma_reg::kStatus:
            status_ &= ~(value & (dma_reg::kStatusDone | dma_reg::kStatusError));
            irq_changed_.notify(delay);
            break;
        case dma_reg::kDescriptor: descriptor_address_ = value; break;
        default:
            payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);  // read-only register
            return;
    }
    payload.set_response_status(tlm::TLM_OK_RESPONSE);
}

bool DmaEngine::transfer(tlm::tlm_command command, uint64_t address, uint8_t* data, unsigned int length,
                         sc_core::sc_time& when) {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    sc_core::sc_time delay = when > now ? when - now : sc_core::SC_ZERO_TIME;
    const tlm::tlm_response_status status = bus_access(mem, payloads_, command, address, data, length, delay);
    ++transactions_;
    if (status != tlm::TLM_OK_RESPONSE) {
        error_address_ = address;
        return false;
    }
    when = now + delay;
    return true;
}

bool DmaEngine::copy(const DmaDescriptor& descriptor) {
    const sc_core::sc_time begin = sc_core::sc_time_stamp();
    sc_core::sc_time read_done = begin + cycle_ * params_.setup_cycles;
    sc_core::sc_time write_done = read_done;
    int buffer = 0;
    const sc_core::sc_time quantum = tlm::tlm_global_quantum::instance().get();
    for (uint64_t row = 0; row < descriptor.rows; ++row) {
        for (uint64_t offset = 0; offset < descriptor.row_bytes; offset += params_.burst_bytes) {
            const auto chunk = static_cast<unsigned int>(std::min(params_.burst_bytes, descriptor.row_bytes - offset));
            uint8_t* staging = staging_[buffer].data();
            buffer ^= 1;
            // The read of this chunk overlaps the write of the previous one (two staging buffers).
            if (!transfer(tlm::TLM_READ_COMMAND, descriptor.source + row * descriptor.source_stride + offset, staging,
                          chunk, read_done)) {
                return false;
            }
            sc_core::sc_time write_at = std::max(read_done, write_done);
            if (!transfer(tlm::TLM_WRITE_COMMAND, descriptor.destination + row * descriptor.destination_stride + offset,
                          staging, chunk, write_at)) {
                return false;
            }
            write_done = write_at;
            bytes_copied_ += chunk;
            byte_energy_.add(chunk);
            // Loosely timed: run ahead of the kernel by at most one quantum.
            if (read_done - sc_core::sc_time_stamp() > quantum) sc_core::wait(read_done - sc_core::sc_time_stamp());
        }
    }
    // A descriptor completes when its last write lands; the next one starts after it (a fence).
    const sc_core::sc_time end = std::max(read_done, write_done);
    sc_core::wait(end - sc_core::sc_time_stamp());
    record_busy(begin, end, "descriptor", {{"bytes", descriptor.row_bytes * descriptor.rows}});
    return true;
}

void DmaEngine::finish(uint64_t status_bit) {
    status_ = status_bit;
    irq_changed_.notify(sc_core::SC_ZERO_TIME);
}

void DmaEngine::run_chains() {
    for (;;) {
        sc_core::wait(start_event_);
        uint64_t address = descriptor_address_;
        bool ok = true;
        while (ok && address != 0) {
            DmaDescriptor descriptor{};
            sc_core::sc_time when = sc_core::sc_time_stamp();
            ok = transfer(tlm::TLM_READ_COMMAND, address, reinterpret_cast<uint8_t*>(&descriptor), sizeof descriptor,
                          when);
            if (!ok) break;
            sc_core::wait(when - sc_core::sc_time_stamp());
            if (descriptor.flags != 0 || descriptor.rows == 0 || descriptor.row_bytes == 0) {
                error_address_ = address;  // a malformed descriptor, reported at its own address
                ok = false;
                break;
            }
            ok = copy(descriptor);
            if (ok) {
                ++completed_;
                ++descriptors_;
                address = descriptor.next;
            }
        }
        finish(ok ? dma_reg::kStatusDone : dma_reg::kStatusError);
    }
}

}  // namespace cimvp
