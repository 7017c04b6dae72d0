// Per-engine VCD signals read back from waves.vcd: a DRAM bank's state and open row at the exact
// picosecond of each ACT, PRE and REF, and a CIM macro's active word lines and running ADC and
// MARS-skip counters, all against closed forms of the timing parameters and the array geometry.
#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "models/cim/sparse_tile.h"
#include "models/cim/sram_cim_macro.h"
#include "platform/registry.h"
#include "platform/tracer.h"
#include "tests/support/engine_commands.h"
#include "tests/support/macro_fixture.h"
#include "tests/support/platform_fixture.h"
#include "tests/support/temp_files.h"

using namespace cimvp;
using namespace cimvp::testing;

namespace {

// --- reading waves.vcd back ---------------------------------------------------------------------

struct Wave {
    int width = 0;
    std::vector<std::pair<int64_t, double>> changes;  // (time in ps, value), one per time stamp

    // The value in force at `ps` (the last change at or before it).
    double at(int64_t ps) const {
        double value = -1;
        for (const auto& [when, changed] : changes) {
            if (when > ps) break;
            value = changed;
        }
        return value;
    }
};

// Every signal of the file by "instance.name"; several changes of a signal at one time stamp keep
// the last, as a waveform viewer shows it.
std::map<std::string, Wave> read_vcd(const std::string& path) {
    std::istringstream lines(read_text(path));
    std::map<std::string, std::string> name_of_id;
    std::map<std::string, Wave> waves;
    std::string line, scope;
    int64_t now = -1;
    bool body = false;
    while (std::getline(lines, line)) {
        if (line.empty()) continue;
        std::istringstream words(line);
        if (!body) {
            std::string keyword, kind, id, name;
            int width = 0;
            words >> keyword;
            if (keyword == "$scope") words >> kind >> scope;
            if (keyword == "$var") {
                words >> kind >> width >> id >> name;
                name_of_id[id] = scope + "." + name;
                waves[scope + "." + name].width = kind == "real" ? 0 : width;
            }
            body = keyword == "$enddefinitions";
            continue;
        }
        if (line[0] == '#') {
            now = std::stoll(line.substr(1));
            continue;
        }
        std::string id;
        double value = 0;
        if (line[0] == 'b') {
            const size_t space = line.find(' ');
            value = static_cast<double>(std::stoull(line.substr(1, space - 1), nullptr, 2));
            id = line.substr(space + 1);
        } else if (line[0] == 'r') {
            const size_t space = line.find(' ');
            value = std::stod(line.substr(1, space - 1));
            id = line.substr(space + 1);
        } else {
            value = line[0] == '1' ? 1 : 0;
            id = line.substr(1);
        }
        auto& changes = waves.at(name_of_id.at(id)).changes;
        if (!changes.empty() && changes.back().first == now) {
            changes.back().second = value;
        } else {
            changes.emplace_back(now, value);
        }
    }
    return waves;
}

constexpr int64_t kPsPerNs = 1000;

// --- DRAM -------------------------------------------------------------------------------------

// DDR4-2400 organisation (8 banks in 2 groups, 8 KiB rows, 4 GiB: 65536 rows per bank) with round
// timings in ns, so that every command time is a whole number.
constexpr int64_t tRCD = 14, tRP = 14, tCL = 14, tRAS = 32, tRC = 50, tRTP = 7, tRFC = 350, tREFI = 7800;
const char* const kDram =
    "{standard: DDR4-2400, data_clock: 1000MHz, tRCD: 14ns, tRP: 14ns, tCL: 14ns, tCWL: 10ns, tRAS: 32ns, "
    "tRC: 50ns, tCCD_S: 4ns, tCCD_L: 5ns, tRRD_S: 5ns, tRRD_L: 6ns, tFAW: 30ns, tWR: 15ns, tRTP: 7ns, "
    "tRFC: 350ns, tREFI: 7800ns}";
constexpr unsigned kBanks = 8;
constexpr uint64_t kBurstBytes = 64;
constexpr uint64_t kNextRowOfBank0 = kBanks * 8192;  // row_bank_column_group: row above bank and column bits

// Sends timed reads to the DRAM's target socket from a thread.
struct Reader : sc_core::sc_module {
    tlm_utils::simple_initiator_socket<Reader> socket;
    std::function<void(Reader&)> script;

