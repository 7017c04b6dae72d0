// The scheduler runs program images like firmware: it drives the DMA engine through its driver,
// waits on barriers, raises interrupts, and stops with the PC and a reason on a bad instruction,
// an unmapped address or an engine fault, without hanging.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "firmware/host/program_loader.h"
#include "firmware/scheduler/scheduler.h"
#include "models/cim/sparse_tile.h"
#include "models/memory/sram_buffer.h"
#include "tests/support/platform_fixture.h"
#include "tests/support/register_probe.h"
#include "tests/support/temp_files.h"

using namespace cimvp;
using cimvp::testing::build_platform;
using cimvp::testing::run_on_host;

namespace {

const char* kNetlist = R"(
platform: t
modules:
  - {name: host, type: host}
  - {name: noc, type: router}
  - {name: sched, type: scheduler, params: {poll_interval: 20ns}}
  - {name: dma, type: dma_engine}
  - {name: mem, type: sram_buffer, params: {size: 1MiB}}
  - {name: macro, type: sram_cim_macro, params: {bits_per_cell: 2}}
connections:
  - {from: host.mem, to: noc.in}
  - {from: sched.mem, to: noc.in}
  - {from: dma.mem, to: noc.in}
  - {from: noc.out, to: sched.cfg, at: 0x1000}
  - {from: noc.out, to: dma.cfg, at: 0x3000}
  - {from: noc.out, to: mem.tgt, at: 0x100000}
  - {from: macro.mem, to: noc.in}
  - {from: noc.out, to: macro.cfg, at: 0x4000}
  - {from: sched.irq, to: host.irq}
)";

constexpr uint64_t kScheduler = 0x1000, kMemory = 0x100000, kImage = kMemory, kCode = kMemory + 0x10000;

isa::Instruction dma(uint64_t src, uint64_t dst, uint64_t row_bytes, uint64_t rows, uint64_t src_stride,
                     uint64_t dst_stride) {
    isa::Instruction instruction(isa::Opcode::kDma);
    instruction.set("engine", 1).set("src", src).set("dst", dst).set("row_bytes", row_bytes).set("rows", rows);
    instruction.set("src_stride", src_stride).set("dst_stride", dst_stride);
    return instruction;
}

std::vector<uint8_t> image_of(std::vector<isa::Instruction> code, const std::string& dma_instance = "dma") {
    isa::ProgramImage image;
    image.engines = {{1, dma_instance}, {2, "macro"}};
    image.code_address = kCode;
    image.code = std::move(code);
    return isa::encode_image(image);
}

// The DMA engine's interrupt line wired to the scheduler, which then sleeps in sync instead of polling.
const std::string kInterruptLine = "  - {from: dma.irq, to: sched.engine_irq}\n";

struct ProgramRun {
    explicit ProgramRun(const std::string& netlist = kNetlist) : platform(build_platform(netlist)) {}
    std::unique_ptr<Platform> platform;
    ProgramOutcome outcome;
    uint64_t error_code = 0, error_pc = 0;

    void execute(const std::vector<uint8_t>& image, const std::function<void(Host&)>& before = {}) {
        run_on_host(*platform, [&](Host& host) {
            load_program(host, image, kImage);
            if (before) before(host);
            outcome = run_program(host, kScheduler, kImage, "sched", *platform);
            error_code = host.read64(kScheduler + scheduler_reg::kErrorCode);
            error_pc = host.read64(kScheduler + scheduler_reg::kErrorPc);
        });
    }
    uint8_t* memory() { return platform->get<SramBuffer>("mem", "test").data(); }
};

isa::Instruction interrupt(uint64_t code) { return isa::Instruction(isa::Opcode::kInterrupt).set("code", code); }

}  // namespace

