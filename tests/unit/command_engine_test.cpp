// The command-engine base, exercised through a minimal engine defined here: commands queue behind
// a doorbell, run in order, complete with an interrupt, and fail with a code and an address.
#include "models/common/command_engine.h"

#include <gtest/gtest.h>

#include <cstring>

#include "models/memory/sram_buffer.h"
#include "platform/registry.h"
#include "tests/support/platform_fixture.h"
#include "tests/support/register_probe.h"

using namespace cimvp;
using cimvp::testing::build_platform;
using cimvp::testing::run_on_host;

namespace {

// Fills `length` bytes at `destination` with `value` and then stays busy for `cycles` cycles.
struct FillCommand {
    uint64_t opcode;  // 1
    uint64_t destination;
    uint64_t length;
    uint64_t value;
    uint64_t cycles;
    uint64_t reserved[3];
};
static_assert(sizeof(FillCommand) == 64, "one descriptor");

// Copies `rows` rows of `row_bytes` from `source` (rows `source_stride` apart) to `destination`
// (rows `destination_stride` apart) through read_rows and write_rows.
struct CopyRowsCommand {
    uint64_t opcode;  // 2
    uint64_t source;
    uint64_t source_stride;
    uint64_t destination;
    uint64_t destination_stride;
    uint64_t row_bytes;
    uint64_t rows;
    uint64_t reserved;
};
static_assert(sizeof(CopyRowsCommand) == 64, "one descriptor");

class FillEngine : public CommandEngine {
public:
    struct Params {
        EngineParams engine;
        explicit Params(ParamReader& reader) : engine(reader, "1GHz") {}
    };
    explicit FillEngine(const ComponentContext& context)
        : CommandEngine(context, read_params<Params>(context).engine) {}

private:
    Outcome execute(const uint8_t* descriptor, const sc_core::sc_time& start) override {
        if (descriptor[0] == 2) return copy_rows(descriptor, start);
        FillCommand command;
        std::memcpy(&command, descriptor, sizeof command);
        if (command.opcode != 1) return rejected(offsetof(FillCommand, opcode));
        if (command.length == 0) return rejected(offsetof(FillCommand, length));
        std::vector<uint8_t> bytes(command.length, static_cast<uint8_t>(command.value));
        sc_core::sc_time when = start;
        if (!write_block(command.destination, bytes.data(), bytes.size(), when)) return bus_error();
        return finished_at(std::max(when, start + cycle() * static_cast<double>(command.cycles)));
    }
    Outcome copy_rows(const uint8_t* descriptor, const sc_core::sc_time& start) {
        CopyRowsCommand c;
        std::memcpy(&c, descriptor, sizeof c);
        std::vector<uint8_t> rows(c.rows * c.row_bytes);
        sc_core::sc_time when = start;
        if (!read_rows(c.source, c.row_bytes, c.rows, c.source_stride, rows.data(), when)) return bus_error();
        if (!write_rows(c.destination, c.row_bytes, c.rows, c.destination_stride, rows.data(), when)) {
            return bus_error();
        }
        return finished_at(when);
    }
};

CIMVP_REGISTER_MODEL("test_fill_engine", FillEngine, "fills memory (command-engine test)");

// A memory that, like many TLM targets, does not implement byte enables: it answers them with
// TLM_BYTE_ENABLE_ERROR_RESPONSE, as IEEE 1666 allows.
class PlainMemory : public Component {
public:
    struct Params {
        explicit Params(ParamReader&) {}
    };
    explicit PlainMemory(const ComponentContext& context) : Component(context), tgt("tgt"), bytes_(64 * 1024) {
        tgt.register_b_transport(this, &PlainMemory::b_transport);
        tgt.register_transport_dbg(this, &PlainMemory::transport_dbg);
        expose_target("tgt", tgt);
    }
    tlm_utils::simple_target_socket<PlainMemory> tgt;
    uint64_t address_span() const override { return bytes_.size(); }

private:
    void b_transport(tlm::tlm_generic_payload& payload, sc_core::sc_time&) {
        if (payload.get_byte_enable_ptr() != nullptr) {
            payload.set_response_status(tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
            return;
        }
        transport_dbg(payload);
    }
    unsigned int transport_dbg(tlm::tlm_generic_payload& payload) {
        const uint64_t address = payload.get_address(), length = payload.get_data_length();
        if (address + length > bytes_.size()) {
            payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
            return 0;
        }
        uint8_t* data = payload.get_data_ptr();
        if (payload.is_read()) {
            std::memcpy(data, bytes_.data() + address, length);
        } else {
            std::memcpy(bytes_.data() + address, data, length);
        }
        payload.set_response_status(tlm::TLM_OK_RESPONSE);
        return static_cast<unsigned int>(length);
    }
    std::vector<uint8_t> bytes_;
};

CIMVP_REGISTER_MODEL("test_plain_memory", PlainMemory, "memory without byte enables (command-engine test)");

constexpr uint64_t kEngine = 0x100, kBuffer = 0x10000, kCommands = kBuffer + 0x8000, kDram = 0x100000,
                   kPlain = 0x200000;

const char* kNetlist = R"(
platform: t
modules:
  - {name: host, type: host}
  - {name: noc, type: router}
  - {name: fill, type: test_fill_engine, params: {queue_depth: 4, burst: 256B}}
  - {name: buf, type: sram_buffer, params: {size: 64KiB}}
  - {name: dram, type: dram_controller, params: {size: 1MiB}}
  - {name: plain, type: test_plain_memory}
connections:
  - {from: host.mem, to: noc.in}
  - {from: fill.mem, to: noc.in}
  - {from: noc.out, to: fill.cfg, at: 0x100}
  - {from: noc.out, to: buf.tgt, at: 0x10000}
  - {from: noc.out, to: dram.tgt, at: 0x100000}
  - {from: noc.out, to: plain.tgt, at: 0x200000}
  - {from: fill.irq, to: host.irq}
)";

FillCommand fill(uint64_t destination, uint64_t length, uint8_t value, uint64_t cycles = 0) {
    return FillCommand{1, destination, length, value, cycles, {0, 0, 0}};
}

template <class Command = FillCommand>  // the default lets a braced list of fills deduce nothing
void place(Host& host, const std::vector<Command>& commands, uint64_t at = kCommands) {
    host.load(at, commands.data(), commands.size() * sizeof(Command));
    host.write64(kEngine + engine_reg::kCommandAddress, at);
}

// Runs one row copy and returns the engine's transactions and bytes read and written, after
// checking every copied byte and that the gaps between destination rows are untouched (zero).
struct RowCopyCounts {
    uint64_t transactions, bytes_read, bytes_written;
};
RowCopyCounts copy_and_check(const CopyRowsCommand& command) {
    auto platform = build_platform(kNetlist);
    const uint64_t source_span = (command.rows - 1) * command.source_stride + command.row_bytes;
    std::vector<uint8_t> source(source_span);
    for (size_t i = 0; i < source.size(); ++i) source[i] = static_cast<uint8_t>(i * 13 + 5);
    const uint64_t destination_span = (command.rows - 1) * command.destination_stride + command.row_bytes;
    std::vector<uint8_t> copied(destination_span + 1);
    uint64_t status = 0;
    run_on_host(*platform, [&](Host& host) {
        host.load(command.source, source.data(), source.size());
        place(host, std::vector<CopyRowsCommand>{command});
        host.write64(kEngine + engine_reg::kDoorbell, 1);
        host.wait_for_interrupt();
        status = host.read64(kEngine + engine_reg::kStatus);
        host.peek(command.destination, copied.data(), copied.size());
    });
    EXPECT_EQ(status, engine_reg::kStatusDone);
    for (uint64_t row = 0; row < command.rows; ++row) {
        for (uint64_t byte = 0; byte < command.row_bytes; ++byte) {
            EXPECT_EQ(copied[row * command.destination_stride + byte], source[row * command.source_stride + byte])
                << "row " << row << " byte " << byte;
        }
        if (command.destination_stride > command.row_bytes) {
            EXPECT_EQ(copied[row * command.destination_stride + command.row_bytes], 0) << "gap after row " << row;
        }
    }
    const auto& engine = platform->get<FillEngine>("fill", "test");
    return {engine.counters().get("transactions"), engine.counters().get("bytes_read"),
            engine.counters().get("bytes_written")};
}

}  // namespace

