// A banked on-chip SRAM buffer. Consecutive port-width words are interleaved across banks; each
// bank serves one word per cycle, so accesses that land on a busy bank wait (bank conflicts).
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <vector>

#include "platform/component.h"

namespace cimvp {

class SramBuffer : public Component {
public:
    struct Params {
        uint64_t size;
        int64_t banks;
        uint64_t width_bytes;
        double clock_hz;
        double read_latency_ns;
        double write_latency_ns;
        double read_energy_pj;   // per word of `width` bytes
        double write_energy_pj;  // per word of `width` bytes
        double bitcell_area_um2;
        double array_efficiency;
        bool dmi;
        explicit Params(ParamReader& reader);
    };

    explicit SramBuffer(const ComponentContext& context);

    tlm_utils::simple_target_socket<SramBuffer> tgt;

    uint64_t address_span() const override { return params_.size; }
    double area_um2() const override;
    const Params& params() const { return params_; }

    // Direct access to the contents, for loaders and checks outside simulated time.
    uint8_t* data() { return storage_.data(); }

private:
    void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload& payload);
    bool get_direct_mem_ptr(tlm::tlm_generic_payload& payload, tlm::tlm_dmi& dmi);

    // Checks command, range and byte enables; sets the error response and returns false if bad.
    bool accept(tlm::tlm_generic_payload& payload) const;
    // The time the last word of an access of `words` words starting at word index `first_word` is served.
    sc_core::sc_time schedule_banks(uint64_t first_word, uint64_t words, const sc_core::sc_time& arrival);

    Params params_;
    std::vector<uint8_t> storage_;
    std::vector<uint64_t> bank_busy_until_;  // in kernel time units (sc_time::value())
    sc_core::sc_time cycle_;
    EnergyLedger::Handle read_energy_;
    EnergyLedger::Handle write_energy_;
    uint64_t& bytes_read_;
    uint64_t& bytes_written_;
    uint64_t& bank_conflict_cycles_;
};

}  // namespace cimvp