TEST(Scheduler, RunsDmaCopiesWaitsOnBarrierAndRaisesInterrupts) {
    ProgramRun run;
    for (int i = 0; i < 4096; ++i) run.memory()[0x20000 + i] = static_cast<uint8_t>(i * 13 + 1);
    run.execute(image_of({dma(kMemory + 0x20000, kMemory + 0x30000, 4096, 1, 0, 0),
                          dma(kMemory + 0x20000, kMemory + 0x40000, 16, 8, 512, 32),  // 2-D gather
                          isa::Instruction(isa::Opcode::kBarrier), interrupt(7), isa::Instruction(isa::Opcode::kHalt)}));
    ASSERT_TRUE(run.outcome.ok) << run.outcome.error;
    EXPECT_EQ(run.outcome.executed, 5u);
    EXPECT_EQ(run.outcome.interrupts, 1u);
    EXPECT_EQ(run.outcome.last_interrupt_code, 7u);
    EXPECT_EQ(0, std::memcmp(run.memory() + 0x30000, run.memory() + 0x20000, 4096));
    for (int row = 0; row < 8; ++row) {
        EXPECT_EQ(0, std::memcmp(run.memory() + 0x40000 + row * 32, run.memory() + 0x20000 + row * 512, 16)) << row;
    }
    const auto& scheduler = run.platform->get<Scheduler>("sched", "test");
    EXPECT_EQ(scheduler.counters().get("instructions"), 5u);
    EXPECT_DOUBLE_EQ(scheduler.energy().total_pj("instruction"), 5 * 10.0);
    // Each of the two DMA descriptors is 8 words of the command RAM, written by the scheduler and
    // read by the engine.
    EXPECT_EQ(scheduler.energy().events().at("command_ram_word").count, 2u * (8 + 8));
    EXPECT_DOUBLE_EQ(scheduler.energy().total_pj(), 5 * 10.0 + 2 * (8 + 8) * 10.0);
    // The DMA engine's interrupt is not wired to the scheduler here: the barrier polls its status.
    EXPECT_GT(scheduler.counters().get("polls"), 0u);
    EXPECT_EQ(scheduler.counters().get("interrupt_waits"), 0u);
}

TEST(Scheduler, ItsAreaIsTheCoresPlusItsCommandRamAtTheBitCellDensity) {
    std::string netlist = kNetlist;
    const std::string params = "params: {poll_interval: 20ns}";
    netlist.replace(netlist.find(params), params.size(),
                    "params: {area: 1000um2, command_ram: 2KiB, bitcell_area: 0.2um2, array_efficiency: 0.5}");
    const auto platform = build_platform(netlist);
    EXPECT_DOUBLE_EQ(platform->get<Scheduler>("sched", "test").area_um2(), 1000.0 + 2048 * 8 * 0.2 / 0.5);
}

TEST(Scheduler, ByDefaultItsAreaIsA4KiBCommandRamOnly) {
    // 4 KiB of 0.127 um2 cells at 70% efficiency, about 0.006 mm2; the core's own area is not modelled.
    const auto platform = build_platform(kNetlist);
    EXPECT_DOUBLE_EQ(platform->get<Scheduler>("sched", "test").area_um2(), 4096 * 8 * 0.127 / 0.7);
}

// Runs 9 signals and a halt (640 bytes of code) with the scheduler's `fetch_bytes`, and returns
// the scheduler's own NoC transactions: every transaction but the host's.
uint64_t scheduler_transactions(const std::string& fetch_bytes) {
    std::vector<isa::Instruction> code(9, isa::Instruction(isa::Opcode::kSignal).set("semaphore", 1));
    code.push_back(isa::Instruction(isa::Opcode::kHalt));
    std::string netlist = kNetlist;
    const std::string params = "params: {poll_interval: 20ns}";
    netlist.replace(netlist.find(params), params.size(), "params: {poll_interval: 20ns, fetch_bytes: " + fetch_bytes + "}");
    ProgramRun run(netlist);
    run.execute(image_of(code));
    EXPECT_TRUE(run.outcome.ok) << run.outcome.error;
    EXPECT_EQ(run.outcome.executed, 10u);
    return run.platform->get<Component>("noc", "test").counters().get("transactions") -
           run.platform->get<Component>("host", "test").counters().get("accesses");
}

// The header, the section table and the two engine records are one read each, and the halt's
// barrier reads each engine's queue level and status: 8 reads besides the code.
TEST(Scheduler, FetchesCodeAheadInReadsOfFetchBytes) {
    EXPECT_EQ(scheduler_transactions("256B"), 8u + 3u);  // 256 + 256 + the last 128 bytes
}

TEST(Scheduler, FetchesOneInstructionPerReadWithFetchBytesOf64) {
    EXPECT_EQ(scheduler_transactions("64B"), 8u + 10u);
}