TEST(CommandEngine, RunsQueuedCommandsInOrderAndInterruptsWhenTheQueueDrains) {
    auto platform = build_platform(kNetlist);
    auto& buffer = platform->get<SramBuffer>("buf", "test");
    auto& engine = platform->get<FillEngine>("fill", "test");
    uint64_t queued_while_running = 0, status = 0, completed = 0, queued_after = 9;
    bool irq_before_ack = false, irq_after_ack = true;
    run_on_host(*platform, [&](Host& host) {
        // Overlapping fills: the later command must win where they overlap.
        place(host,
              {fill(kBuffer, 100, 0x11, 1000), fill(kBuffer + 50, 100, 0x22, 1000), fill(kBuffer + 120, 10, 0x33)});
        host.write64(kEngine + engine_reg::kDoorbell, 3);
        queued_while_running = host.read64(kEngine + engine_reg::kQueued);
        host.wait_for_interrupt();
        irq_before_ack = host.irq.read();
        status = host.read64(kEngine + engine_reg::kStatus);
        completed = host.read64(kEngine + engine_reg::kCompleted);
        queued_after = host.read64(kEngine + engine_reg::kQueued);
        host.write64(kEngine + engine_reg::kStatus, status);
        sc_core::wait(sc_core::SC_ZERO_TIME);
        irq_after_ack = host.irq.read();
    });
    EXPECT_EQ(queued_while_running, 3u);
    EXPECT_TRUE(irq_before_ack);
    EXPECT_EQ(status, engine_reg::kStatusDone);
    EXPECT_EQ(completed, 3u);
    EXPECT_EQ(queued_after, 0u);
    EXPECT_FALSE(irq_after_ack);
    EXPECT_EQ(buffer.data()[0], 0x11);
    EXPECT_EQ(buffer.data()[49], 0x11);
    EXPECT_EQ(buffer.data()[50], 0x22);
    EXPECT_EQ(buffer.data()[119], 0x22);
    EXPECT_EQ(buffer.data()[120], 0x33);
    EXPECT_EQ(buffer.data()[130], 0x22);
    EXPECT_EQ(buffer.data()[150], 0);
    EXPECT_EQ(engine.counters().get("commands"), 3u);
    EXPECT_EQ(engine.counters().get("bytes_written"), 210u);
    // Three descriptor fetches and three fills, each under one 256-byte burst.
    EXPECT_EQ(engine.counters().get("transactions"), 6u);
    // The two long commands run one after the other: at least 2 x 1000 cycles of 1 ns.
    EXPECT_GE(engine.busy().busy().to_seconds(), 2000e-9);
    EXPECT_LT(engine.busy().busy().to_seconds(), 2100e-9);
}

