// Reusable TLM generic payloads. Initiators that issue many transactions take payloads from a
// pool instead of allocating one per access (ARCHITECTURE.md: "payloads are pooled").
#pragma once

#include <tlm>

#include <memory>
#include <vector>

namespace cimvp {

class PayloadPool : public tlm::tlm_mm_interface {
public:
    PayloadPool() = default;
    PayloadPool(const PayloadPool&) = delete;
    PayloadPool& operator=(const PayloadPool&) = delete;
    ~PayloadPool() override;

    // A cleared payload with one reference held by the caller; release() returns it to the pool.
    tlm::tlm_generic_payload& acquire();

    void free(tlm::tlm_generic_payload* payload) override;

    size_t allocated() const { return all_.size(); }

private:
    std::vector<std::unique_ptr<tlm::tlm_generic_payload>> all_;
    std::vector<tlm::tlm_generic_payload*> free_;
};

// Holds one acquired payload for the duration of a scope.
class PooledPayload {
public:
    explicit PooledPayload(PayloadPool& pool) : payload_(&pool.acquire()) {}
    ~PooledPayload() { payload_->release(); }
    PooledPayload(const PooledPayload&) = delete;
    PooledPayload& operator=(const PooledPayload&) = delete;
    tlm::tlm_generic_payload& operator*() { return *payload_; }
    tlm::tlm_generic_payload* operator->() { return payload_; }

private:
    tlm::tlm_generic_payload* payload_;
};

}  // namespace cimvp