    SC_HAS_PROCESS(Reader);
    Reader(sc_core::sc_module_name name, Component& dram, std::function<void(Reader&)> body)
        : sc_core::sc_module(name), socket("socket"), script(std::move(body)) {
        socket.bind(*dram.target_ports().at("tgt").socket);
        SC_THREAD(run);
    }
    void run() { script(*this); }

    // One burst read arriving `offset` after now, not waited for (loosely timed).
    void read(uint64_t address, const sc_core::sc_time& offset = sc_core::SC_ZERO_TIME) {
        uint8_t data[kBurstBytes];
        tlm::tlm_generic_payload payload;
        payload.set_command(tlm::TLM_READ_COMMAND);
        payload.set_address(address);
        payload.set_data_ptr(data);
        payload.set_data_length(kBurstBytes);
        payload.set_streaming_width(kBurstBytes);
        sc_core::sc_time delay = offset;
        socket->b_transport(payload, delay);
        EXPECT_EQ(payload.get_response_status(), tlm::TLM_OK_RESPONSE);
    }
};

// --- CIM macro --------------------------------------------------------------------------------

// A 128 x 128 macro, 16 word lines per group (8 groups), 8 columns per ADC, a 1 GHz clock, and the
// rows split into two partitions of 4 groups each.
const char* const kMacroParams = "max_active_wl: 16, columns_per_adc: 8, partitions: 2";

// Signed 8-bit weights (8 one-bit columns each) at row 0, column 0, and signed 8-bit inputs.
CimWeightWriteCommand weight_write_8bit(int rows, int channels, uint64_t mask_address = 0) {
    return weight_write(rows, channels, 8, true, 0, 0, mask_address);
}
CimMvmCommand mvm_8bit(int vectors, int row_offset, int rows, int channels) {
    return mvm(vectors, rows, channels, 8, 8, cim_flag::kSignedInputs | cim_flag::kSignedWeights, row_offset);
}

// Runs `commands` on the macro of kMacroParams with every instance traced; returns the macro's
// counters and the waveforms.
std::pair<Counters, std::map<std::string, Wave>> run_macro(const std::vector<uint8_t>& weights,
                                                           const std::vector<uint8_t>& mask,
                                                           const std::vector<Descriptor>& commands,
                                                           const std::string& directory) {
    auto platform = build_platform(macro_netlist(kMacroParams));
    TraceConfig config;
    config.vcd_all = true;
    Tracer tracer(config);
    for (const auto& component : platform->components()) component->attach_tracer(&tracer);
    run_on_host(*platform, [&](Host& host) {
        host.load(kWeights, weights.data(), weights.size());
        if (!mask.empty()) host.load(kMask, mask.data(), mask.size());
        const std::vector<uint8_t> inputs(16 * 1024, 0x35);
        host.load(kInputs, inputs.data(), inputs.size());
        expect_done(run_macro_commands(host, commands));
    });
    tracer.write(directory, "t");
    const Component& macro = platform->get<SramCimMacro>("macro", "test");
    return {macro.counters(), read_vcd(directory + "/waves.vcd")};
}

// The runs of one non-zero value of active_rows: (value, total ps it was held), in order of time.
std::vector<std::pair<double, int64_t>> active_runs(const Wave& active_rows) {
    std::vector<std::pair<double, int64_t>> runs;
    for (size_t i = 0; i + 1 < active_rows.changes.size(); ++i) {
        const auto& [when, value] = active_rows.changes[i];
        if (value == 0) continue;
        const int64_t held = active_rows.changes[i + 1].first - when;
        if (!runs.empty() && runs.back().first == value) {
            runs.back().second += held;
        } else {
            runs.emplace_back(value, held);
        }
    }
    return runs;
}

}  // namespace