TEST(CommandEngine, AnArmedQueueWatermarkHoldsTheInterruptWhileTheQueueIsDownToIt) {
    auto platform = build_platform(kNetlist);
    uint64_t reset_watermark = 0, armed_watermark = 0, queued_at_irq = 9, completed_at_irq = 9, status_at_irq = 0;
    bool irq_after_disarm = true, irq_when_armed_below = false;
    sc_core::sc_time irq_at, done_at;
    run_on_host(*platform, [&](Host& host) {
        reset_watermark = host.read64(kEngine + engine_reg::kQueueWatermark);
        // Three commands of 1000 cycles: the queue is down to one once the second has finished.
        place(host, {fill(kBuffer, 8, 1, 1000), fill(kBuffer, 8, 2, 1000), fill(kBuffer, 8, 3, 1000)});
        host.write64(kEngine + engine_reg::kDoorbell, 3);
        host.write64(kEngine + engine_reg::kQueueWatermark, 1);
        armed_watermark = host.read64(kEngine + engine_reg::kQueueWatermark);
        host.wait_for_interrupt();
        irq_at = sc_core::sc_time_stamp();
        queued_at_irq = host.read64(kEngine + engine_reg::kQueued);
        completed_at_irq = host.read64(kEngine + engine_reg::kCompleted);
        status_at_irq = host.read64(kEngine + engine_reg::kStatus);
        // Disarming lowers the line: the watermark is not a status bit to acknowledge.
        host.write64(kEngine + engine_reg::kQueueWatermark, engine_reg::kWatermarkOff);
        sc_core::wait(sc_core::SC_ZERO_TIME);
        irq_after_disarm = host.irq.read();
        // Armed at or above the queue level, it raises the line at once.
        host.write64(kEngine + engine_reg::kQueueWatermark, 3);
        sc_core::wait(sc_core::SC_ZERO_TIME);
        irq_when_armed_below = host.irq.read();
        host.write64(kEngine + engine_reg::kQueueWatermark, engine_reg::kWatermarkOff);
        sc_core::wait(sc_core::SC_ZERO_TIME);
        host.wait_for_interrupt();  // done
        done_at = sc_core::sc_time_stamp();
    });
    EXPECT_EQ(reset_watermark, engine_reg::kWatermarkOff);
    EXPECT_EQ(armed_watermark, 1u);
    EXPECT_EQ(queued_at_irq, 1u);
    EXPECT_EQ(completed_at_irq, 2u);
    EXPECT_EQ(status_at_irq, engine_reg::kStatusBusy);
    EXPECT_FALSE(irq_after_disarm);
    EXPECT_TRUE(irq_when_armed_below);
    // The second command ends after two descriptor fetches, two decodes and 2 x 1000 cycles.
    EXPECT_GE(irq_at.to_seconds(), 2000e-9);
    EXPECT_LT(irq_at.to_seconds(), 2100e-9);
    EXPECT_GE(done_at.to_seconds(), 3000e-9);
    EXPECT_LT(done_at.to_seconds(), 3150e-9);
}