TEST(Scheduler, AProgramThatHaltsRightAfterItsInterruptsIsSeenToFinish) {
    // The host acknowledges an interrupt while the next ones and the end are raised; it must still
    // see the end rather than wait for a line that the done bit keeps high.
    std::vector<isa::Instruction> code(9, interrupt(3));
    code.push_back(isa::Instruction(isa::Opcode::kHalt));
    ProgramRun run;
    run.execute(image_of(code));
    ASSERT_TRUE(run.outcome.ok) << run.outcome.error;
    EXPECT_EQ(run.outcome.executed, 10u);
    // Interrupts raised before the host reads the status are seen as one.
    EXPECT_GE(run.outcome.interrupts, 1u);
    EXPECT_LE(run.outcome.interrupts, 9u);
    EXPECT_EQ(run.outcome.last_interrupt_code, 3u);
}

TEST(Scheduler, SleepsInSyncUntilAWiredEngineInterrupts) {
    ProgramRun run(std::string(kNetlist) + kInterruptLine);
    for (int i = 0; i < 4096; ++i) run.memory()[0x20000 + i] = static_cast<uint8_t>(i * 7 + 3);
    run.execute(image_of({dma(kMemory + 0x20000, kMemory + 0x30000, 4096, 1, 0, 0),
                          isa::Instruction(isa::Opcode::kSync).set("engine", 1), interrupt(2),
                          dma(kMemory + 0x30000, kMemory + 0x40000, 4096, 1, 0, 0),
                          isa::Instruction(isa::Opcode::kHalt)}));
    ASSERT_TRUE(run.outcome.ok) << run.outcome.error;
    EXPECT_EQ(0, std::memcmp(run.memory() + 0x40000, run.memory() + 0x20000, 4096));
    const auto& scheduler = run.platform->get<Scheduler>("sched", "test");
    // The sync and the final barrier each find the copy running and sleep once until it finishes.
    EXPECT_EQ(scheduler.counters().get("polls"), 0u);
    EXPECT_EQ(scheduler.counters().get("interrupt_waits"), 2u);
}

// The test netlist with 3 command slots, a second DMA engine (engine 3, `dma2`) and a second
// memory (`mem2`, 256 KiB at kMemory2) on its own NoC port.
constexpr uint64_t kMemory2 = 0x300000;
std::string three_slot_netlist() {
    std::string netlist = kNetlist;
    const std::string params = "params: {poll_interval: 20ns}";
    netlist.replace(netlist.find(params), params.size(), "params: {poll_interval: 20ns, command_ram: 192B}");
    const std::string modules_end = "connections:\n";
    netlist.insert(netlist.find(modules_end),
                   "  - {name: dma2, type: dma_engine}\n  - {name: mem2, type: sram_buffer, params: {size: 256KiB}}\n");
    return netlist + "  - {from: dma2.mem, to: noc.in}\n  - {from: noc.out, to: dma2.cfg, at: 0x5000}\n" +
           "  - {from: noc.out, to: mem2.tgt, at: 0x300000}\n";
}

std::vector<uint8_t> image_with_two_dmas(std::vector<isa::Instruction> code) {
    isa::ProgramImage image;
    image.engines = {{1, "dma"}, {2, "macro"}, {3, "dma2"}};
    image.code_address = kCode;
    image.code = std::move(code);
    return isa::encode_image(image);
}

TEST(Scheduler, ACommandSlotWaitsOnlyForTheCommandThatHeldIt) {
    // Slot 0: a short copy on dma; slot 1: a 128 KiB copy on dma2, within mem2; slot 2 and then
    // slot 0 again: short copies on dma; then a sync on dma and an interrupt. Neither filling the
    // ring's last slot nor reusing slot 0 may wait for dma2.
    ProgramRun run(three_slot_netlist());
    sc_core::sc_time interrupted;
    isa::Instruction copy_on_dma2 = dma(kMemory2, kMemory2 + 0x20000, 128 * 1024, 1, 0, 0);
    copy_on_dma2.set("engine", 3);
    const auto image = image_with_two_dmas({dma(kMemory, kMemory + 0x1000, 64, 1, 0, 0), copy_on_dma2,
                                            dma(kMemory, kMemory + 0x2000, 64, 1, 0, 0),
                                            dma(kMemory, kMemory + 0x3000, 64, 1, 0, 0),
                                            isa::Instruction(isa::Opcode::kSync).set("engine", 1), interrupt(5),
                                            isa::Instruction(isa::Opcode::kHalt)});
    sc_core::sc_time started;
    run_on_host(*run.platform, [&](Host& host) {
        load_program(host, image, kImage);
        started = sc_core::sc_time_stamp();
        run.outcome = run_program(host, kScheduler, kImage, "sched", *run.platform,
                                  [&](uint64_t) { interrupted = sc_core::sc_time_stamp(); });
    });
    ASSERT_TRUE(run.outcome.ok) << run.outcome.error;
    // The long copy takes at least 2048 cycles of the 64-byte NoC port; the interrupt comes long before.
    EXPECT_GT(run.outcome.duration, sc_core::sc_time(2048, sc_core::SC_NS));
    EXPECT_LT(interrupted - started, run.outcome.duration / 4.0);
}

