#include "models/memory/dram_controller.h"

#include <algorithm>
#include <cmath>

#include "models/memory/dram_standard.h"
#include "platform/byte_enables.h"
#include "platform/kernel_time.h"
#include "platform/registry.h"

namespace cimvp {
namespace {

const char* const kMappingRowBankColumnGroup = "row_bank_column_group";
const char* const kMappingRowBankColumn = "row_bank_column";

}  // namespace

DramController::Params::Params(ParamReader& reader) {
    standard = reader.choice("standard", "DDR4-2400", dram_standard_names(),
                             "DRAM standard; it sets the defaults of every timing, organisation and current below");
    const DramStandard& table = *find_dram_standard(standard);  // choice() admits only names in the table

    mapping = reader.choice("mapping", kMappingRowBankColumnGroup, {kMappingRowBankColumnGroup, kMappingRowBankColumn},
                            "address bits from high to low above the burst offset; '_group' interleaves bank "
                            "groups burst by burst so a sequential stream is not held back by tCCD_L");
    size = reader.bytes("size", table.size, "capacity of the channel (its address span)");
    row_bytes = reader.bytes("row_size", table.row_size, "bytes of one row across the rank (device page x devices)");
    burst_length = reader.integer("burst_length", table.burst_length, 2, 64, "beats per burst (BL)");
    bus_width_bits = reader.integer("bus_width", table.bus_width_bits, 8, 1024, "channel data-bus width in bits");
    devices_per_rank = reader.integer("devices_per_rank", table.devices_per_rank, 1, 64,
                                      "DRAM devices sharing the rank; energy scales with it");
    banks = reader.integer("banks", table.banks, 1, 256, "banks per rank");
    bank_groups = reader.integer("bank_groups", table.bank_groups, 1, 64, "bank groups per rank (1 = none)");
    data_clock_hz =
        reader.frequency_hz("data_clock", table.data_clock, "clock of the interface; data moves on both edges");

    tRCD = reader.time_ns("tRCD", table.tRCD, "ACTIVATE to READ/WRITE");
    tRP = reader.time_ns("tRP", table.tRP, "PRECHARGE to ACTIVATE");
    tCL = reader.time_ns("tCL", table.tCL, "READ to first data (CAS/read latency)");
    tCWL = reader.time_ns("tCWL", table.tCWL, "WRITE to first data (write latency)");
    tRAS = reader.time_ns("tRAS", table.tRAS, "ACTIVATE to PRECHARGE, same bank");
    tRC = reader.time_ns("tRC", table.tRC, "ACTIVATE to ACTIVATE, same bank");
    tRFC = reader.time_ns("tRFC", table.tRFC, "duration of an all-bank REFRESH");
    tREFI = reader.time_ns("tREFI", table.tREFI, "average interval between REFRESH commands");
    tCCD_S = reader.time_ns("tCCD_S", table.tCCD_S, "column command to column command, different bank group");
    tCCD_L = reader.time_ns("tCCD_L", table.tCCD_L, "column command to column command, same bank group");
    tRRD_S = reader.time_ns("tRRD_S", table.tRRD_S, "ACTIVATE to ACTIVATE, different bank group");
    tRRD_L = reader.time_ns("tRRD_L", table.tRRD_L, "ACTIVATE to ACTIVATE, same bank group");
    tFAW = reader.time_ns("tFAW", table.tFAW, "window that holds at most four ACTIVATEs");
    tWR = reader.time_ns("tWR", table.tWR, "end of write data to PRECHARGE (write recovery)");
    tWTR_S = reader.time_ns("tWTR_S", table.tWTR_S, "end of write data to READ, different bank group");
    tWTR_L = reader.time_ns("tWTR_L", table.tWTR_L, "end of write data to READ, same bank group");
    tRTP = reader.time_ns("tRTP", table.tRTP, "READ to PRECHARGE");

    for (const DramRailCurrents& currents : table.rails) {
        Rail rail;
        rail.name = currents.rail;
        const std::string suffix = "_" + rail.name;
        rail.volts = reader.quantity(rail.name, Dimension::Voltage, currents.voltage, "supply voltage of this rail");
        auto current = [&](const char* what, const char* text, const char* meaning) {
            return reader.quantity(std::string(what) + suffix, Dimension::Current, text,
                                   std::string(meaning) + " per device on " + rail.name);
        };
        rail.idd0 = current("idd0", currents.idd0, "one-bank ACTIVATE-PRECHARGE current");
        rail.idd2n = current("idd2n", currents.idd2n, "precharge standby current");
        rail.idd3n = current("idd3n", currents.idd3n, "active standby current");
        rail.idd4r = current("idd4r", currents.idd4r, "burst read current");
        rail.idd4w = current("idd4w", currents.idd4w, "burst write current");
        rail.idd5b = current("idd5b", currents.idd5b, "burst refresh current");
        // The event energies are differences of currents; a negative one means a mistyped current.
        reader.require(rail.idd0 >= rail.idd3n && rail.idd0 >= rail.idd2n, "idd0" + suffix,
                       "must not be below idd2n" + suffix + " or idd3n" + suffix);
        reader.require(rail.idd4r >= rail.idd3n, "idd4r" + suffix, "must not be below idd3n" + suffix);
        reader.require(rail.idd4w >= rail.idd3n, "idd4w" + suffix, "must not be below idd3n" + suffix);
        reader.require(rail.idd5b >= rail.idd3n, "idd5b" + suffix, "must not be below idd3n" + suffix);
        rails.push_back(rail);
    }

    reader.require(bus_width_bits % 8 == 0, "bus_width", "must be a whole number of bytes");
    reader.require(burst_length % 2 == 0, "burst_length", "must be even (data moves on both clock edges)");
    reader.require(banks % bank_groups == 0, "bank_groups", "must divide the number of banks");
    reader.require(is_power_of_two(burst_bytes()), "bus_width", "bus width x burst length must be a power of two");
    reader.require(row_bytes % burst_bytes() == 0, "row_size",
                   "must be a multiple of the burst size (" + std::to_string(burst_bytes()) + " B)");
    reader.require(size % (row_bytes * static_cast<uint64_t>(banks)) == 0, "size",
                   "must be a whole number of rows in every bank (row_size x banks = " +
                       std::to_string(row_bytes * static_cast<uint64_t>(banks)) + " B)");
    reader.require(tRC >= tRAS, "tRC", "must not be shorter than tRAS");
    reader.require(tREFI > tRFC, "tREFI", "must be longer than tRFC");
}

DramController::DramController(const ComponentContext& context)
    : Component(context),
      tgt("tgt"),
      params_(read_params<Params>(context)),
      burst_bytes_(params_.burst_bytes()),
      bank_groups_(static_cast<uint64_t>(params_.bank_groups)),
      banks_per_group_(static_cast<uint64_t>(params_.banks / params_.bank_groups)),
      bursts_per_row_(params_.row_bytes / params_.burst_bytes()),
      bank_count_(static_cast<uint64_t>(params_.banks)),
      groups_interleave_columns_(params_.mapping == kMappingRowBankColumnGroup),
      store_(params_.size),
      banks_(static_cast<size_t>(params_.banks)),
      row_hits_(counters()["row_hits"]),
      row_misses_(counters()["row_misses"]),
      row_conflicts_(counters()["row_conflicts"]),
      reads_(counters()["reads"]),
      writes_(counters()["writes"]),
      bytes_read_(counters()["bytes_read"]),
      bytes_written_(counters()["bytes_written"]),
      refreshes_(counters()["refreshes"]),
      activates_(counters()["activates"]),
      precharges_(counters()["precharges"]) {
    auto ps = [](double ns) { return static_cast<Picos>(std::llround(ns * 1000.0)); };
    const Params& p = params_;
    timing_.tRCD = ps(p.tRCD);
    timing_.tRP = ps(p.tRP);
    timing_.tCL = ps(p.tCL);
    timing_.tCWL = ps(p.tCWL);
    timing_.tRAS = ps(p.tRAS);
    timing_.tRC = ps(p.tRC);
    timing_.tRFC = ps(p.tRFC);
    timing_.tREFI = ps(p.tREFI);
    timing_.tCCD_S = ps(p.tCCD_S);
    timing_.tCCD_L = ps(p.tCCD_L);
    timing_.tRRD_S = ps(p.tRRD_S);
    timing_.tRRD_L = ps(p.tRRD_L);
    timing_.tFAW = ps(p.tFAW);
    timing_.tWR = ps(p.tWR);
    timing_.tWTR_S = ps(p.tWTR_S);
    timing_.tWTR_L = ps(p.tWTR_L);
    timing_.tRTP = ps(p.tRTP);
    const double beats_per_clock = 2.0;
    timing_.tBurst = ps(static_cast<double>(p.burst_length) / beats_per_clock / p.data_clock_hz * 1e9);

    // DRAMPower's decomposition of the IDD measurements into per-command energies, per device:
    //   E_ACT = V (IDD0 - IDD3N) tRAS,  E_PRE = V (IDD0 - IDD2N) (tRC - tRAS),
    //   E_RD  = V (IDD4R - IDD3N) tBurst, E_WR = V (IDD4W - IDD3N) tBurst, E_REF = V (IDD5B - IDD3N) tRFC;
    // mA x ns x V = pJ. Background power is V x IDD2N (all banks closed) or V x IDD3N (any open).
    const double burst_ns = static_cast<double>(timing_.tBurst) / 1000.0;
    double act = 0, pre = 0, rd = 0, wr = 0, ref = 0;
    for (const Rail& rail : p.rails) {
        act += rail.volts * (rail.idd0 - rail.idd3n) * p.tRAS;
        pre += rail.volts * (rail.idd0 - rail.idd2n) * (p.tRC - p.tRAS);
        rd += rail.volts * (rail.idd4r - rail.idd3n) * burst_ns;
        wr += rail.volts * (rail.idd4w - rail.idd3n) * burst_ns;
        ref += rail.volts * (rail.idd5b - rail.idd3n) * p.tRFC;
        precharged_mw_ += rail.volts * rail.idd2n;
        active_mw_ += rail.volts * rail.idd3n;
    }
    const double devices = static_cast<double>(p.devices_per_rank);
    activate_energy_ = energy().declare("act", act * devices);
    precharge_energy_ = energy().declare("pre", pre * devices);
    read_energy_ = energy().declare("rd", rd * devices);
    write_energy_ = energy().declare("wr", wr * devices);
    refresh_energy_ = energy().declare("ref", ref * devices);
    background_energy_ = energy().declare("background", 0.0);
    precharged_mw_ *= devices;
    active_mw_ *= devices;

    next_refresh_ = timing_.tREFI;
    const uint64_t rows_per_bank = p.size / (p.row_bytes * static_cast<uint64_t>(p.banks));
    row_bits_ = Tracer::width_for(rows_per_bank - 1);
    for (int64_t bank = 0; bank < p.banks; ++bank) {
        bank_state_signals_.emplace_back(name(), "bank" + std::to_string(bank) + "_state", 2);
        bank_row_signals_.emplace_back(name(), "bank" + std::to_string(bank) + "_row", row_bits_);
    }

    tgt.register_b_transport(this, &DramController::b_transport);
    tgt.register_transport_dbg(this, &DramController::transport_dbg);
    expose_target("tgt", tgt);
}

double DramController::peak_bandwidth_bytes_per_s() const {
    return 2.0 * params_.data_clock_hz * static_cast<double>(params_.bus_width_bits / 8);
}

namespace {

// Kernel time units per picosecond: 1 at SystemC's default resolution, 0 if the resolution is
// coarser than a picosecond. Every burst converts times both ways, and going through doubles
// and sc_time's unit constructor cost more than the timing arithmetic itself.
uint64_t units_per_ps() {
    static const uint64_t units = sc_core::sc_time(1.0, sc_core::SC_PS).value();
    return units;
}

}  // namespace

DramController::Picos DramController::to_ps(const sc_core::sc_time& time) {
    const uint64_t units = units_per_ps();
    if (units == 0) return static_cast<Picos>(std::llround(time.to_seconds() * 1e12));
    return static_cast<Picos>((time.value() + units / 2) / units);
}

sc_core::sc_time DramController::to_time(Picos ps) {
    const uint64_t units = units_per_ps();
    if (units == 0 || ps < 0) return sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS);
    return sc_core::sc_time::from_value(static_cast<uint64_t>(ps) * units);
}