TEST(CommandEngine, ADoorbellBeyondTheQueueDepthIsRejected) {
    auto platform = build_platform(kNetlist);
    uint64_t status = 0, code = 0, address = 0, completed = 9, depth = 0, status_after_zero = 0;
    run_on_host(*platform, [&](Host& host) {
        depth = host.read64(kEngine + engine_reg::kQueueDepth);
        place(host, {fill(kBuffer, 8, 1), fill(kBuffer, 8, 1), fill(kBuffer, 8, 1), fill(kBuffer, 8, 1),
                     fill(kBuffer, 8, 1)});
        host.write64(kEngine + engine_reg::kDoorbell, 5);
        host.wait_for_interrupt();
        status = host.read64(kEngine + engine_reg::kStatus);
        code = host.read64(kEngine + engine_reg::kErrorCode);
        address = host.read64(kEngine + engine_reg::kErrorAddress);
        completed = host.read64(kEngine + engine_reg::kCompleted);
        host.write64(kEngine + engine_reg::kStatus, status);
        host.write64(kEngine + engine_reg::kDoorbell, 0);  // zero commands is an error too
        status_after_zero = host.read64(kEngine + engine_reg::kStatus);
    });
    EXPECT_EQ(depth, 4u);
    EXPECT_EQ(status, engine_reg::kStatusError);
    EXPECT_EQ(code, engine_error::kBadDoorbell);
    EXPECT_EQ(address, kCommands);
    EXPECT_EQ(completed, 0u);
    EXPECT_EQ(status_after_zero, engine_reg::kStatusError);
}

TEST(CommandEngine, AFailedCommandDropsTheQueueAndDoorbellsWaitForTheAcknowledge) {
    auto platform = build_platform(kNetlist);
    auto& buffer = platform->get<SramBuffer>("buf", "test");
    FillCommand bad = fill(kBuffer + 300, 8, 5);
    bad.length = 0;
    uint64_t status = 0, code = 0, address = 0, completed = 0, queued_while_failed = 9, status_later = 0;
    run_on_host(*platform, [&](Host& host) {
        place(host, {fill(kBuffer, 8, 7), bad, fill(kBuffer + 200, 8, 9)});
        host.write64(kEngine + engine_reg::kDoorbell, 3);
        host.wait_for_interrupt();
        status = host.read64(kEngine + engine_reg::kStatus);
        code = host.read64(kEngine + engine_reg::kErrorCode);
        address = host.read64(kEngine + engine_reg::kErrorAddress);
        completed = host.read64(kEngine + engine_reg::kCompleted);
        host.write64(kEngine + engine_reg::kDoorbell, 1);  // ignored: the error is not acknowledged
        queued_while_failed = host.read64(kEngine + engine_reg::kQueued);
        host.write64(kEngine + engine_reg::kStatus, status);
        place(host, {fill(kBuffer + 400, 8, 4)}, kCommands + 0x400);
        host.write64(kEngine + engine_reg::kDoorbell, 1);
        host.wait_for_interrupt();
        status_later = host.read64(kEngine + engine_reg::kStatus);
    });
    EXPECT_EQ(status, engine_reg::kStatusError);
    EXPECT_EQ(code, engine_error::kBadDescriptor);
    EXPECT_EQ(address, kCommands + 64 + offsetof(FillCommand, length));
    EXPECT_EQ(completed, 1u);
    EXPECT_EQ(queued_while_failed, 0u);
    EXPECT_EQ(buffer.data()[0], 7);
    EXPECT_EQ(buffer.data()[200], 0);  // the command behind the failure never ran
    EXPECT_EQ(status_later, engine_reg::kStatusDone);
    EXPECT_EQ(buffer.data()[400], 4);
}