TEST(Scheduler, AnEdgeRaisedWhileTheFirmwareWasNotWaitingDoesNotWakeALaterSync) {
    // dma finishes a short copy while the firmware polls dma2 (not wired) through a long one, so
    // dma's done edge is latched with nobody waiting. The firmware then gives dma a long copy and
    // syncs on it: that sync must sleep once, until the new copy's edge, not wake at once on the old.
    ProgramRun run(three_slot_netlist() + kInterruptLine);
    for (int i = 0; i < 16 * 1024; ++i) run.memory()[0x20000 + i] = static_cast<uint8_t>(i * 5 + 2);
    isa::Instruction long_on_dma2 = dma(kMemory2, kMemory2 + 0x20000, 64 * 1024, 1, 0, 0);
    long_on_dma2.set("engine", 3);
    run.execute(image_with_two_dmas({dma(kMemory + 0x20000, kMemory + 0x1000, 64, 1, 0, 0), long_on_dma2,
                                     isa::Instruction(isa::Opcode::kSync).set("engine", 3),
                                     dma(kMemory + 0x20000, kMemory + 0x40000, 16 * 1024, 1, 0, 0),
                                     isa::Instruction(isa::Opcode::kSync).set("engine", 1),
                                     isa::Instruction(isa::Opcode::kHalt)}));
    ASSERT_TRUE(run.outcome.ok) << run.outcome.error;
    EXPECT_EQ(0, std::memcmp(run.memory() + 0x40000, run.memory() + 0x20000, 16 * 1024));
    const auto& scheduler = run.platform->get<Scheduler>("sched", "test");
    EXPECT_GT(scheduler.counters().get("polls"), 0u);  // the sync on dma2
    EXPECT_EQ(scheduler.counters().get("interrupt_waits"), 1u);
}

TEST(Scheduler, FreeingACommandSlotDoesNotOverfillTheEnginesQueue) {
    // dma holds 2 commands. Its second long copy reuses slot 0 while its first still runs there;
    // freeing the slot reads dma's queue level, which must not count the command being issued as
    // room. Then a third long copy and a short one: with one slot too many believed free, the short
    // copy's doorbell would find the queue full and the engine would refuse it.
    std::string netlist = three_slot_netlist();
    const std::string dma_module = "{name: dma, type: dma_engine}";
    netlist.replace(netlist.find(dma_module), dma_module.size(), "{name: dma, type: dma_engine, params: {queue_depth: 2}}");
    ProgramRun run(netlist);
    for (int i = 0; i < 16 * 1024; ++i) run.memory()[0x20000 + i] = static_cast<uint8_t>(i * 3 + 1);
    isa::Instruction short_on_dma2 = dma(kMemory2, kMemory2 + 0x1000, 64, 1, 0, 0);
    short_on_dma2.set("engine", 3);
    const auto long_copy = [](uint64_t to) { return dma(kMemory + 0x20000, kMemory + to, 16 * 1024, 1, 0, 0); };
    run.execute(image_with_two_dmas({long_copy(0x40000), short_on_dma2, short_on_dma2, long_copy(0x50000),
                                     long_copy(0x60000), dma(kMemory + 0x20000, kMemory + 0x70000, 64, 1, 0, 0),
                                     isa::Instruction(isa::Opcode::kHalt)}));
    ASSERT_TRUE(run.outcome.ok) << run.outcome.error;
    for (uint64_t to : {0x40000, 0x50000, 0x60000}) {
        EXPECT_EQ(0, std::memcmp(run.memory() + to, run.memory() + 0x20000, 16 * 1024)) << std::hex << to;
    }
    EXPECT_EQ(0, std::memcmp(run.memory() + 0x70000, run.memory() + 0x20000, 64));
}

