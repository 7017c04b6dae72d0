// What a register window takes: whole reads and writes. Registers have no byte lanes to enable and
// no FIFO to stream into, so, as the TLM-2.0 base protocol has a target do with attributes it does
// not support, such accesses are answered with an error response and change nothing.
#pragma once

#include <tlm>

namespace cimvp {

// False, with the response status set, for an access a register window refuses: a command other
// than read or write, byte enables, a streaming width below the data length, or no data.
inline bool accept_register_access(tlm::tlm_generic_payload& payload) {
    const tlm::tlm_command command = payload.get_command();
    if (command != tlm::TLM_READ_COMMAND && command != tlm::TLM_WRITE_COMMAND) {
        payload.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
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
    if (payload.get_data_ptr() == nullptr) {
        payload.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return false;
    }
    return true;
}

}  // namespace cimvp