bool DramController::accept(tlm::tlm_generic_payload& trans, bool debug) const {
    const tlm::tlm_command command = trans.get_command();
    if (command != tlm::TLM_READ_COMMAND && command != tlm::TLM_WRITE_COMMAND) {
        trans.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return false;
    }
    if (!store_.contains(trans.get_address(), trans.get_data_length())) {
        trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return false;
    }
    if (trans.get_byte_enable_ptr() != nullptr && trans.get_byte_enable_length() == 0) {
        trans.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        return false;
    }
    // A streaming width of 0 is taken as "not set" rather than refused.
    if (!debug && trans.get_streaming_width() != 0 && trans.get_streaming_width() < trans.get_data_length()) {
        trans.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
        return false;
    }
    if (trans.get_data_length() > 0 && trans.get_data_ptr() == nullptr) {
        trans.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return false;
    }
    return true;
}

void DramController::b_transport(tlm::tlm_generic_payload& trans, sc_core::sc_time& delay) {
    trans.set_dmi_allowed(false);
    if (!accept(trans, false)) return;
    const uint64_t address = trans.get_address();
    const bool write = trans.is_write();
    const Picos now = to_ps(kernel_time());
    const Picos arrival = to_ps(kernel_time() + delay);

    // Every burst that holds an enabled byte is scheduled once, in address order: a strided
    // transaction's rows go out back to back, as a controller with the requests queued would send
    // them. Writes mask the disabled bytes (the DDR data mask); reads drop them.
    Picos done = arrival;
    const uint64_t burst = params_.burst_bytes();
    uint64_t next_burst = address & ~(burst - 1);  // the first burst not yet scheduled
    uint8_t* data = trans.get_data_ptr();
    for_each_enabled_run(trans, [&](uint64_t offset, uint64_t bytes) {
        const uint64_t begin = address + offset, end = begin + bytes;
        for (uint64_t at = std::max(next_burst, begin & ~(burst - 1)); at < end; at += burst) {
            done = schedule_burst(at, write, arrival);
            next_burst = at + burst;
        }
        if (write) {
            store_.write(begin, data + offset, bytes);
            bytes_written_ += bytes;
        } else {
            store_.read(begin, data + offset, bytes);
            bytes_read_ += bytes;
        }
    });
    count_data_span();
    delay = to_time(done - now);
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
}

