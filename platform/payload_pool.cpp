#include "platform/payload_pool.h"

namespace cimvp {

PayloadPool::~PayloadPool() {
    // Payloads still referenced elsewhere at destruction would dangle; the pool outlives its users.
    for (auto& payload : all_) payload->reset();
}

tlm::tlm_generic_payload& PayloadPool::acquire() {
    tlm::tlm_generic_payload* payload;
    if (free_.empty()) {
        all_.push_back(std::make_unique<tlm::tlm_generic_payload>(this));
        payload = all_.back().get();
    } else {
        payload = free_.back();
        free_.pop_back();
    }
    payload->acquire();
    return *payload;
}

void PayloadPool::free(tlm::tlm_generic_payload* payload) {
    payload->reset();
    payload->set_data_ptr(nullptr);
    payload->set_byte_enable_ptr(nullptr);
    payload->set_byte_enable_length(0);
    payload->set_streaming_width(0);
    payload->set_dmi_allowed(false);
    payload->set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    free_.push_back(payload);
}

}  // namespace cimvp
