// One blocking-transport access with a pooled payload, the way every initiator in the platform
// issues its reads and writes.
#pragma once

#include <tlm>

#include "platform/payload_pool.h"

namespace cimvp {

// Sends `length` bytes at `address` through `socket` (any initiator socket) with annotated `delay`;
// returns the target's response status.
template <class Socket>
tlm::tlm_response_status bus_access(Socket& socket, PayloadPool& pool, tlm::tlm_command command, uint64_t address,
                                    uint8_t* data, unsigned int length, sc_core::sc_time& delay) {
    PooledPayload payload(pool);
    payload->set_command(command);
    payload->set_address(address);
    payload->set_data_ptr(data);
    payload->set_data_length(length);
    payload->set_streaming_width(length);
    payload->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    socket->b_transport(*payload, delay);
    return payload->get_response_status();
}

// The TLM name of a response status, for error messages ("TLM_ADDRESS_ERROR_RESPONSE").
inline const char* response_name(tlm::tlm_response_status status) {
    switch (status) {
        case tlm::TLM_OK_RESPONSE: return "TLM_OK_RESPONSE";
        case tlm::TLM_INCOMPLETE_RESPONSE: return "TLM_INCOMPLETE_RESPONSE";
        case tlm::TLM_GENERIC_ERROR_RESPONSE: return "TLM_GENERIC_ERROR_RESPONSE";
        case tlm::TLM_ADDRESS_ERROR_RESPONSE: return "TLM_ADDRESS_ERROR_RESPONSE";
        case tlm::TLM_COMMAND_ERROR_RESPONSE: return "TLM_COMMAND_ERROR_RESPONSE";
        case tlm::TLM_BURST_ERROR_RESPONSE: return "TLM_BURST_ERROR_RESPONSE";
        case tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE: return "TLM_BYTE_ENABLE_ERROR_RESPONSE";
    }
    return "unknown TLM response";
}

}  // namespace cimvp