unsigned int DramController::transport_dbg(tlm::tlm_generic_payload& trans) {
    if (!accept(trans, true)) return 0;
    uint8_t* data = trans.get_data_ptr();
    for_each_enabled_run(trans, [&](uint64_t offset, uint64_t bytes) {
        if (trans.is_write()) {
            store_.write(trans.get_address() + offset, data + offset, bytes);
        } else {
            store_.read(trans.get_address() + offset, data + offset, bytes);
        }
    });
    trans.set_response_status(tlm::TLM_OK_RESPONSE);
    return trans.get_data_length();
}

DramController::Location DramController::locate(uint64_t address) const {
    const uint64_t groups = bank_groups_.value();
    uint64_t rest = burst_bytes_.quotient(address);
    uint64_t group = 0;
    uint64_t bank_in_group = 0;
    if (groups_interleave_columns_) {
        group = bank_groups_.remainder(rest);
        rest = bank_groups_.quotient(rest);
        rest = bursts_per_row_.quotient(rest);  // column within the bank's row
        bank_in_group = banks_per_group_.remainder(rest);
        rest = banks_per_group_.quotient(rest);
    } else {
        rest = bursts_per_row_.quotient(rest);
        const uint64_t bank = bank_count_.remainder(rest);
        rest = bank_count_.quotient(rest);
        group = bank_groups_.remainder(bank);
        bank_in_group = bank_groups_.quotient(bank);
    }
    // Banks are numbered so that consecutive numbers fall in different groups.
    return Location{static_cast<unsigned>(bank_in_group * groups + group), static_cast<unsigned>(group), rest};
}

