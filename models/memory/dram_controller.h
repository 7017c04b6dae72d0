// One DRAM channel behind a TLM-2.0 target socket: an in-order, open-page controller with per-bank
// row state, JEDEC timing constraints, periodic refresh, and DRAMPower-style energy from datasheet
// IDD currents. Timing is closed-form per burst (busy-until times, no clock, no per-cycle threads);
// data lives in a sparse backing store. Strided transactions (byte enables) are served burst by
// burst. There is no DMI: every access must be seen to be timed.
#pragma once

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "models/memory/sparse_store.h"
#include "platform/component.h"
#include "platform/divisor.h"

namespace cimvp {

class DramController : public Component {
public:
    struct Rail {
        std::string name;
        double volts = 0.0;
        // Per-device currents in mA.
        double idd0 = 0.0, idd2n = 0.0, idd3n = 0.0, idd4r = 0.0, idd4w = 0.0, idd5b = 0.0;
    };

    struct Params {
        std::string standard;
        std::string mapping;
        uint64_t size = 0;
        uint64_t row_bytes = 0;
        int64_t burst_length = 0;
        int64_t bus_width_bits = 0;
        int64_t devices_per_rank = 0;
        int64_t banks = 0;
        int64_t bank_groups = 0;
        double data_clock_hz = 0.0;
        // Timings in ns.
        double tRCD = 0, tRP = 0, tCL = 0, tCWL = 0, tRAS = 0, tRC = 0, tRFC = 0, tREFI = 0;
        double tCCD_S = 0, tCCD_L = 0, tRRD_S = 0, tRRD_L = 0, tFAW = 0, tWR = 0, tWTR_S = 0, tWTR_L = 0, tRTP = 0;
        std::vector<Rail> rails;

        explicit Params(ParamReader& reader);

        uint64_t burst_bytes() const { return static_cast<uint64_t>(bus_width_bits / 8 * burst_length); }
    };

    explicit DramController(const ComponentContext& context);

    tlm_utils::simple_target_socket<DramController> tgt;

    const Params& params() const { return params_; }
    // Data rate times bus width: what a perfectly streamed channel would move.
    double peak_bandwidth_bytes_per_s() const;

    uint64_t address_span() const override { return params_.size; }
    void finalize(const sc_core::sc_time& end) override;
    void add_to_report(nlohmann::json& entry) const override;
    // Off-chip memory: it adds no area to the accelerator die, so area_um2() stays 0.

private:
    using Picos = int64_t;  // all internal times are whole picoseconds, so closed forms stay exact
    static constexpr Picos kLongAgo = -(Picos{1} << 50);  // "never happened": satisfies any timing

    struct Bank {
        bool open = false;
        uint64_t row = 0;
        Picos cas_ready = 0;        // ACT + tRCD
        Picos precharge_ready = 0;  // ACT + tRAS, last READ + tRTP, last write data + tWR
        Picos activate_ready = 0;   // ACT + tRC, PRE + tRP, end of refresh
    };
    struct Location {
        unsigned bank;
        unsigned group;
        uint64_t row;
    };
    struct Timing {
        Picos tRCD = 0, tRP = 0, tCL = 0, tCWL = 0, tRAS = 0, tRC = 0, tRFC = 0, tREFI = 0;
        Picos tCCD_S = 0, tCCD_L = 0, tRRD_S = 0, tRRD_L = 0, tFAW = 0, tWR = 0, tWTR_S = 0, tWTR_L = 0, tRTP = 0;
        Picos tBurst = 0;
    };

    void b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
    unsigned int transport_dbg(tlm::tlm_generic_payload& trans);
    // Sets an error response and returns false when the payload cannot be served.
    bool accept(tlm::tlm_generic_payload& trans, bool debug) const;

    Location locate(uint64_t address) const;
    // Schedules one burst arriving at `arrival`; returns the end of its data transfer.
    Picos schedule_burst(uint64_t address, bool write, Picos arrival);
    void refresh(Picos due);
    void precharge(unsigned bank, Picos at);
    void advance_background(Picos to);

    // VCD waveforms per bank: bank<N>_state (the values below) and bank<N>_row, the row an ACT opened,
    // which keeps its value when the bank closes. Every bank starts idle at time 0.
    enum class BankState { kIdle = 0, kRowOpen = 1, kRefreshing = 2 };
    void start_of_simulation() override;
    void trace_bank(unsigned bank, Picos at, BankState state);

    static Picos to_ps(const sc_core::sc_time& time);
    static sc_core::sc_time to_time(Picos ps);

    Params params_;
    // The address map's divisors (locate() runs for every burst).
    Divisor burst_bytes_, bank_groups_, banks_per_group_, bursts_per_row_, bank_count_;
    bool groups_interleave_columns_;  // mapping row_bank_column_group, decided once
    Timing timing_;
    SparseStore store_;
    std::vector<Bank> banks_;
    int row_bits_ = 1;  // width of the bank<N>_row waveforms
    std::vector<Tracer::SignalHandle> bank_state_signals_;
    std::vector<Tracer::SignalHandle> bank_row_signals_;

    // Command and data-bus state; row commands (ACT, PRE, REF) and column commands (RD, WR) are
    // each issued in order, so a row can be opened while earlier bursts still stream.
    Picos row_command_ = kLongAgo;
    Picos column_command_ = kLongAgo;
    Picos bus_free_ = 0;
    Picos last_activate_ = kLongAgo;
    int last_activate_group_ = -1;
    std::array<Picos, 4> recent_activates_{kLongAgo, kLongAgo, kLongAgo, kLongAgo};  // for tFAW, oldest first
    int last_column_group_ = -1;
    Picos last_write_end_ = kLongAgo;
    int last_write_group_ = -1;
    Picos next_refresh_ = 0;
    Picos end_ = 0;
    // The data bus's busy time of the current transaction, gathered while its bursts stream back to
    // back (bursts are scheduled in data-bus order) and counted once it ends or leaves a gap.
    Picos data_span_begin_ = 0, data_span_end_ = 0;
    void count_data_span();

    // Background power: precharge standby when every bank is closed, active standby otherwise.
    unsigned open_banks_ = 0;
    Picos background_until_ = 0;
    double precharged_mw_ = 0.0;
    double active_mw_ = 0.0;

    EnergyLedger::Handle activate_energy_, precharge_energy_, read_energy_, write_energy_, refresh_energy_,
        background_energy_;
    uint64_t& row_hits_;
    uint64_t& row_misses_;
    uint64_t& row_conflicts_;
    uint64_t& reads_;
    uint64_t& writes_;
    uint64_t& bytes_read_;
    uint64_t& bytes_written_;
    uint64_t& refreshes_;
    uint64_t& activates_;
    uint64_t& precharges_;
};

}  // namespace cimvp
