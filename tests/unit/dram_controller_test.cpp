// DramController against closed-form timing and the DRAMPower IDD formulas. Most tests override the
// standard's timings with round numbers (1 GHz data clock, whole-ns timings) so every expected time
// is exact; the energy test uses the DDR4-2400 datasheet defaults as they are.
#include <gtest/gtest.h>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/memory/dram_controller.h"
#include "platform/byte_enables.h"
#include "platform/error.h"
#include "platform/registry.h"

using cimvp::Component;
using cimvp::ComponentContext;
using cimvp::DramController;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

// DDR4-2400 organisation (64-bit bus, BL8: 64-byte bursts; 8 banks in 2 groups; 8 KiB rows) with
// round timings: tBurst = 8 beats / 2 / 1 GHz = 4 ns.
const char* const kRoundDdr4 =
    "{standard: DDR4-2400, data_clock: 1000MHz, tRCD: 14ns, tRP: 14ns, tCL: 14ns, tCWL: 10ns, tRAS: 32ns, "
    "tRC: 50ns, tCCD_S: 4ns, tCCD_L: 5ns, tRRD_S: 5ns, tRRD_L: 6ns, tFAW: 30ns, tWR: 15ns, tRTP: 7ns, "
    "tRFC: 350ns, tREFI: 7800ns";
constexpr double kBurstNs = 4.0;
constexpr uint64_t kBurstBytes = 64;
constexpr uint64_t kBankRowStride = 8 * 8192;  // next row of the same bank: 8 banks x 8 KiB

std::string round_ddr4(const std::string& extra = "") { return std::string(kRoundDdr4) + extra + "}"; }

std::unique_ptr<Component> make_dram(const std::string& yaml, const std::string& name = "dram") {
    const cimvp::ModelType* type = cimvp::ModelRegistry::instance().find("dram_controller");
    if (type == nullptr) throw std::logic_error("dram_controller is not registered");
    ComponentContext context{name, "dram_controller", YAML::Load(yaml), "test.yaml", {}, 1e9};
    return type->create(context);
}

DramController& as_dram(Component& component) { return dynamic_cast<DramController&>(component); }

// Runs `script` in a thread with a socket bound to the DRAM's `tgt` port.
struct Initiator : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Initiator> socket;
    std::function<void(Initiator&)> script;

    SC_HAS_PROCESS(Initiator);
    // The name is taken by value so that it outlives the socket's construction (SystemC's rule).
    Initiator(sc_core::sc_module_name name, Component& target, std::function<void(Initiator&)> body)
        : sc_core::sc_module(name), socket("socket"), script(std::move(body)) {
        socket.bind(*target.target_ports().at("tgt").socket);
        SC_THREAD(run);
    }
    void run() { script(*this); }

    // Sends one transaction at the current time plus `offset` and returns its annotated delay,
    // without waiting for it (loosely timed).
    tlm::tlm_response_status send(tlm::tlm_command command, uint64_t address, uint8_t* data, unsigned length,
                                  sc_time* delay_out = nullptr, sc_time offset = sc_core::SC_ZERO_TIME) {
        tlm::tlm_generic_payload payload;
        prepare(payload, command, address, data, length);
        sc_time delay = offset;
        socket->b_transport(payload, delay);
        if (delay_out != nullptr) *delay_out = delay;
        return payload.get_response_status();
    }
    // A payload of `length` bytes at `address`, not yet sent.
    static void prepare(tlm::tlm_generic_payload& payload, tlm::tlm_command command, uint64_t address, uint8_t* data,
                        unsigned length) {
        payload.set_command(command);
        payload.set_address(address);
        payload.set_data_ptr(data);
        payload.set_data_length(length);
        payload.set_streaming_width(length);
        payload.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    }
    // Reads and waits until the data has arrived; returns the completion time in ns.
    double read_and_wait(uint64_t address, unsigned length) {
        std::vector<uint8_t> data(length);
        sc_time delay;
        EXPECT_EQ(send(tlm::TLM_READ_COMMAND, address, data.data(), length, &delay), tlm::TLM_OK_RESPONSE);
        wait(delay);
        return sc_core::sc_time_stamp().to_seconds() * 1e9;
    }
};

double busy_ns(const Component& dram) { return dram.busy().busy().to_seconds() * 1e9; }

}  // namespace