void DramController::advance_background(Picos to) {
    if (to <= background_until_) return;
    const double mw = open_banks_ > 0 ? active_mw_ : precharged_mw_;
    background_energy_.add_pj(mw * static_cast<double>(to - background_until_) / 1000.0);  // mW x ns = pJ
    background_until_ = to;
}

void DramController::start_of_simulation() {
    Component::start_of_simulation();
    if (tracer() == nullptr) return;
    for (unsigned bank = 0; bank < banks_.size(); ++bank) trace_bank(bank, 0, BankState::kIdle);
}

void DramController::trace_bank(unsigned bank, Picos at, BankState state) {
    const sc_core::sc_time when = to_time(at);
    tracer()->signal(bank_state_signals_[bank], when, static_cast<double>(state));
    if (state == BankState::kRowOpen) {
        tracer()->signal(bank_row_signals_[bank], when, static_cast<double>(banks_[bank].row));
    }
}

void DramController::precharge(unsigned index, Picos at) {
    Bank& bank = banks_[index];
    advance_background(at);
    bank.open = false;
    bank.activate_ready = std::max(bank.activate_ready, at + timing_.tRP);
    --open_banks_;
    ++precharges_;
    precharge_energy_.add();
    if (tracer() != nullptr) trace_bank(index, at, BankState::kIdle);
}

