#include "models/soc/host.h"

#include <cstdio>

#include "platform/bus_access.h"
#include "platform/registry.h"
#include "platform/time_watch.h"

namespace cimvp {

CIMVP_REGISTER_MODEL("host", Host, "host CPU that runs the scenario's workload program over its `mem` socket");

Host::Params::Params(ParamReader& reader) {
    clock_hz = reader.frequency_hz("clock", "1GHz", "host clock; each access costs one cycle of issue time");
}

Host::Host(const ComponentContext& context)
    : Component(context), mem("mem"), irq("irq"), params_(read_params<Params>(context)), accesses_(counters()["accesses"]) {
    expose_initiator("mem", mem);
    expose_irq_in("irq", irq);
    SC_THREAD(run);
}

namespace {
std::string hex(uint64_t value) {
    char text[32];
    std::snprintf(text, sizeof text, "0x%llx", static_cast<unsigned long long>(value));
    return text;
}
}  // namespace

void Host::run() {
    // An exception must not escape a SystemC thread: the kernel would turn it into a report.
    try {
        if (program_) program_();
    } catch (const std::exception& error) {
        failure_ = error.what();
    }
    finished_ = true;
    sc_core::sc_stop();
}

void Host::access(tlm::tlm_command command, uint64_t address, void* data, unsigned int length) {
    sc_core::sc_time delay(1.0 / params_.clock_hz, sc_core::SC_SEC);
    const tlm::tlm_response_status status =
        bus_access(mem, payloads_, command, address, static_cast<uint8_t*>(data), length, delay);
    ++accesses_;
    if (status != tlm::TLM_OK_RESPONSE) {
        throw SimulationError(std::string(name()) + ": " + (command == tlm::TLM_READ_COMMAND ? "read" : "write") +
                              " of " + std::to_string(length) + " bytes at " + hex(address) + " failed: " +
                              response_name(status));
    }
    // The host is the only initiator that waits for every access, so it syncs at once.
    sc_core::wait(delay);
    TimeWatch::check();
}

void Host::write(uint64_t address, const void* data, unsigned int length) {
    access(tlm::TLM_WRITE_COMMAND, address, const_cast<void*>(data), length);
}

void Host::read(uint64_t address, void* data, unsigned int length) {
    access(tlm::TLM_READ_COMMAND, address, data, length);
}

void Host::debug_access(tlm::tlm_command command, uint64_t address, void* data, uint64_t length) {
    // Debug transport carries at most 4 GiB per call; loaders move large images in slices.
    constexpr uint64_t kSlice = 1u << 20;
    auto* bytes = static_cast<unsigned char*>(data);
    for (uint64_t done = 0; done < length; done += kSlice) {
        const auto slice = static_cast<unsigned int>(std::min(kSlice, length - done));
        tlm::tlm_generic_payload payload;
        payload.set_command(command);
        payload.set_address(address + done);
        payload.set_data_ptr(bytes + done);
        payload.set_data_length(slice);
        payload.set_streaming_width(slice);
        const unsigned int moved = mem->transport_dbg(payload);
        if (moved != slice) {
            throw SimulationError(std::string(name()) + ": loader access of " + std::to_string(slice) +
                                  " bytes at " + hex(address + done) + " reached only " + std::to_string(moved) +
                                  " bytes (unmapped address?)");
        }
    }
}

void Host::load(uint64_t address, const void* data, uint64_t length) {
    debug_access(tlm::TLM_WRITE_COMMAND, address, const_cast<void*>(data), length);
}

void Host::peek(uint64_t address, void* data, uint64_t length) {
    debug_access(tlm::TLM_READ_COMMAND, address, data, length);
}

void Host::wait_for_interrupt() {
    if (!irq.read()) sc_core::wait(irq.posedge_event());
    TimeWatch::check();
}

void Host::wait_for_interrupt_clear() {
    if (irq.read()) sc_core::wait(irq.negedge_event());
    TimeWatch::check();
}

}  // namespace cimvp