TEST(DramController, SequentialStreamIsBusLimitedAfterTheFirstAccess) {
    auto dram = make_dram(round_ddr4());
    const unsigned bursts = 64;  // one 4 KiB transaction
    double done = 0;
    Initiator cpu("cpu", *dram, [&](Initiator& self) { done = self.read_and_wait(0, bursts * kBurstBytes); });
    sc_core::sc_start();
    // Consecutive bursts alternate bank groups: ACT group 0 at 0, ACT group 1 tRRD_S later. Burst 0's
    // data is over before burst 1's begins at tRRD_S + tRCD + tCL; from there the data bus is the only
    // limit, one tBurst per burst.
    const double first_access = 5 /*tRRD_S*/ + 14 /*tRCD*/ + 14 /*tCL*/;
    EXPECT_DOUBLE_EQ(done, first_access + (bursts - 1) * kBurstNs);
    EXPECT_DOUBLE_EQ(busy_ns(*dram), bursts * kBurstNs);
    EXPECT_EQ(dram->counters().get("activates"), 2u);
    EXPECT_EQ(dram->counters().get("row_misses"), 2u);
    EXPECT_EQ(dram->counters().get("row_hits"), bursts - 2);
    EXPECT_EQ(dram->counters().get("reads"), bursts);
    EXPECT_EQ(dram->counters().get("bytes_read"), bursts * kBurstBytes);
}

TEST(DramController, StreamWithinOneBankGroupIsLimitedByTccdL) {
    auto dram = make_dram(round_ddr4(", mapping: row_bank_column"));
    const unsigned bursts = 32;
    double done = 0;
    Initiator cpu("cpu", *dram, [&](Initiator& self) { done = self.read_and_wait(0, bursts * kBurstBytes); });
    sc_core::sc_start();
    // One open row: RD commands tCCD_L = 5 ns apart, the last one's data ends tCL + tBurst later.
    EXPECT_DOUBLE_EQ(done, 14 /*tRCD*/ + (bursts - 1) * 5.0 + 14 /*tCL*/ + kBurstNs);
    EXPECT_EQ(dram->counters().get("row_hits"), bursts - 1);
}

TEST(DramController, AlternatingRowsInOneBankAreLimitedByTrc) {
    auto dram = make_dram(round_ddr4());
    const unsigned accesses = 10;
    sc_time last;
    Initiator cpu("cpu", *dram, [&](Initiator& self) {
        uint8_t data[kBurstBytes];
        for (unsigned i = 0; i < accesses; ++i) {
            self.send(tlm::TLM_READ_COMMAND, (i % 2) * kBankRowStride, data, kBurstBytes, &last);
        }
    });
    sc_core::sc_start();
    // Every access re-opens bank 0: ACT k at k * tRC (tRC = 50 > tRAS + tRP = 46), data tRCD + tCL later.
    EXPECT_DOUBLE_EQ(last.to_seconds() * 1e9, (accesses - 1) * 50.0 + 14 + 14 + kBurstNs);
    EXPECT_EQ(dram->counters().get("row_misses"), 1u);
    EXPECT_EQ(dram->counters().get("row_conflicts"), accesses - 1);
    EXPECT_EQ(dram->counters().get("activates"), accesses);
    EXPECT_EQ(dram->counters().get("precharges"), accesses - 1);
}