// Refresh `due` is issued before the first burst that could start at or after it: open banks are
// precharged together as soon as each allows, REF follows tRP later, and nothing is issued for tRFC.
void DramController::refresh(Picos due) {
    Picos precharge_at = std::max(due, row_command_);
    bool any_open = false;
    for (const Bank& bank : banks_) {
        if (!bank.open) continue;
        any_open = true;
        precharge_at = std::max(precharge_at, bank.precharge_ready);
    }
    for (unsigned bank = 0; bank < banks_.size(); ++bank) {
        if (banks_[bank].open) precharge(bank, precharge_at);
    }
    const Picos start = any_open ? precharge_at + timing_.tRP : precharge_at;
    const Picos end = start + timing_.tRFC;
    advance_background(start);
    // DRAMPower books the refresh window as active standby plus the IDD5B excess.
    background_energy_.add_pj(active_mw_ * static_cast<double>(timing_.tRFC) / 1000.0);
    background_until_ = end;
    refresh_energy_.add();
    ++refreshes_;
    for (Bank& bank : banks_) bank.activate_ready = std::max(bank.activate_ready, end);
    if (tracer() != nullptr) {
        for (unsigned bank = 0; bank < banks_.size(); ++bank) {
            trace_bank(bank, start, BankState::kRefreshing);
            trace_bank(bank, end, BankState::kIdle);
        }
    }
    row_command_ = end;
    column_command_ = std::max(column_command_, end);
    next_refresh_ += timing_.tREFI;
}