TEST(CommandEngine, ABusErrorReportsTheFailingAddress) {
    auto platform = build_platform(kNetlist);
    uint64_t status = 0, code = 0, address = 0;
    run_on_host(*platform, [&](Host& host) {
        place(host, {fill(kBuffer + 0xFF00, 0x200, 1)});  // runs 0x100 bytes past the end of the buffer
        host.write64(kEngine + engine_reg::kDoorbell, 1);
        host.wait_for_interrupt();
        status = host.read64(kEngine + engine_reg::kStatus);
        code = host.read64(kEngine + engine_reg::kErrorCode);
        address = host.read64(kEngine + engine_reg::kErrorAddress);
    });
    EXPECT_EQ(status, engine_reg::kStatusError);
    EXPECT_EQ(code, engine_error::kBusError);
    EXPECT_EQ(address, kBuffer + 0x10000);  // the second 256-byte burst is the first out of range
}

TEST(CommandEngine, OneSixteenByteWriteSetsTheCommandAddressAndRingsTheDoorbell) {
    auto platform = build_platform(kNetlist);
    auto& buffer = platform->get<SramBuffer>("buf", "test");
    uint64_t status = 0, completed = 0, address = 0;
    run_on_host(*platform, [&](Host& host) {
        const std::vector<FillCommand> fills = {fill(kBuffer, 16, 0x44), fill(kBuffer + 16, 16, 0x55)};
        host.load(kCommands + 0x400, fills.data(), fills.size() * sizeof(FillCommand));
        const uint64_t words[2] = {kCommands + 0x400, 2};
        host.write(kEngine + engine_reg::kCommandAddress, words, sizeof words);
        host.wait_for_interrupt();
        status = host.read64(kEngine + engine_reg::kStatus);
        completed = host.read64(kEngine + engine_reg::kCompleted);
        address = host.read64(kEngine + engine_reg::kCommandAddress);
    });
    EXPECT_EQ(status, engine_reg::kStatusDone);
    EXPECT_EQ(completed, 2u);
    EXPECT_EQ(address, kCommands + 0x400);
    EXPECT_EQ(buffer.data()[15], 0x44);
    EXPECT_EQ(buffer.data()[16], 0x55);
}

TEST(CommandEngine, TheRegisterWindowRejectsBadAccesses) {
    auto platform = build_platform(kNetlist);
    std::vector<std::string> failures;
    run_on_host(*platform, [&](Host& host) {
        const std::function<void()> accesses[] = {
            [&] { host.read64(kEngine + engine_reg::kWindowSize); },
            [&] { host.write64(kEngine + engine_reg::kCompleted, 1); },
            [&] {
                uint32_t word = 0;
                host.read(kEngine + engine_reg::kStatus, &word, 4);
            },
            [&] {  // 16 bytes only as a write of the command address and the doorbell
                uint64_t words[2] = {0, 1};
                host.write(kEngine + engine_reg::kDoorbell, words, sizeof words);
            },
            [&] {
                uint64_t words[2] = {};
                host.read(kEngine + engine_reg::kCommandAddress, words, sizeof words);
            },
        };
        for (const auto& access : accesses) {
            try {
                access();
                failures.push_back("");
            } catch (const SimulationError& error) {
                failures.push_back(error.what());
            }
        }
    });
    ASSERT_EQ(failures.size(), 5u);
    for (const std::string& failure : failures) EXPECT_NE(failure.find("ADDRESS_ERROR"), std::string::npos) << failure;
}