TEST(VcdSignals, DramBankStateAndRowFollowActPreAndRefreshTimes) {
    const ModelType* type = ModelRegistry::instance().find("dram_controller");
    ASSERT_NE(type, nullptr);
    auto dram = type->create(ComponentContext{"dram", "dram_controller", YAML::Load(kDram), "test.yaml", {}, 1e9});
    TraceConfig config;
    config.vcd_all = true;
    Tracer tracer(config);
    dram->attach_tracer(&tracer);
    const int64_t late_ns = 9000;  // after the first refresh (due at tREFI) has ended
    Reader reader("reader", *dram, [&](Reader& self) {
        // Bank 0: row 0, row 1, row 0 again, all arriving at 0, then row 1 long after.
        self.read(0);
        self.read(kNextRowOfBank0);
        self.read(0);
        self.read(kNextRowOfBank0, sc_core::sc_time(static_cast<double>(late_ns), sc_core::SC_NS));
    });
    sc_core::sc_start();
    dram->finalize(sc_core::sc_time_stamp());
    const std::string directory = temp_directory("vcd-dram");
    tracer.write(directory, "t");
    const auto waves = read_vcd(directory + "/waves.vcd");

    // ACT row 0 at 0; its PRE waits for tRAS (longer than tRCD + tRTP); the next ACT for tRC (longer
    // than tRAS + tRP); and so on. The open bank is precharged when the refresh falls due at tREFI,
    // REF starts tRP later and lasts tRFC; the late read opens row 1 on its arrival.
    static_assert(tRAS > tRCD + tRTP && tRC > tRAS + tRP, "the closed form below assumes these");
    const int64_t act1 = tRC, pre1 = tRAS, pre2 = act1 + tRAS, act2 = act1 + tRC;
    const int64_t refresh = tREFI + tRP;
    const std::vector<std::pair<int64_t, double>> state = {{0, 1},
                                                           {pre1 * kPsPerNs, 0},
                                                           {act1 * kPsPerNs, 1},
                                                           {pre2 * kPsPerNs, 0},
                                                           {act2 * kPsPerNs, 1},
                                                           {tREFI * kPsPerNs, 0},
                                                           {refresh * kPsPerNs, 2},
                                                           {(refresh + tRFC) * kPsPerNs, 0},
                                                           {late_ns * kPsPerNs, 1}};
    EXPECT_EQ(waves.at("dram.bank0_state").changes, state);
    EXPECT_EQ(waves.at("dram.bank0_state").width, 2);
    // The row changes only with an ACT and keeps its value while the bank is closed.
    const std::vector<std::pair<int64_t, double>> row = {
        {0, 0}, {act1 * kPsPerNs, 1}, {act2 * kPsPerNs, 0}, {late_ns * kPsPerNs, 1}};
    EXPECT_EQ(waves.at("dram.bank0_row").changes, row);
    EXPECT_EQ(waves.at("dram.bank0_row").width, 16) << "65536 rows per bank";
    // Every bank refreshes for exactly tRFC, including those that were never opened.
    for (unsigned bank = 1; bank < kBanks; ++bank) {
        const std::vector<std::pair<int64_t, double>> idle = {
            {0, 0}, {refresh * kPsPerNs, 2}, {(refresh + tRFC) * kPsPerNs, 0}};
        EXPECT_EQ(waves.at("dram.bank" + std::to_string(bank) + "_state").changes, idle) << bank;
        EXPECT_EQ(waves.count("dram.bank" + std::to_string(bank) + "_row"), 0u) << "never opened";
    }
    EXPECT_EQ(dram->counters().get("activates"), 4u);
    EXPECT_EQ(dram->counters().get("precharges"), 3u);
    EXPECT_EQ(dram->counters().get("refreshes"), 1u);
}