DramController::Picos DramController::schedule_burst(uint64_t address, bool write, Picos arrival) {
    const Location where = locate(address);
    Bank& bank = banks_[where.bank];
    const int group = static_cast<int>(where.group);
    const Timing& t = timing_;

    // Refreshes that fall due before this burst's first possible command go first.
    for (;;) {
        const bool hit = bank.open && bank.row == where.row;
        const Picos earliest = std::max(arrival, hit ? column_command_ : row_command_);
        if (next_refresh_ > earliest) break;
        refresh(next_refresh_);
    }

    if (bank.open && bank.row == where.row) {
        ++row_hits_;
    } else {
        if (bank.open) {
            ++row_conflicts_;
            const Picos at = std::max({arrival, row_command_, bank.precharge_ready});
            precharge(where.bank, at);
            row_command_ = at;
        } else {
            ++row_misses_;
        }
        const Picos same_group_gap = group == last_activate_group_ ? t.tRRD_L : t.tRRD_S;
        const Picos at = std::max({arrival, row_command_, bank.activate_ready, last_activate_ + same_group_gap,
                                   recent_activates_.front() + t.tFAW});
        advance_background(at);
        bank.open = true;
        bank.row = where.row;
        bank.cas_ready = at + t.tRCD;
        bank.precharge_ready = at + t.tRAS;
        bank.activate_ready = at + t.tRC;
        ++open_banks_;
        ++activates_;
        activate_energy_.add();
        row_command_ = at;
        last_activate_ = at;
        last_activate_group_ = group;
        std::rotate(recent_activates_.begin(), recent_activates_.begin() + 1, recent_activates_.end());
        recent_activates_.back() = at;
        if (tracer() != nullptr) trace_bank(where.bank, at, BankState::kRowOpen);
    }

    const Picos latency = write ? t.tCWL : t.tCL;
    const Picos column_gap = group == last_column_group_ ? t.tCCD_L : t.tCCD_S;
    Picos at = std::max({arrival, column_command_ + column_gap, bank.cas_ready, bus_free_ - latency});
    if (!write) at = std::max(at, last_write_end_ + (group == last_write_group_ ? t.tWTR_L : t.tWTR_S));
    const Picos data_start = at + latency;
    const Picos data_end = data_start + t.tBurst;

    column_command_ = at;
    last_column_group_ = group;
    bus_free_ = data_end;
    if (data_start != data_span_end_) {
        count_data_span();
        data_span_begin_ = data_start;
    }
    data_span_end_ = data_end;
    end_ = std::max(end_, data_end);
    if (write) {
        bank.precharge_ready = std::max(bank.precharge_ready, data_end + t.tWR);
        last_write_end_ = data_end;
        last_write_group_ = group;
        ++writes_;
        write_energy_.add();
    } else {
        bank.precharge_ready = std::max(bank.precharge_ready, at + t.tRTP);
        ++reads_;
        read_energy_.add();
    }
    return data_end;
}

void DramController::count_data_span() {
    if (data_span_end_ > data_span_begin_) record_busy(to_time(data_span_begin_), to_time(data_span_end_), "data");
    data_span_begin_ = data_span_end_;
}

void DramController::finalize(const sc_core::sc_time& end) {
    const Picos until = std::max(to_ps(end), end_);
    while (next_refresh_ <= until) refresh(next_refresh_);
    end_ = std::max(until, background_until_);
    advance_background(end_);
}

void DramController::add_to_report(nlohmann::json& entry) const {
    const double seconds = static_cast<double>(end_) * 1e-12;
    const double bytes = static_cast<double>(bytes_read_ + bytes_written_);
    const double achieved = seconds > 0 ? bytes / seconds : 0.0;
    entry["standard"] = params_.standard;
    entry["peak_bandwidth_GBps"] = peak_bandwidth_bytes_per_s() / 1e9;
    entry["achieved_bandwidth_GBps"] = achieved / 1e9;
    entry["achieved_fraction_of_peak"] = achieved / peak_bandwidth_bytes_per_s();
}

CIMVP_REGISTER_MODEL("dram_controller", DramController,
                     "one DRAM channel (DDR4-2400, LPDDR4-3200): open-page timing, refresh, IDD-based energy");

}  // namespace cimvp