// Five copies on one engine (dma) through 3 slots: while the first (long) copy runs, the second
// and third wait in the engine's queue, unfetched. The fourth may take slot 0 only after the first
// has finished, and the fifth slot 1 only after the second has; each copy must land.
void run_five_copies_through_three_slots(ProgramRun& run) {
    for (int i = 0; i < 64 * 1024; ++i) run.memory()[0x20000 + i] = static_cast<uint8_t>(i * 11 + 7);
    std::vector<isa::Instruction> code = {dma(kMemory + 0x20000, kMemory + 0x60000, 64 * 1024, 1, 0, 0)};
    for (uint64_t i = 1; i < 5; ++i) code.push_back(dma(kMemory + 0x20000 + 256 * i, kMemory + 0x1000 * i, 256, 1, 0, 0));
    code.push_back(isa::Instruction(isa::Opcode::kHalt));
    run.execute(image_with_two_dmas(code));
    ASSERT_TRUE(run.outcome.ok) << run.outcome.error;
    EXPECT_EQ(0, std::memcmp(run.memory() + 0x60000, run.memory() + 0x20000, 64 * 1024));
    for (int i = 1; i < 5; ++i) {
        EXPECT_EQ(0, std::memcmp(run.memory() + 0x1000 * i, run.memory() + 0x20000 + 256 * i, 256)) << "copy " << i;
    }
}

TEST(Scheduler, ACommandSlotIsNotOverwrittenBeforeItsEngineHasFetchedIt) {
    // dma's interrupt is not wired here: the firmware polls its queue level.
    ProgramRun run(three_slot_netlist());
    run_five_copies_through_three_slots(run);
    EXPECT_GT(run.platform->get<Scheduler>("sched", "test").counters().get("polls"), 0u);
}

TEST(Scheduler, WaitsForACommandSlotOnTheEnginesQueueWatermarkInterrupt) {
    // With dma's interrupt wired, reusing a slot sleeps on the queue watermark instead of polling.
    ProgramRun run(three_slot_netlist() + kInterruptLine);
    run_five_copies_through_three_slots(run);
    const auto& scheduler = run.platform->get<Scheduler>("sched", "test");
    EXPECT_EQ(scheduler.counters().get("polls"), 0u);
    EXPECT_GE(scheduler.counters().get("interrupt_waits"), 1u);
}

TEST(Scheduler, RefusesAnEngineInterruptWiredTwice) {
    try {
        build_platform(std::string(kNetlist) + kInterruptLine + kInterruptLine);
        FAIL() << "a second wire from dma.irq to sched.engine_irq was accepted";
    } catch (const ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find("test.yaml:"), std::string::npos) << error.what();
        EXPECT_NE(std::string(error.what()).find("'dma' already drives sched.engine_irq"), std::string::npos)
            << error.what();
    }
}

TEST(Scheduler, StopsOnAnUnknownOpcodeNamingThePc) {
    ProgramRun run;
    const auto image = image_of({isa::Instruction(isa::Opcode::kBarrier), isa::Instruction(isa::Opcode::kHalt)});
    run.execute(image, [](Host& host) {
        const uint8_t bad_opcode[2] = {0xff, 0x7f};  // overwrite the second instruction's opcode
        host.load(kCode + 64, bad_opcode, 2);
    });
    EXPECT_FALSE(run.outcome.ok);
    EXPECT_EQ(run.error_code, scheduler_error::kBadInstruction);
    EXPECT_EQ(run.error_pc, kCode + 64);
    EXPECT_NE(run.outcome.error.find("scheduler stopped at pc 0x110040: unknown opcode 0x7fff"), std::string::npos)
        << run.outcome.error;
}

TEST(Scheduler, ReportsADmaFaultOnAnUnmappedAddressAtTheBarrier) {
    ProgramRun run;
    run.execute(image_of({dma(0x7000000, kMemory, 64, 1, 0, 0), isa::Instruction(isa::Opcode::kBarrier),
                          isa::Instruction(isa::Opcode::kHalt)}));
    EXPECT_FALSE(run.outcome.ok);
    EXPECT_EQ(run.error_code, scheduler_error::kEngineFault);
    EXPECT_EQ(run.error_pc, kCode + 64);
    EXPECT_EQ(run.outcome.error,
              "scheduler stopped at pc 0x110040: barrier: engine 'dma': error code 0x1 at address 0x7000000");
}

