// Bank interleaving and conflicts of the SRAM buffer against closed-form cycle counts.
#include "models/memory/sram_buffer.h"

#include <gtest/gtest.h>
#include <tlm_utils/simple_initiator_socket.h>

#include "platform/byte_enables.h"
#include "platform/registry.h"

using namespace cimvp;

namespace {

// Issues a list of accesses at chosen start times straight into one target socket, without
// waiting in between, as concurrent initiators would.
struct BurstInitiator : sc_core::sc_module {
    struct Access {
        uint64_t address;
        unsigned length;
        sc_core::sc_time done;
        tlm::tlm_response_status status;
        std::vector<uint8_t> enables = {};  // a byte-enable pattern, if any
        RowPattern hint = {};               // attached when hint.stride != 0
        sc_core::sc_time issued_at = {};    // the annotated delay: when the access arrives
    };
    tlm_utils::simple_initiator_socket<BurstInitiator> socket;
    std::vector<Access> accesses;

    SC_HAS_PROCESS(BurstInitiator);
    explicit BurstInitiator(sc_core::sc_module_name name) : sc_core::sc_module(name), socket("socket") {
        SC_THREAD(issue);
    }
    void issue() {
        std::vector<uint8_t> data(4096);
        for (Access& access : accesses) {
            tlm::tlm_generic_payload payload;
            payload.set_command(tlm::TLM_WRITE_COMMAND);
            payload.set_address(access.address);
            payload.set_data_ptr(data.data());
            payload.set_data_length(access.length);
            payload.set_streaming_width(access.length);
            if (!access.enables.empty()) {
                payload.set_byte_enable_ptr(access.enables.data());
                payload.set_byte_enable_length(static_cast<unsigned>(access.enables.size()));
            }
            if (access.hint.stride != 0) payload.set_extension(&access.hint);
            sc_core::sc_time delay = access.issued_at;
            socket->b_transport(payload, delay);
            if (access.hint.stride != 0) payload.clear_extension(&access.hint);
            access.done = delay;
            access.status = payload.get_response_status();
        }
    }
};

const char* kParams =
    "{size: 4KiB, banks: 4, width: 8B, clock: 1GHz, read_latency: 0ns, write_latency: 0ns, write_energy: 2pJ,"
    " bitcell_area: 0.1um2, array_efficiency: 0.5}";

// The buffer alone, created through the registry, with the test initiator bound to its socket.
struct Bench {
    std::unique_ptr<Component> component =
        ModelRegistry::instance()
            .find("sram_buffer")
            ->create(ComponentContext{"buf", "sram_buffer", YAML::Load(kParams), "test.yaml", {}, 1e9});
    SramBuffer& buffer = dynamic_cast<SramBuffer&>(*component);
    BurstInitiator initiator{"initiator"};
    Bench() { initiator.socket.bind(*buffer.target_ports().at("tgt").socket); }
};

sc_core::sc_time ns(double value) { return sc_core::sc_time(value, sc_core::SC_NS); }

}  // namespace

TEST(SramBuffer, ConsecutiveWordsSpreadOverBanks) {
    Bench bench;
    // 8 words over 4 banks: 2 cycles per bank.
    bench.initiator.accesses = {{0, 64, {}, {}}};
    sc_core::sc_start();
    EXPECT_EQ(bench.initiator.accesses[0].done, ns(2));
    EXPECT_EQ(bench.buffer.counters().get("bank_conflict_cycles"), 0u);
    EXPECT_DOUBLE_EQ(bench.buffer.energy().total_pj(), 8 * 2.0);
}

TEST(SramBuffer, AccessesToDifferentBanksProceedInParallel) {
    Bench bench;
    // Words 0-1 sit in banks 0-1, words 2-3 in banks 2-3: no shared bank.
    bench.initiator.accesses = {{0, 16, {}, {}}, {16, 16, {}, {}}};
    sc_core::sc_start();
    EXPECT_EQ(bench.initiator.accesses[0].done, ns(1));
    EXPECT_EQ(bench.initiator.accesses[1].done, ns(1));
    EXPECT_EQ(bench.buffer.counters().get("bank_conflict_cycles"), 0u);
}

TEST(SramBuffer, AccessesToTheSameBankSerialize) {
    Bench bench;
    // Word 0 and word 4 both live in bank 0: the second waits one cycle.
    bench.initiator.accesses = {{0, 8, {}, {}}, {32, 8, {}, {}}, {64, 8, {}, {}}};
    sc_core::sc_start();
    EXPECT_EQ(bench.initiator.accesses[0].done, ns(1));
    EXPECT_EQ(bench.initiator.accesses[1].done, ns(2));
    EXPECT_EQ(bench.initiator.accesses[2].done, ns(3));
    EXPECT_EQ(bench.buffer.counters().get("bank_conflict_cycles"), 1u + 2u);
}