TEST(VcdSignals, MacroActiveRowsAndAdcConversionsFollowTheGeometry) {
    // One 128-row x 4-channel tile (32 columns in 4 ADC column groups), then three MVMs of P vectors
    // of 8-bit inputs over parts of it. Per input bit, every activated group converts 32 columns
    // in 8 rounds (each ADC serves its 8 columns in turn); the partitions work in parallel.
    //   rows 0..39:  groups 0, 1, 2 (16, 16 and 8 rows), all in partition 0: 16 word lines at
    //                once, 3 x 32 conversions and 3 x 8 cycles per step;
    //   rows 0..127: groups 0..3 and 4..7 side by side: 2 x 16 = 32 word lines, 8 x 32 conversions,
    //                4 x 8 cycles per step;
    //   rows 4..11:  inside group 0: 8 word lines, 32 conversions, 8 cycles per step.
    const int C = 4, P = 40, bits = 8;
    const std::vector<uint8_t> weights(128 * C, 0x03);
    const std::vector<Descriptor> commands = {
        descriptor_of(weight_write_8bit(128, C)), descriptor_of(mvm_8bit(P, 0, 40, C)),
        descriptor_of(mvm_8bit(P, 0, 128, C)), descriptor_of(mvm_8bit(P, 4, 8, C))};
    const auto [counters, waves] = run_macro(weights, {}, commands, temp_directory("vcd-macro"));
    const uint64_t steps = uint64_t{P} * bits;
    const uint64_t adc[3] = {steps * 3 * 32, steps * 8 * 32, steps * 1 * 32};
    const int64_t cycles[3] = {static_cast<int64_t>(steps) * 3 * 8, static_cast<int64_t>(steps) * 4 * 8,
                               static_cast<int64_t>(steps) * 8};

    const Wave& active = waves.at("macro.active_rows");
    EXPECT_EQ(active.width, 8) << "wide enough for all 128 rows";
    // Each MVM holds its word lines for exactly its compute cycles at 1 ns, whatever the bus did.
    const std::vector<std::pair<double, int64_t>> runs = {
        {16, cycles[0] * kPsPerNs}, {32, cycles[1] * kPsPerNs}, {8, cycles[2] * kPsPerNs}};
    EXPECT_EQ(active_runs(active), runs);
    EXPECT_EQ(active.changes.front(), std::make_pair(int64_t{0}, 0.0));
    EXPECT_EQ(active.changes.back().second, 0);

    // The running total steps once per MVM, when its last word lines go off.
    const Wave& conversions = waves.at("macro.adc_conversions");
    EXPECT_EQ(conversions.width, 64);
    std::vector<int64_t> falls;
    for (size_t i = 1; i < active.changes.size(); ++i) {
        if (active.changes[i].second == 0) falls.push_back(active.changes[i].first);
    }
    ASSERT_EQ(conversions.changes.size(), 4u);
    EXPECT_EQ(conversions.changes[0], std::make_pair(int64_t{0}, 0.0));
    double total = 0;
    for (int i = 0; i < 3; ++i) {
        total += static_cast<double>(adc[i]);
        EXPECT_EQ(conversions.changes[i + 1].second, total) << i;
        EXPECT_EQ(conversions.at(conversions.changes[i + 1].first - 1), total - static_cast<double>(adc[i])) << i;
    }
    EXPECT_EQ(conversions.changes[2].first, falls.at(falls.size() - 2)) << "second MVM ends with its last chunk";
    EXPECT_EQ(conversions.changes[3].first, falls.back());
    EXPECT_EQ(conversions.changes.back().second, static_cast<double>(counters.get("adc_conversions")));
    EXPECT_EQ(waves.at("macro.skipped_groups").changes.back().second, 0) << "a dense tile skips nothing";
}

TEST(VcdSignals, MacroSignalsCountMarsSkippedBlocks) {
    // A 32-row x 2-channel tile: 2 word-line groups x 2 column groups, of which only (group 0,
    // channel 0) is kept. Group 1 is never switched on, so 16 word lines are active; per input bit
    // 3 blocks are skipped and 8 columns converted.
    const int R = 32, C = 2, P = 4, bits = 8;
    const std::vector<uint8_t> mask = {1, 0, 0, 0};
    const SparseTileLayout layout(R, C, 8, 8, 16, 8);
    const auto packed = layout.pack(std::vector<int32_t>(R * C, 5), mask);
    const auto [counters, waves] =
        run_macro(packed, mask, {descriptor_of(weight_write_8bit(R, C, kMask)), descriptor_of(mvm_8bit(P, 0, R, C))},
                  temp_directory("vcd-macro-mars"));
    const uint64_t steps = uint64_t{P} * bits;
    const std::vector<std::pair<double, int64_t>> runs = {{16, static_cast<int64_t>(steps) * 8 * kPsPerNs}};
    EXPECT_EQ(active_runs(waves.at("macro.active_rows")), runs);
    const Wave& skipped = waves.at("macro.skipped_groups");
    ASSERT_EQ(skipped.changes.size(), 2u);
    EXPECT_EQ(skipped.changes[1].second, static_cast<double>(steps * 3));
    EXPECT_EQ(skipped.changes[1].second, static_cast<double>(counters.get("skipped_groups")));
    EXPECT_EQ(waves.at("macro.adc_conversions").changes.back().second, static_cast<double>(steps * 8));
}