TEST(Scheduler, StopsWhenTheProgramAddressIsUnmapped) {
    ProgramRun run;
    run_on_host(*run.platform, [&](Host& host) {
        run.outcome = run_program(host, kScheduler, 0x9000000, "sched", *run.platform);
    });
    EXPECT_FALSE(run.outcome.ok);
    EXPECT_EQ(run.outcome.error,
              "scheduler stopped at pc 0x9000000: read at 0x9000000 failed: TLM_ADDRESS_ERROR_RESPONSE");
}

TEST(Scheduler, RefusesAnEngineTheNetlistDoesNotHave) {
    ProgramRun run;
    run.execute(image_of({dma(kMemory, kMemory + 64, 64, 1, 0, 0), isa::Instruction(isa::Opcode::kHalt)}, "dma9"));
    EXPECT_FALSE(run.outcome.ok);
    EXPECT_EQ(run.error_code, scheduler_error::kBadEngine);
    EXPECT_EQ(run.outcome.error,
              "scheduler stopped at pc 0x100000: engine 1 is bound to 'dma9', which the platform does not map");
}

TEST(Scheduler, TheRegisterWindowRefusesByteEnablesStreamingAndIgnoreCommands) {
    // As every register window (platform/register_window.h): the refused writes leave the program
    // address as it was, and a refused write to the control register starts nothing.
    auto platform = build_platform(kNetlist);
    auto& scheduler = platform->get<Scheduler>("sched", "test");
    std::vector<tlm::tlm_response_status> address_responses, control_responses;
    uint64_t program_address = 1, status = 1;
    run_on_host(*platform, [&](Host& host) {
        address_responses = cimvp::testing::refused_register_accesses(scheduler.cfg, scheduler_reg::kProgramAddress, 64);
        control_responses = cimvp::testing::refused_register_accesses(scheduler.cfg, scheduler_reg::kControl, 1);
        sc_core::wait(1, sc_core::SC_US);
        program_address = host.read64(kScheduler + scheduler_reg::kProgramAddress);
        status = host.read64(kScheduler + scheduler_reg::kStatus);
    });
    EXPECT_EQ(address_responses, cimvp::testing::kRefusedRegisterResponses);
    EXPECT_EQ(control_responses, cimvp::testing::kRefusedRegisterResponses);
    EXPECT_EQ(program_address, 0u);
    EXPECT_EQ(status, 0u);
}

TEST(Scheduler, WaitBlocksUntilTheHostSignals) {
    ProgramRun run;
    sc_core::sc_time signalled;
    auto image = image_of({isa::Instruction(isa::Opcode::kWait).set("semaphore", 3).set("count", 2),
                           interrupt(1), isa::Instruction(isa::Opcode::kHalt)});
    run_on_host(*run.platform, [&](Host& host) {
        load_program(host, image, kImage);
        host.write64(kScheduler + scheduler_reg::kProgramAddress, kImage);
        host.write64(kScheduler + scheduler_reg::kControl, 1);
        sc_core::wait(5, sc_core::SC_US);
        EXPECT_EQ(host.read64(kScheduler + scheduler_reg::kStatus), scheduler_reg::kStatusRunning);
        host.write64(kScheduler + scheduler_reg::kSignal, 3);
        host.write64(kScheduler + scheduler_reg::kSignal, 3);
        signalled = sc_core::sc_time_stamp();
        host.wait_for_interrupt();
        EXPECT_GE(sc_core::sc_time_stamp(), signalled);
        EXPECT_EQ(host.read64(kScheduler + scheduler_reg::kInterruptCode), 1u);
    });
}

