// A banked on-chip SRAM buffer. Consecutive port-width words are interleaved across banks; each
// bank serves one word per cycle, so accesses that land on a busy bank wait (bank conflicts).
// Byte enables are honoured: a strided access (platform/byte_enables.h) moves only its rows.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <vector>

#include "platform/busy_calendar.h"
#include "platform/component.h"
#include "platform/divisor.h"
#include "platform/sram_array_area.h"

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
        SramArrayArea array_area;
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
    // Moves the bytes [offset, offset + length) of the payload's data to or from the array.
    void copy_run(tlm::tlm_generic_payload& payload, uint64_t offset, uint64_t length);
    // Adds `words` words from word index `first_word` to the banks' share of the current access.
    void queue_words(uint64_t first_word, uint64_t words);
    // Serves the queued words from `arrival` (kernel time units; `now` is the kernel's time); returns
    // when the last bank is done.
    uint64_t serve_queued_words(uint64_t arrival, uint64_t now);

    Params params_;
    std::vector<uint8_t> storage_;
    // When the banks are taken (platform/busy_calendar.h). Most accesses give every bank the same
    // words (whole rows of banks x width bytes), and they book all banks at once in the shared
    // calendar; the others book each bank in its own. A bank is busy when either calendar says so.
    BusyCalendar shared_bookings_;
    std::vector<BusyCalendar> own_bookings_;
    uint64_t own_bookings_until_ = 0;  // when the last booking in any bank's own calendar ends
    // The words of the access being served: common_words_ on every bank, plus the prefix sums of
    // extra_word_steps_ (bank b gets one more word per +1 at or before b, one fewer per -1).
    uint64_t common_words_ = 0;
    std::vector<int64_t> extra_word_steps_;
    bool uneven_words_ = false;  // some bank has extra words
    Divisor bank_count_, word_bytes_;
    sc_core::sc_time cycle_;
    // The latencies as times, made once: building an sc_time from a double costs more than the rest
    // of a transaction's timing.
    const sc_core::sc_time read_latency_, write_latency_;
    EnergyLedger::Handle read_energy_;
    EnergyLedger::Handle write_energy_;
    uint64_t& bytes_read_;
    uint64_t& bytes_written_;
    uint64_t& bank_conflict_cycles_;
};

}  // namespace cimvp