// Accesses from initiators running ahead of the kernel arrive out of time order. Each bank still
// serves an access in its first free stretch at or after the access's arrival, whether every bank
// gets the same words (a whole 32-byte row of banks) or only some do (one word, bank 0).
TEST(SramBuffer, AnAccessArrivingLaterInSimulationButEarlierInTimeTakesTheFreeCyclesBefore) {
    Bench bench;
    bench.initiator.accesses = {
        {0, 32, {}, {}, {}, {}, ns(100)},  // banks 0-3 busy [100, 101)
        {0, 8, {}, {}, {}, {}, ns(10)},    // bank 0 alone, [10, 11): free, although booked at 100
        {0, 32, {}, {}, {}, {}, ns(100)},  // every bank waits a cycle: [101, 102)
        {0, 32, {}, {}, {}, {}, ns(10)},   // bank 0 waits for [10, 11), banks 1-3 do not
        {0, 32, {}, {}, {}, {}, ns(50)},   // nothing booked at 50
        {0, 64, {}, {}, {}, {}, ns(99)},   // two cycles per bank do not fit before 100: [102, 104)
    };
    sc_core::sc_start();
    const std::vector<double> done_ns = {101, 11, 102, 12, 51, 104};
    for (size_t i = 0; i < done_ns.size(); ++i) EXPECT_EQ(bench.initiator.accesses[i].done, ns(done_ns[i])) << i;
    EXPECT_EQ(bench.buffer.counters().get("bank_conflict_cycles"), 4u * 1 + 1 + 4u * 3);
    // Busy from each arrival to its last word, counted once: [10, 12), [50, 51) and [99, 104).
    EXPECT_EQ(bench.buffer.busy().busy(), ns(2 + 1 + 5));
}

// 4 rows of 16 bytes every 32 bytes (words 0-1, 4-5, 8-9, 12-13): each row's 2 words go to banks 0
// and 1, which serve 4 words each from the same arrival. The gaps keep their bytes.
void expect_strided_write_of_four_rows(bool with_hint) {
    Bench bench;
    std::fill(bench.buffer.data(), bench.buffer.data() + 128, 0xAA);
    BurstInitiator::Access strided{0, 3 * 32 + 16, {}, {}};
    row_pattern(16, 32, strided.enables);
    if (with_hint) {
        strided.hint.row_bytes = 16;
        strided.hint.stride = 32;
    }
    bench.initiator.accesses = {strided};
    sc_core::sc_start();
    EXPECT_EQ(bench.initiator.accesses[0].status, tlm::TLM_OK_RESPONSE);
    EXPECT_EQ(bench.initiator.accesses[0].done, ns(4));
    EXPECT_EQ(bench.buffer.counters().get("bank_conflict_cycles"), 0u);  // its own rows do not conflict
    EXPECT_EQ(bench.buffer.counters().get("bytes_written"), 64u);
    EXPECT_DOUBLE_EQ(bench.buffer.energy().total_pj(), 8 * 2.0);
    for (int row = 0; row < 4; ++row) {
        EXPECT_EQ(bench.buffer.data()[row * 32], 0) << "row " << row;
        EXPECT_EQ(bench.buffer.data()[row * 32 + 15], 0) << "row " << row;
        EXPECT_EQ(bench.buffer.data()[row * 32 + 16], 0xAA) << "gap after row " << row;
        EXPECT_EQ(bench.buffer.data()[row * 32 + 31], 0xAA) << "gap after row " << row;
    }
}

TEST(SramBuffer, AStridedWriteMovesOnlyItsRowsWhichTheBanksServeTogether) { expect_strided_write_of_four_rows(false); }

TEST(SramBuffer, TheRowPatternHintChangesNothing) { expect_strided_write_of_four_rows(true); }

TEST(SramBuffer, ByteEnableRunsMergeAcrossPeriods) {
    // Pattern 1101 over 10 bytes enables 0-1, 3-5 and 7-9: the run at a period's end joins the next.
    std::vector<uint8_t> pattern = {TLM_BYTE_ENABLED, TLM_BYTE_ENABLED, TLM_BYTE_DISABLED, TLM_BYTE_ENABLED};
    tlm::tlm_generic_payload payload;
    payload.set_data_length(10);
    payload.set_byte_enable_ptr(pattern.data());
    payload.set_byte_enable_length(4);
    std::vector<std::pair<uint64_t, uint64_t>> runs;
    for_each_enabled_run(payload, [&runs](uint64_t offset, uint64_t length) { runs.emplace_back(offset, length); });
    const std::vector<std::pair<uint64_t, uint64_t>> expected = {{0, 2}, {3, 3}, {7, 3}};
    EXPECT_EQ(runs, expected);
    EXPECT_EQ(enabled_bytes(payload), 8u);
}

TEST(SramBuffer, RejectsOutOfRangeAccesses) {
    Bench bench;
    bench.initiator.accesses = {{4096 - 8, 16, {}, {}}, {8192, 8, {}, {}}};
    sc_core::sc_start();
    EXPECT_EQ(bench.initiator.accesses[0].status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(bench.initiator.accesses[1].status, tlm::TLM_ADDRESS_ERROR_RESPONSE);
}

TEST(SramBuffer, AreaIsBitsTimesCellOverEfficiency) {
    Bench bench;
    EXPECT_DOUBLE_EQ(bench.buffer.area_um2(), 4096 * 8 * 0.1 / 0.5);
}