TEST(CommandEngine, TheRegisterWindowRefusesByteEnablesStreamingAndIgnoreCommands) {
    // Registers have no byte lanes or FIFO: such accesses get the base protocol's error responses,
    // and the refused writes leave the command address as it was.
    auto platform = build_platform(kNetlist);
    auto& engine = platform->get<FillEngine>("fill", "test");
    std::vector<tlm::tlm_response_status> responses;
    uint64_t command_address = 1;
    run_on_host(*platform, [&](Host& host) {
        responses = cimvp::testing::refused_register_accesses(engine.cfg, engine_reg::kCommandAddress, 0x1234);
        command_address = host.read64(kEngine + engine_reg::kCommandAddress);
    });
    EXPECT_EQ(responses, cimvp::testing::kRefusedRegisterResponses);
    EXPECT_EQ(command_address, 0u);
}

TEST(CommandEngine, RowsApartMoveAsStridedTransactionsOfOneBurstOfData) {
    // 10 rows of 40 bytes, 100 apart, into rows 64 apart, with 256-byte bursts: one burst of data
    // holds 256 / 40 = 6 rows, so each side moves 6 rows and then 4.
    const RowCopyCounts counts = copy_and_check({2, kBuffer + 0x100, 100, kBuffer + 0x1000, 64, 40, 10, 0});
    EXPECT_EQ(counts.transactions, 1u + 2u + 2u);  // descriptor, 2 reads, 2 writes
    EXPECT_EQ(counts.bytes_read, 400u);            // the rows, not the spans
    EXPECT_EQ(counts.bytes_written, 400u);
}

TEST(CommandEngine, RowsFarApartMoveWithinASpanOfAtMostSixteenBursts) {
    static_assert(CommandEngine::kMaxSpanBursts == 16, "the counts below assume 16 bursts");
    // 12 rows of 8 bytes, 1000 apart: a burst holds 32 such rows, but a span of 16 x 256 bytes
    // only 1 + (4096 - 8) / 1000 = 5, so the reads take 5 + 5 + 2 rows. The writes, 16 apart, take
    // all 12 rows at once.
    const RowCopyCounts counts = copy_and_check({2, kBuffer + 0x100, 1000, kBuffer + 0x4000, 16, 8, 12, 0});
    EXPECT_EQ(counts.transactions, 1u + 3u + 1u);
    EXPECT_EQ(counts.bytes_read, 96u);
    EXPECT_EQ(counts.bytes_written, 96u);
}

TEST(CommandEngine, OverlappingRowsAreReadOnceAsTheirSpan) {
    // 5 windows of 64 bytes every 16 bytes cover 4 * 16 + 64 = 128 bytes: one read of them; the
    // 320 packed bytes are written back to back in bursts of 256 + 64.
    const RowCopyCounts counts = copy_and_check({2, kBuffer + 0x100, 16, kBuffer + 0x1000, 64, 64, 5, 0});
    EXPECT_EQ(counts.transactions, 1u + 1u + 2u);
    EXPECT_EQ(counts.bytes_read, 128u);
    EXPECT_EQ(counts.bytes_written, 320u);
}

TEST(CommandEngine, TheDramTakesRowsApartAsOneStridedTransaction) {
    // 3 rows of 40 bytes, 100 apart in DRAM, into back-to-back rows: one strided read, one block write.
    const RowCopyCounts counts = copy_and_check({2, kDram + 0x100, 100, kBuffer + 0x1000, 40, 40, 3, 0});
    EXPECT_EQ(counts.transactions, 1u + 1u + 1u);
    EXPECT_EQ(counts.bytes_read, 120u);
    EXPECT_EQ(counts.bytes_written, 120u);
}

TEST(CommandEngine, ATargetWithoutByteEnablesGetsTheRowsOneByOne) {
    // After the refused strided read, 3 reads of a row.
    const RowCopyCounts counts = copy_and_check({2, kPlain + 0x100, 100, kBuffer + 0x1000, 40, 40, 3, 0});
    EXPECT_EQ(counts.transactions, 1u + 1u + 3u + 1u);
    EXPECT_EQ(counts.bytes_read, 120u);
    EXPECT_EQ(counts.bytes_written, 120u);
}
