// Accesses a register window must refuse, sent straight to its target socket (the host's own
// accesses are always plain): for tests of platform/register_window.h in each model with a window.
#pragma once

#include <tlm>

#include <cstdint>
#include <vector>

namespace cimvp::testing {

// The responses to a byte-enabled read and write, a write streamed 4 bytes at a time, and an
// ignore command, each of 8 bytes at `address` (the writes carry `value`). Call from a process.
template <class TargetSocket>
std::vector<tlm::tlm_response_status> refused_register_accesses(TargetSocket& cfg, uint64_t address, uint64_t value) {
    std::vector<tlm::tlm_response_status> responses;
    const auto send = [&](tlm::tlm_command command, bool byte_enables, unsigned streaming_width) {
        uint64_t data = value;
        unsigned char enables[8] = {0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0};
        tlm::tlm_generic_payload payload;
        payload.set_command(command);
        payload.set_address(address);
        payload.set_data_ptr(reinterpret_cast<unsigned char*>(&data));
        payload.set_data_length(8);
        payload.set_streaming_width(streaming_width);
        if (byte_enables) {
            payload.set_byte_enable_ptr(enables);
            payload.set_byte_enable_length(8);
        }
        payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        cfg.get_base_export()->b_transport(payload, delay);
        responses.push_back(payload.get_response_status());
    };
    send(tlm::TLM_READ_COMMAND, true, 8);
    send(tlm::TLM_WRITE_COMMAND, true, 8);
    send(tlm::TLM_WRITE_COMMAND, false, 4);
    send(tlm::TLM_IGNORE_COMMAND, false, 8);
    return responses;
}

inline const std::vector<tlm::tlm_response_status> kRefusedRegisterResponses = {
    tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE, tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE, tlm::TLM_BURST_ERROR_RESPONSE,
    tlm::TLM_COMMAND_ERROR_RESPONSE};

}  // namespace cimvp::testing