TEST(DramController, WritesObeyWriteLatencyTurnaroundAndRecovery) {
    // Three channels, each given a 64-byte write to bank 0 at time 0 (ACT 0, WR at tRCD = 14, data
    // tCWL = 10 later: 24..28) followed at once by one read. tWTR_S = 2.5 ns and tWTR_L = 7.5 ns and
    // tWR = 15 ns are the DDR4-2400 defaults.
    struct Case {
        const char* name;
        uint64_t read_address;
        double expected_end;
    };
    const Case cases[] = {
        {"other_group", kBurstBytes, 28 + 2.5 /*tWTR_S*/ + 14 /*tCL*/ + kBurstNs},
        {"same_group", 2 * kBurstBytes, 28 + 7.5 /*tWTR_L*/ + 14 /*tCL*/ + kBurstNs},
        // Conflict: PRE waits for write recovery (28 + tWR = 43 > ACT + tRAS = 32), ACT tRP later.
        {"same_bank_other_row", kBankRowStride, 43 + 14 /*tRP*/ + 14 /*tRCD*/ + 14 /*tCL*/ + kBurstNs},
    };
    std::vector<std::unique_ptr<Component>> drams;
    std::vector<std::unique_ptr<Initiator>> cpus;
    std::vector<double> ends(3, 0.0);
    for (size_t i = 0; i < 3; ++i) {
        drams.push_back(make_dram(round_ddr4(), cases[i].name));
        const uint64_t read_address = cases[i].read_address;
        double* end = &ends[i];
        cpus.push_back(std::make_unique<Initiator>(
            (std::string("cpu_") + cases[i].name).c_str(), *drams.back(), [read_address, end](Initiator& self) {
                uint8_t data[kBurstBytes] = {};
                sc_time delay;
                self.send(tlm::TLM_WRITE_COMMAND, 0, data, kBurstBytes, &delay);
                EXPECT_DOUBLE_EQ(delay.to_seconds() * 1e9, 28.0);
                self.send(tlm::TLM_READ_COMMAND, read_address, data, kBurstBytes, &delay);
                *end = delay.to_seconds() * 1e9;
            }));
    }
    sc_core::sc_start();
    for (size_t i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(ends[i], cases[i].expected_end) << cases[i].name;
}

TEST(DramController, AFifthActivateWaitsForTheFourActivateWindow) {
    auto dram = make_dram(round_ddr4());
    std::vector<double> ends;
    Initiator cpu("cpu", *dram, [&](Initiator& self) {
        uint8_t data[kBurstBytes];
        // Five banks, alternating bank groups: (bank-in-group, group) = (0,0) (0,1) (1,0) (1,1) (2,0).
        const uint64_t one_row_per_group = 2 * 8192;
        for (uint64_t bank = 0; bank < 5; ++bank) {
            sc_time delay;
            self.send(tlm::TLM_READ_COMMAND, (bank / 2) * one_row_per_group + (bank % 2) * kBurstBytes, data,
                      kBurstBytes, &delay);
            ends.push_back(delay.to_seconds() * 1e9);
        }
    });
    sc_core::sc_start();
    // ACTs tRRD_S = 5 ns apart at 0, 5, 10, 15; the fifth waits for tFAW = 30 after the first.
    ASSERT_EQ(ends.size(), 5u);
    EXPECT_DOUBLE_EQ(ends[3], 15 + 14 /*tRCD*/ + 14 /*tCL*/ + kBurstNs);
    EXPECT_DOUBLE_EQ(ends[4], 30 + 14 /*tRCD*/ + 14 /*tCL*/ + kBurstNs);
    EXPECT_EQ(dram->counters().get("activates"), 5u);
}

TEST(DramController, CountsRowHitsMissesAndConflicts) {
    auto dram = make_dram(round_ddr4());
    Initiator cpu("cpu", *dram, [&](Initiator& self) {
        uint8_t data[kBurstBytes];
        const uint64_t pattern[] = {
            0,                // bank 0 row 0: miss
            2 * kBurstBytes,  // bank 0 row 0 (bursts alternate groups): hit
            kBurstBytes,      // bank 1 (group 1) row 0: miss
            kBankRowStride,   // bank 0 row 1: conflict
            0,                // bank 0 row 0: conflict
            2 * 8192,         // past one row in each group: bank 2 (group 0) row 0: miss
            2 * 8192 + 128,   // bank 2 row 0: hit
        };
        for (uint64_t address : pattern) self.send(tlm::TLM_READ_COMMAND, address, data, kBurstBytes);
    });
    sc_core::sc_start();
    EXPECT_EQ(dram->counters().get("row_hits"), 2u);
    EXPECT_EQ(dram->counters().get("row_misses"), 3u);
    EXPECT_EQ(dram->counters().get("row_conflicts"), 2u);
    EXPECT_EQ(dram->counters().get("activates"), 5u);
    EXPECT_EQ(dram->counters().get("precharges"), 2u);
}

TEST(DramController, AnAccessDuringRefreshWaitsForIt) {
    auto dram = make_dram(round_ddr4());
    double done = 0;
    Initiator cpu("cpu", *dram, [&](Initiator& self) {
        self.read_and_wait(0, kBurstBytes);  // leaves bank 0 open
        wait(sc_time(7810, SC_NS) - sc_core::sc_time_stamp());
        done = self.read_and_wait(0, kBurstBytes);
    });
    sc_core::sc_start();
    // Refresh due at tREFI = 7800: precharge at 7800, REF at +tRP, device back at +tRFC; the row was
    // closed by the refresh, so the access pays ACT + tRCD + tCL + tBurst after that.
    EXPECT_DOUBLE_EQ(done, 7800 + 14 /*tRP*/ + 350 /*tRFC*/ + 14 /*tRCD*/ + 14 /*tCL*/ + kBurstNs);
    EXPECT_EQ(dram->counters().get("refreshes"), 1u);
    EXPECT_EQ(dram->counters().get("precharges"), 1u);
    EXPECT_EQ(dram->counters().get("row_misses"), 2u);
}

TEST(DramController, RefreshStealsTrfcEveryTrefiFromALongStream) {
    // The same 2 MiB stream, queued at time 0, on two channels: one refreshes every 7.8 us, the
    // other's refresh interval is beyond the run.
    auto refreshed = make_dram(round_ddr4(), "refreshed");
    std::string without = round_ddr4();
    without.replace(without.find("tREFI: 7800ns"), std::strlen("tREFI: 7800ns"), "tREFI: 1s");
    auto unrefreshed = make_dram(without, "unrefreshed");
    const unsigned transactions = 512;
    auto stream = [](double* done) {
        return [done](Initiator& self) {
            std::vector<uint8_t> data(4096);
            sc_time delay;
            for (unsigned i = 0; i < transactions; ++i) {
                self.send(tlm::TLM_READ_COMMAND, i * 4096ull, data.data(), 4096, &delay);
                *done = std::max(*done, delay.to_seconds() * 1e9);
            }
        };
    };
    double with_refresh = 0;
    double without_refresh = 0;
    Initiator a("a", *refreshed, stream(&with_refresh));
    Initiator b("b", *unrefreshed, stream(&without_refresh));
    sc_core::sc_start();
    const uint64_t refreshes = refreshed->counters().get("refreshes");
    EXPECT_EQ(refreshes, static_cast<uint64_t>(with_refresh / 7800.0));
    EXPECT_GE(refreshes, 15u);
    EXPECT_EQ(unrefreshed->counters().get("refreshes"), 0u);
    // A refresh falls between two bursts of the stream: the open rows close tRTP after the last
    // READ, REF follows tRP later and lasts tRFC; then both bank groups re-open (tRRD_S apart) and
    // the next data arrives tRCD + tCL after its ACT, where it would otherwise have followed the
    // two bursts (2 tBurst) that were in flight.
    const double per_refresh = 7 /*tRTP*/ + 14 /*tRP*/ + 350 /*tRFC*/ + 5 /*tRRD_S*/ + 14 /*tRCD*/ - 2 * kBurstNs;
    EXPECT_DOUBLE_EQ(with_refresh - without_refresh, refreshes * per_refresh);
}

TEST(DramController, EnergyFollowsTheIddFormulasOfTheDatasheet) {
    // DDR4-2400 defaults: Micron MT40A512M16 (-083), 4 devices per rank, VDD = 1.2 V, VPP = 2.5 V.
    auto dram = make_dram("{standard: DDR4-2400}");
    Initiator cpu("cpu", *dram, [&](Initiator& self) {
        uint8_t data[kBurstBytes] = {};
        self.send(tlm::TLM_WRITE_COMMAND, 0, data, kBurstBytes);              // ACT + WR
        self.send(tlm::TLM_READ_COMMAND, kBankRowStride, data, kBurstBytes);  // PRE + ACT + RD, bank 0 row 1
    });
    sc_core::sc_start();
    const double end_ns = 2000;
    dram->finalize(sc_time(end_ns, SC_NS));

    const double devices = 4, vdd = 1.2, vpp = 2.5;
    const double idd0 = 80, idd2n = 34, idd3n = 47, idd4r = 243, idd4w = 228;
    // IPP3N is also the datasheet's limit for IPP2N and IPP4R/W.
    const double ipp0 = 4, ipp3n = 3;
    const double t_ras = 32, t_rc = 46.16, t_rp = 14.16, t_burst = 8 / 2 / 1.2;  // ns
    const double e_act = devices * (vdd * (idd0 - idd3n) + vpp * (ipp0 - ipp3n)) * t_ras;
    const double e_pre = devices * (vdd * (idd0 - idd2n) + vpp * (ipp0 - ipp3n)) * (t_rc - t_ras);
    const double e_wr = devices * vdd * (idd4w - idd3n) * t_burst;
    const double e_rd = devices * vdd * (idd4r - idd3n) * t_burst;
    // A bank is open from the first ACT to the end except between PRE and the next ACT (= tRP here,
    // since write recovery pushes PRE past tRC - tRP).
    const double p_active = devices * (vdd * idd3n + vpp * ipp3n);
    const double p_precharged = devices * (vdd * idd2n + vpp * ipp3n);
    const double background = p_active * (end_ns - t_rp) + p_precharged * t_rp;

    const auto& ledger = dram->energy();
    const double tolerance = 1e-3;  // relative; tBurst is held in whole picoseconds
    EXPECT_NEAR(ledger.total_pj("act"), 2 * e_act, 2 * e_act * tolerance);
    EXPECT_NEAR(ledger.total_pj("pre"), e_pre, e_pre * tolerance);
    EXPECT_NEAR(ledger.total_pj("wr"), e_wr, e_wr * tolerance);
    EXPECT_NEAR(ledger.total_pj("rd"), e_rd, e_rd * tolerance);
    EXPECT_EQ(ledger.total_pj("ref"), 0.0);
    EXPECT_NEAR(ledger.total_pj("background"), background, background * tolerance);
    EXPECT_NEAR(ledger.total_pj(), 2 * e_act + e_pre + e_wr + e_rd + background,
                (2 * e_act + e_pre + e_wr + e_rd + background) * tolerance);
}

TEST(DramController, RefreshEnergyAndCountCoverIdleTime) {
    auto dram = make_dram("{standard: DDR4-2400}");
    Initiator idle("idle", *dram, [](Initiator&) {});
    sc_core::sc_start(sc_time(1, sc_core::SC_MS));
    dram->finalize(sc_core::sc_time_stamp());
    const double refreshes = 128;  // floor(1 ms / 7.8 us)
    EXPECT_EQ(dram->counters().get("refreshes"), static_cast<uint64_t>(refreshes));
    const double e_ref = 4 * (1.2 * (280 - 47) + 2.5 * (28 - 3)) * 350;  // (IDD5B - IDD3N) tRFC per device
    EXPECT_NEAR(dram->energy().total_pj("ref"), refreshes * e_ref, refreshes * e_ref * 1e-9);
    const double p_active = 4 * (1.2 * 47 + 2.5 * 3), p_precharged = 4 * (1.2 * 34 + 2.5 * 3);
    const double background = p_active * refreshes * 350 + p_precharged * (1e6 - refreshes * 350);
    EXPECT_NEAR(dram->energy().total_pj("background"), background, background * 1e-9);
}

TEST(DramController, Lpddr4StreamUsesItsOwnBurstAndBus) {
    auto dram = make_dram("{standard: LPDDR4-3200}");
    auto& model = as_dram(*dram);
    EXPECT_DOUBLE_EQ(model.peak_bandwidth_bytes_per_s(), 6.4e9);  // 3200 MT/s x 2 bytes
    double done = 0;
    Initiator cpu("cpu", *dram, [&](Initiator& self) { done = self.read_and_wait(0, 2048); });
    sc_core::sc_start();
    // One 2 KiB row of 32-byte bursts (BL16 on x16): tBurst = 16 / 2 / 1.6 GHz = 5 ns = tCCD.
    EXPECT_NEAR(done, 18 /*tRCD*/ + 17.5 /*RL*/ + 64 * 5.0, 1e-9);
    EXPECT_EQ(dram->counters().get("row_hits"), 63u);
}

TEST(DramController, PeakBandwidthAndReportOfDdr4) {
    auto dram = make_dram("{standard: DDR4-2400}");
    EXPECT_DOUBLE_EQ(as_dram(*dram).peak_bandwidth_bytes_per_s(), 19.2e9);
    EXPECT_EQ(dram->address_span(), uint64_t{4} << 30);
    Initiator cpu("cpu", *dram, [&](Initiator& self) { self.read_and_wait(0, 4096); });
    sc_core::sc_start();
    dram->finalize(sc_core::sc_time_stamp());
    nlohmann::json entry;
    dram->add_to_report(entry);
    EXPECT_EQ(entry["standard"], "DDR4-2400");
    EXPECT_DOUBLE_EQ(entry["peak_bandwidth_GBps"].get<double>(), 19.2);
    const double seconds = sc_core::sc_time_stamp().to_seconds();
    EXPECT_NEAR(entry["achieved_bandwidth_GBps"].get<double>(), 4096 / seconds / 1e9, 1e-6);
}

TEST(DramController, RejectsBadPayloadsWithTheMatchingResponse) {
    auto dram = make_dram(round_ddr4(", size: 64MiB"));
    const uint64_t size = uint64_t{64} << 20;
    Initiator cpu("cpu", *dram, [&](Initiator& self) {
        uint8_t data[128] = {};
        EXPECT_EQ(self.send(tlm::TLM_READ_COMMAND, size - 32, data, 64), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        EXPECT_EQ(self.send(tlm::TLM_WRITE_COMMAND, size, data, 1), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        EXPECT_EQ(self.send(tlm::TLM_READ_COMMAND, ~uint64_t{0}, data, 2), tlm::TLM_ADDRESS_ERROR_RESPONSE);
        EXPECT_EQ(self.send(tlm::TLM_IGNORE_COMMAND, 0, data, 4), tlm::TLM_COMMAND_ERROR_RESPONSE);

        tlm::tlm_generic_payload payload;
        uint8_t enables[4] = {0xFF, 0, 0xFF, 0};
        payload.set_command(tlm::TLM_WRITE_COMMAND);
        payload.set_address(0);
        payload.set_data_ptr(data);
        payload.set_data_length(4);
        payload.set_streaming_width(4);
        payload.set_byte_enable_ptr(enables);
        payload.set_byte_enable_length(0);  // a pattern of no bytes
        sc_time delay;
        self.socket->b_transport(payload, delay);
        EXPECT_EQ(payload.get_response_status(), tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);

        payload.set_byte_enable_ptr(nullptr);
        payload.set_byte_enable_length(0);
        payload.set_streaming_width(2);
        self.socket->b_transport(payload, delay);
        EXPECT_EQ(payload.get_response_status(), tlm::TLM_BURST_ERROR_RESPONSE);
    });
    sc_core::sc_start();
    EXPECT_EQ(dram->counters().get("reads") + dram->counters().get("writes"), 0u);
}

namespace {

// A strided transaction: rows of `row_bytes` every `stride` bytes, selected by byte enables.
tlm::tlm_response_status send_rows(Initiator& self, tlm::tlm_command command, uint64_t address, uint8_t* data,
                                   unsigned length, unsigned row_bytes, unsigned stride) {
    std::vector<uint8_t> pattern;
    cimvp::row_pattern(row_bytes, stride, pattern);
    tlm::tlm_generic_payload payload;
    Initiator::prepare(payload, command, address, data, length);
    payload.set_byte_enable_ptr(pattern.data());
    payload.set_byte_enable_length(stride);
    sc_time delay;
    self.socket->b_transport(payload, delay);
    return payload.get_response_status();
}

// Debug access to the whole of [address, address + length).
void debug_access(Initiator& self, tlm::tlm_command command, uint64_t address, uint8_t* data, unsigned length) {
    tlm::tlm_generic_payload payload;
    Initiator::prepare(payload, command, address, data, length);
    EXPECT_EQ(self.socket->transport_dbg(payload), length);
}

}  // namespace

TEST(DramController, AStridedTransactionMovesItsEnabledBytesInTheBurstsThatHoldThem) {
    auto dram = make_dram(round_ddr4());
    std::vector<uint8_t> memory(2048);  // what the DRAM holds, from address 0, via debug reads
    std::vector<uint8_t> read_back(400, 0x55);
    Initiator cpu("cpu", *dram, [&](Initiator& self) {
        std::vector<uint8_t> background(2048, 0xAA), rows(400);
        for (size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<uint8_t>(i + 1);
        debug_access(self, tlm::TLM_WRITE_COMMAND, 0, background.data(), 2048);
        // 4 rows of 16 bytes every 128 bytes from address 56: each row straddles two 64-byte bursts.
        EXPECT_EQ(send_rows(self, tlm::TLM_WRITE_COMMAND, 56, rows.data(), 400, 16, 128), tlm::TLM_OK_RESPONSE);
        // 4 rows of 16 bytes every 32 bytes from address 1024: two rows in each of two bursts.
        EXPECT_EQ(send_rows(self, tlm::TLM_READ_COMMAND, 1024, read_back.data(), 112, 16, 32), tlm::TLM_OK_RESPONSE);
        debug_access(self, tlm::TLM_READ_COMMAND, 0, memory.data(), 2048);
    });
    sc_core::sc_start();
    EXPECT_EQ(dram->counters().get("writes"), 8u);
    EXPECT_EQ(dram->counters().get("bytes_written"), 64u);
    EXPECT_EQ(dram->counters().get("reads"), 2u);
    EXPECT_EQ(dram->counters().get("bytes_read"), 64u);
    for (size_t address = 0; address < 1024; ++address) {
        const bool enabled = address >= 56 && address < 56 + 400 && (address - 56) % 128 < 16;
        EXPECT_EQ(memory[address], enabled ? static_cast<uint8_t>(address - 56 + 1) : 0xAA) << "address " << address;
    }
    // The read left the data pointer's disabled bytes as they were.
    for (size_t i = 0; i < 112; ++i) EXPECT_EQ(read_back[i], i % 32 < 16 ? 0xAA : 0x55) << "byte " << i;
}

TEST(DramController, DebugTransportRoundTripsWithoutTimeOrEnergy) {
    auto dram = make_dram("{standard: DDR4-2400}");
    std::vector<uint8_t> written(300);
    for (size_t i = 0; i < written.size(); ++i) written[i] = static_cast<uint8_t>(i * 7 + 1);
    std::vector<uint8_t> via_debug(written.size()), via_timed(written.size());
    Initiator cpu("cpu", *dram, [&](Initiator& self) {
        const uint64_t address = (uint64_t{4} << 30) - 4096 - 100;
        tlm::tlm_generic_payload payload;
        payload.set_command(tlm::TLM_WRITE_COMMAND);
        payload.set_address(address);
        payload.set_data_ptr(written.data());
        payload.set_data_length(static_cast<unsigned>(written.size()));
        EXPECT_EQ(self.socket->transport_dbg(payload), written.size());
        payload.set_command(tlm::TLM_READ_COMMAND);
        payload.set_data_ptr(via_debug.data());
        EXPECT_EQ(self.socket->transport_dbg(payload), written.size());
        EXPECT_EQ(dram->energy().total_pj(), 0.0);
        EXPECT_EQ(dram->counters().get("bytes_written"), 0u);

        payload.set_address(uint64_t{4} << 30);
        EXPECT_EQ(self.socket->transport_dbg(payload), 0u);
        EXPECT_EQ(payload.get_response_status(), tlm::TLM_ADDRESS_ERROR_RESPONSE);

        sc_time delay;
        self.send(tlm::TLM_READ_COMMAND, address, via_timed.data(), static_cast<unsigned>(via_timed.size()), &delay);
        EXPECT_GT(delay, sc_core::SC_ZERO_TIME);
    });
    sc_core::sc_start();
    EXPECT_EQ(via_debug, written);
    EXPECT_EQ(via_timed, written);
    EXPECT_EQ(dram->counters().get("bytes_read"), written.size());
}

TEST(DramController, BadStandardIsAConfigErrorNamingTheParameter) {
    try {
        make_dram("{standard: DDR9-9999}");
        FAIL() << "expected a ConfigError";
    } catch (const cimvp::ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find("test.yaml:1:"), std::string::npos) << error.what();
        EXPECT_NE(error.message().find("parameter 'standard': 'DDR9-9999' is not one of: DDR4-2400, LPDDR4-3200"),
                  std::string::npos)
            << error.what();
    }
}

TEST(DramController, TimingWithoutAUnitIsAConfigErrorNamingTheParameter) {
    try {
        make_dram("{standard: LPDDR4-3200, tRCD: 18}");
        FAIL() << "expected a ConfigError";
    } catch (const cimvp::ConfigError& error) {
        EXPECT_NE(error.message().find("parameter 'tRCD': missing unit"), std::string::npos) << error.what();
    }
    try {
        make_dram("{tRFC: 8us}");
        FAIL() << "expected a ConfigError";
    } catch (const cimvp::ConfigError& error) {
        EXPECT_NE(error.message().find("parameter 'tREFI': must be longer than tRFC"), std::string::npos)
            << error.what();
    }
}