TEST(Scheduler, DrivesTheCimMacroThroughWeightWriteAndMvm) {
    // A 40 x 6 int4 weight tile at channel 3 of a 2-bit-cell macro, and 5 signed int8 input vectors;
    // results must equal the plain integer dot products.
    ProgramRun run;
    constexpr int kRows = 40, kChannels = 6, kVectors = 5, kChannelOffset = 3;
    constexpr uint64_t kWeights = kMemory + 0x20000, kInputs = kMemory + 0x21000, kOutputs = kMemory + 0x22000;
    std::vector<int8_t> weights(kRows * kChannels), inputs(kVectors * kRows);
    for (size_t i = 0; i < weights.size(); ++i) weights[i] = static_cast<int8_t>((i * 7 + 3) % 15 - 7);  // int4
    for (size_t i = 0; i < inputs.size(); ++i) inputs[i] = static_cast<int8_t>((i * 37 + 11) % 256 - 128);
    // Stored as the macro reads them: 4-bit values packed two to a byte (models/cim/sparse_tile.h).
    const std::vector<uint8_t> stored = encode_weights(std::vector<int32_t>(weights.begin(), weights.end()), 4);
    ASSERT_EQ(stored.size(), weights.size() / 2);
    std::memcpy(run.memory() + 0x20000, stored.data(), stored.size());
    std::memcpy(run.memory() + 0x21000, inputs.data(), inputs.size());
    isa::Instruction write(isa::Opcode::kWeightWrite);
    write.set("engine", 2).set("src", kWeights).set("bytes", stored.size()).set("rows", kRows);
    write.set("channels", kChannels).set("row_offset", 0).set("channel_offset", kChannelOffset).set("weight_bits", 4);
    isa::Instruction mvm(isa::Opcode::kMvm);
    mvm.set("engine", 2).set("input", kInputs).set("input_stride", kRows).set("vectors", kVectors);
    mvm.set("output", kOutputs).set("output_stride", 4 * kChannels).set("row_offset", 0).set("rows", kRows);
    mvm.set("channel_offset", kChannelOffset).set("channels", kChannels).set("weight_bits", 4);
    mvm.set("input_bits", 8).set("input_signed", 1).set("accumulate", 0);
    run.execute(image_of({write, mvm, isa::Instruction(isa::Opcode::kSync).set("engine", 2),
                          isa::Instruction(isa::Opcode::kHalt)}));
    ASSERT_TRUE(run.outcome.ok) << run.outcome.error;
    for (int v = 0; v < kVectors; ++v) {
        for (int c = 0; c < kChannels; ++c) {
            int32_t expected = 0;
            for (int r = 0; r < kRows; ++r) expected += inputs[v * kRows + r] * weights[r * kChannels + c];
            int32_t got = 0;
            std::memcpy(&got, run.memory() + 0x22000 + (v * kChannels + c) * 4, 4);
            EXPECT_EQ(got, expected) << "vector " << v << " channel " << c;
        }
    }
    EXPECT_EQ(run.platform->find("macro")->counters().get("macs"), uint64_t{kVectors} * kRows * kChannels);
}

TEST(Scheduler, TimelineShowsEachInstructionAndEachEngineCommand) {
    ProgramRun run;
    TraceConfig config;
    config.perfetto = true;
    Tracer tracer(config);
    for (const auto& component : run.platform->components()) component->attach_tracer(&tracer);
    run.execute(image_of({dma(kMemory + 0x20000, kMemory + 0x30000, 256, 1, 0, 0),
                          dma(kMemory + 0x20000, kMemory + 0x31000, 256, 1, 0, 0),
                          isa::Instruction(isa::Opcode::kBarrier), isa::Instruction(isa::Opcode::kHalt)}));
    ASSERT_TRUE(run.outcome.ok) << run.outcome.error;
    const std::string directory = cimvp::testing::temp_directory("scheduler-trace");
    tracer.write(directory, "t");
    std::ifstream file(directory + "/trace.json");
    const nlohmann::json trace = nlohmann::json::parse(file);
    std::map<int, std::string> threads;
    std::multiset<std::string> slices;
    for (const auto& event : trace["traceEvents"]) {
        if (event["ph"] == "M" && event["name"] == "thread_name") threads[event["tid"]] = event["args"]["name"];
        if (event["ph"] == "X") slices.insert(threads.at(event["tid"]) + ":" + event["name"].get<std::string>());
    }
    EXPECT_EQ(slices.count("sched.instructions:dma"), 2u);
    EXPECT_EQ(slices.count("sched.instructions:barrier"), 1u);
    EXPECT_EQ(slices.count("sched.instructions:halt"), 0u);  // halt ends the program instead
    EXPECT_EQ(slices.count("dma:copy"), 2u);
    EXPECT_EQ(slices.count("sched:program"), 1u);
}
