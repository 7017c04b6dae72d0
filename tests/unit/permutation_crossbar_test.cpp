// The permutation crossbar: permute with and without accumulation on every topology against a
// direct reference; free (0xFFFF) outputs; fast and detailed fidelity giving the same bytes,
// counters, energy and busy time on random tables; one command's latency and energy against the
// closed forms of docs/models.md; tables a topology cannot route failing with the engine's error
// at the entry's address; and the scheduler running `permute` and naming a routing fault.
#include "models/permute/permutation_crossbar.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <numeric>
#include <random>

#include "firmware/host/program_loader.h"
#include "firmware/isa/program_image.h"
#include "models/memory/sram_buffer.h"
#include "tests/support/engine_commands.h"
#include "tests/support/platform_fixture.h"

using namespace cimvp;
using cimvp::testing::build_platform;
using cimvp::testing::Completion;
using cimvp::testing::Descriptor;
using cimvp::testing::expect_done;
using cimvp::testing::word;
using cimvp::testing::run_on_host;
using isa::Instruction;
using isa::Opcode;

namespace {

constexpr uint64_t kScheduler = 0x1000, kBuffer = 0x100000;
constexpr uint64_t kCommands = kBuffer, kTable = kBuffer + 0x1000, kSrc = kBuffer + 0x10000;
constexpr uint64_t kDst = kBuffer + 0x40000, kDst2 = kBuffer + 0x70000, kImage = kBuffer + 0xA0000;
constexpr uint64_t kCode = kBuffer + 0xB0000;
constexpr uint16_t kFree = PermutationCrossbar::kNoSource;

// Each topology in both fidelities, 16 ports; engines are polled, so none drives the host's irq.
const char* kEngineNetlist = R"(
platform: t
modules:
  - {name: host, type: host}
  - {name: noc, type: router}
  - {name: buf, type: sram_buffer, params: {size: 1MiB}}
  - {name: crossbar, type: permutation_crossbar, params: {ports: 16, topology: crossbar}}
  - {name: crossbar_d, type: permutation_crossbar, params: {ports: 16, topology: crossbar, fidelity: detailed}}
  - {name: benes, type: permutation_crossbar, params: {ports: 16, topology: benes}}
  - {name: benes_d, type: permutation_crossbar, params: {ports: 16, topology: benes, fidelity: detailed}}
  - {name: multicast, type: permutation_crossbar, params: {ports: 16, topology: multicast}}
  - {name: multicast_d, type: permutation_crossbar, params: {ports: 16, topology: multicast, fidelity: detailed}}
connections:
  - {from: host.mem, to: noc.in}
  - {from: crossbar.mem, to: noc.in}
  - {from: crossbar_d.mem, to: noc.in}
  - {from: benes.mem, to: noc.in}
  - {from: benes_d.mem, to: noc.in}
  - {from: multicast.mem, to: noc.in}
  - {from: multicast_d.mem, to: noc.in}
  - {from: noc.out, to: crossbar.cfg, at: 0x100}
  - {from: noc.out, to: crossbar_d.cfg, at: 0x200}
  - {from: noc.out, to: benes.cfg, at: 0x300}
  - {from: noc.out, to: benes_d.cfg, at: 0x400}
  - {from: noc.out, to: multicast.cfg, at: 0x500}
  - {from: noc.out, to: multicast_d.cfg, at: 0x600}
  - {from: noc.out, to: buf.tgt, at: 0x100000}
)";

struct Engine {
    const char* name;
    uint64_t base;
};
constexpr Engine kCrossbar{"crossbar", 0x100}, kCrossbarDetailed{"crossbar_d", 0x200};
constexpr Engine kBenes{"benes", 0x300}, kBenesDetailed{"benes_d", 0x400};
constexpr Engine kMulticast{"multicast", 0x500}, kMulticastDetailed{"multicast_d", 0x600};

const char* kProgramNetlist = R"(
platform: t
modules:
  - {name: host, type: host}
  - {name: noc, type: router}
  - {name: sched, type: scheduler, params: {poll_interval: 20ns}}
  - {name: buf, type: sram_buffer, params: {size: 1MiB}}
  - {name: xbar, type: permutation_crossbar, params: {ports: 16, topology: benes}}
connections:
  - {from: host.mem, to: noc.in}
  - {from: sched.mem, to: noc.in}
  - {from: xbar.mem, to: noc.in}
  - {from: noc.out, to: sched.cfg, at: 0x1000}
  - {from: noc.out, to: xbar.cfg, at: 0x100}
  - {from: noc.out, to: buf.tgt, at: 0x100000}
  - {from: sched.irq, to: host.irq}
)";

struct Permute {
    uint64_t vectors, inputs, ports, src_stride, dst_stride;
    bool accumulate;
    uint64_t dst = kDst;
    Instruction instruction(uint64_t engine = 0) const {
        Instruction word(Opcode::kPermute);
        word.set("engine", engine).set("src", kSrc).set("dst", dst).set("table", kTable).set("vectors", vectors);
        word.set("inputs", inputs).set("ports", ports).set("src_stride", src_stride).set("dst_stride", dst_stride);
        return word.set("accumulate", accumulate ? 1 : 0);
    }
};

// Runs one descriptor on the engine at `base` (polled: no engine drives the host's irq).
Completion run_command(Host& host, const Descriptor& descriptor, uint64_t base) {
    return cimvp::testing::run_commands(host, base, kCommands, {descriptor}, false);
}

std::vector<int32_t> random_values(std::mt19937& random, size_t count) {
    std::uniform_int_distribution<int32_t> pick(INT32_MIN, INT32_MAX);
    std::vector<int32_t> values(count);
    for (auto& value : values) value = pick(random);
    return values;
}

// Rows of `row` int32 values, `stride` bytes apart, packed into a byte image starting at the first row.
std::vector<uint8_t> strided_bytes(const std::vector<int32_t>& values, uint64_t row, uint64_t stride) {
    const uint64_t rows = values.size() / row;
    std::vector<uint8_t> bytes((rows - 1) * stride + row * 4, 0);
    for (uint64_t r = 0; r < rows; ++r) std::memcpy(bytes.data() + r * stride, values.data() + r * row, row * 4);
    return bytes;
}

std::vector<int32_t> read_rows(Platform& platform, uint64_t address, uint64_t rows, uint64_t row, uint64_t stride) {
    const uint8_t* bytes = platform.get<SramBuffer>("buf", "test").data() + (address - kBuffer);
    std::vector<int32_t> values(rows * row);
    for (uint64_t r = 0; r < rows; ++r) std::memcpy(values.data() + r * row, bytes + r * stride, row * 4);
    return values;
}

// docs/isa.md: dst[v][o] (+)= table[o] == 0xFFFF ? 0 : src[v][table[o]], int32 wrapping.
std::vector<int32_t> reference(const std::vector<int32_t>& src, const std::vector<uint16_t>& table, uint64_t inputs,
                               const std::vector<int32_t>& old, bool accumulate) {
    const uint64_t vectors = src.size() / inputs, ports = table.size();
    std::vector<int32_t> out(vectors * ports);
    for (uint64_t v = 0; v < vectors; ++v) {
        for (uint64_t o = 0; o < ports; ++o) {
            const uint32_t routed = table[o] == kFree ? 0u : static_cast<uint32_t>(src[v * inputs + table[o]]);
            const uint32_t base = accumulate ? static_cast<uint32_t>(old[v * ports + o]) : 0u;
            out[v * ports + o] = static_cast<int32_t>(routed + base);
        }
    }
    return out;
}

// A partial permutation: `ports` entries, each a distinct source below `inputs` or (one in `free_one_in`) 0xFFFF.
std::vector<uint16_t> random_partial_permutation(std::mt19937& random, uint64_t inputs, uint64_t ports,
                                                 unsigned free_one_in) {
    std::vector<uint16_t> sources(inputs);
    std::iota(sources.begin(), sources.end(), 0);
    std::shuffle(sources.begin(), sources.end(), random);
    std::vector<uint16_t> table(ports, kFree);
    for (uint64_t o = 0; o < ports && o < inputs; ++o) {
        if (random() % free_one_in != 0) table[o] = sources[o];
    }
    return table;
}

std::vector<uint16_t> random_multicast_table(std::mt19937& random, uint64_t inputs, uint64_t ports) {
    std::vector<uint16_t> table(ports);
    for (auto& entry : table) entry = random() % 5 == 0 ? kFree : static_cast<uint16_t>(random() % inputs);
    return table;
}

const PermutationCrossbar& engine(Platform& platform, const Engine& which) {
    return platform.get<PermutationCrossbar>(which.name, "test");
}

}  // namespace

TEST(PermutationCrossbar, PermutesWithAndWithoutAccumulateOnEveryTopology) {
    // 12 of 16 inputs into 14 of 16 outputs, strided rows, over two burst chunks (70 vectors x 64 B).
    auto platform = build_platform(kEngineNetlist);
    std::mt19937 random(1);
    const Permute command{70, 12, 14, 64, 80, false};
    const uint64_t src_bytes = (command.vectors - 1) * command.src_stride + command.inputs * 4;
    const uint64_t dst_bytes = (command.vectors - 1) * command.dst_stride + command.ports * 4;
    run_on_host(*platform, [&](Host& host) {
        for (const Engine& which : {kCrossbar, kBenes, kMulticast}) {
            const auto src = random_values(random, command.vectors * command.inputs);
            const auto old = random_values(random, command.vectors * command.ports);
            auto table = which.base == kMulticast.base ? random_multicast_table(random, 12, 14)
                                                       : random_partial_permutation(random, 12, 14, 4);
            table[13] = kFree;  // at least one free output to check
            host.load(kSrc, strided_bytes(src, command.inputs, command.src_stride).data(), src_bytes);
            host.load(kTable, table.data(), table.size() * 2);
            host.load(kDst, strided_bytes(old, command.ports, command.dst_stride).data(), dst_bytes);
            expect_done(run_command(host, word(command.instruction()), which.base));
            EXPECT_EQ(read_rows(*platform, kDst, command.vectors, command.ports, command.dst_stride),
                      reference(src, table, command.inputs, old, false))
                << which.name;

            host.load(kDst, strided_bytes(old, command.ports, command.dst_stride).data(), dst_bytes);
            Permute accumulate = command;
            accumulate.accumulate = true;
            expect_done(run_command(host, word(accumulate.instruction()), which.base));
            EXPECT_EQ(read_rows(*platform, kDst, command.vectors, command.ports, command.dst_stride),
                      reference(src, table, command.inputs, old, true))
                << which.name;
        }
    });
    // Bytes moved (descriptor fetches aside): per command the table and the source rows, and the
    // destination rows read again to accumulate.
    const auto& crossbar = engine(*platform, kCrossbar);
    EXPECT_EQ(crossbar.counters().get("bytes_read"), 2 * 28 + 2 * 70 * 48 + 70 * 56);
    EXPECT_EQ(crossbar.counters().get("bytes_written"), 2 * 70 * 56);
    EXPECT_EQ(crossbar.counters().get("vectors"), 140u);
    EXPECT_EQ(crossbar.counters().get("accumulate_adds"), 70u * 14);
}

TEST(PermutationCrossbar, FastAndDetailedAgreeOnBytesCountersEnergyAndTime) {
    auto platform = build_platform(kEngineNetlist);
    std::mt19937 random(2);
    struct Pair {
        Engine fast, detailed;
    };
    const std::vector<Pair> pairs = {
        {kCrossbar, kCrossbarDetailed}, {kBenes, kBenesDetailed}, {kMulticast, kMulticastDetailed}};
    run_on_host(*platform, [&](Host& host) {
        for (int trial = 0; trial < 12; ++trial) {
            const uint64_t inputs = 1 + random() % 16, ports = 1 + random() % 16, vectors = 1 + random() % 200;
            const bool accumulate = trial % 2 == 1;
            const auto src = random_values(random, vectors * inputs);
            const auto old = random_values(random, vectors * ports);
            host.load(kSrc, src.data(), src.size() * 4);
            for (const Pair& pair : pairs) {
                const auto table = pair.fast.base == kMulticast.base
                                       ? random_multicast_table(random, inputs, ports)
                                       : random_partial_permutation(random, inputs, ports, 5);
                host.load(kTable, table.data(), table.size() * 2);
                std::vector<int32_t> results[2];
                double busy[2];
                for (int level = 0; level < 2; ++level) {
                    const Engine& which = level == 0 ? pair.fast : pair.detailed;
                    host.load(kDst, old.data(), old.size() * 4);
                    const double before = engine(*platform, which).busy().busy().to_seconds();
                    expect_done(run_command(
                        host, word(Permute{vectors, inputs, ports, inputs * 4, ports * 4, accumulate}.instruction()),
                        which.base));
                    busy[level] = engine(*platform, which).busy().busy().to_seconds() - before;
                    results[level] = read_rows(*platform, kDst, vectors, ports, ports * 4);
                }
                EXPECT_EQ(results[1], results[0]) << pair.fast.name << " trial " << trial;
                EXPECT_EQ(results[0], reference(src, table, inputs, old, accumulate)) << pair.fast.name;
                EXPECT_DOUBLE_EQ(busy[1], busy[0]) << pair.fast.name << " trial " << trial;
            }
        }
    });
    for (const Pair& pair : pairs) {
        const auto& fast = engine(*platform, pair.fast);
        const auto& detailed = engine(*platform, pair.detailed);
        EXPECT_EQ(detailed.counters().all(), fast.counters().all()) << pair.fast.name;
        EXPECT_GT(fast.counters().get("elements_routed"), 0u);
        for (const char* event : {"switch_traversal", "table_read", "accumulate_add"}) {
            EXPECT_DOUBLE_EQ(detailed.energy().total_pj(event), fast.energy().total_pj(event)) << event;
        }
        EXPECT_DOUBLE_EQ(detailed.area_um2(), fast.area_um2());
    }
}

// One idle transfer of `bytes` (64-byte aligned) through the default router (1 ns hop, 32 B/cycle)
// into the default buffer (8 banks of 8 B, 1 ns latency), all at 1 GHz: the router port carries
// ceil(bytes/32) cycles, the banks serve ceil(bytes/64) cycles and answer 1 ns later.
double transfer_ns(uint64_t bytes) {
    const uint64_t port = (bytes + 31) / 32, banks = (bytes + 63) / 64 + 1;
    return 1.0 + static_cast<double>(std::max(port, banks));
}

TEST(PermutationCrossbar, OneCommandTakesAndSpendsWhatTheClosedFormsSay) {
    // 8 vectors of 16 elements (512 B, one chunk): fetch, decode (4 cycles), table (32 B), configure
    // (1 cycle), read, 8 route cycles, the pipeline (crossbar 1, Beneš 2 log2 16 - 1 = 7), write.
    auto platform = build_platform(kEngineNetlist);
    std::mt19937 random(3);
    const uint64_t vectors = 8, ports = 16;
    std::vector<uint16_t> table(ports);
    std::iota(table.begin(), table.end(), 0);
    std::shuffle(table.begin(), table.end(), random);
    table[5] = kFree;  // 15 routed outputs
    double busy[3] = {};
    const Engine engines[3] = {kCrossbar, kBenes, kMulticast};
    run_on_host(*platform, [&](Host& host) {
        const auto src = random_values(random, vectors * ports);
        host.load(kSrc, src.data(), src.size() * 4);
        host.load(kTable, table.data(), table.size() * 2);
        for (int i = 0; i < 3; ++i) {
            expect_done(
                run_command(host, word(Permute{vectors, ports, ports, 64, 64, false}.instruction()), engines[i].base));
            busy[i] = engine(*platform, engines[i]).busy().busy().to_seconds() * 1e9;
        }
    });
    const double memory_ns = transfer_ns(64) + transfer_ns(2 * ports) + 2 * transfer_ns(vectors * ports * 4);
    EXPECT_NEAR(busy[0], memory_ns + 4 + 1 + vectors + 1, 1e-6);
    EXPECT_NEAR(busy[1], memory_ns + 4 + 1 + vectors + 7, 1e-6);
    EXPECT_NEAR(busy[2], busy[0], 1e-6);

    // Energy: 8 x 15 elements; a crossbar element spans 32 bits x 16 ports x 4.23 fJ, a Beneš one
    // 32 bits x 7 radix-2 switches x 2 ports x 4.23 fJ; 16 table entries x 2.5 pJ.
    const uint64_t elements = vectors * 15;
    for (int i = 0; i < 3; ++i) {
        const auto& unit = engine(*platform, engines[i]);
        const double ports_spanned = i == 1 ? 14.0 : 16.0;
        EXPECT_EQ(unit.counters().get("elements_routed"), elements);
        EXPECT_EQ(unit.counters().get("switch_hops"), elements * (i == 1 ? 7 : 1));
        EXPECT_EQ(unit.counters().get("table_entries"), ports);
        EXPECT_EQ(unit.counters().get("route_cycles"), vectors);
        EXPECT_NEAR(unit.energy().total_pj("switch_traversal"), elements * 32 * ports_spanned * 4.23e-3, 1e-9);
        EXPECT_NEAR(unit.energy().total_pj("table_read"), 16 * 2.5, 1e-9);
        EXPECT_EQ(unit.energy().total_pj("accumulate_add"), 0.0);
    }
    // Area: crossbars 16^2 crosspoints x 32 bits x 5.34 um2; Beneš 8 x 7 switches x 32 bits x 21.4 um2.
    EXPECT_NEAR(engine(*platform, kCrossbar).area_um2(), 256 * 32 * 5.34, 1e-6);
    EXPECT_NEAR(engine(*platform, kMulticast).area_um2(), 256 * 32 * 5.34, 1e-6);
    EXPECT_NEAR(engine(*platform, kBenes).area_um2(), 56 * 32 * 21.4, 1e-6);
}

TEST(PermutationCrossbar, TablesATopologyCannotRouteFailAtTheEntry) {
    auto platform = build_platform(kEngineNetlist);
    const std::vector<uint16_t> repeated = {3, 0, kFree, 7, 0, 3};  // entry 4 repeats source 0
    const std::vector<uint16_t> out_of_range = {3, 0, 12, 7};       // entry 2 is not below inputs = 12
    std::vector<int32_t> outputs(6);
    run_on_host(*platform, [&](Host& host) {
        std::vector<int32_t> src(16);
        std::iota(src.begin(), src.end(), 100);
        host.load(kSrc, src.data(), src.size() * 4);
        host.load(kTable, repeated.data(), repeated.size() * 2);
        for (const Engine& which : {kCrossbar, kCrossbarDetailed, kBenes, kBenesDetailed}) {
            const Completion completion =
                run_command(host, word(Permute{1, 12, 6, 48, 24, false}.instruction()), which.base);
            EXPECT_EQ(completion.status, engine_reg::kStatusError) << which.name;
            EXPECT_EQ(completion.error_code, permute_error::kRepeatedSource) << which.name;
            EXPECT_EQ(completion.error_address, kTable + 2 * 4) << which.name;
        }
        // A multicast crossbar feeds one input to many outputs.
        for (const Engine& which : {kMulticast, kMulticastDetailed}) {
            expect_done(run_command(host, word(Permute{1, 12, 6, 48, 24, false}.instruction()), which.base));
            host.peek(kDst, outputs.data(), outputs.size() * 4);
            EXPECT_EQ(outputs, (std::vector<int32_t>{103, 100, 0, 107, 100, 103})) << which.name;
        }
        host.load(kTable, out_of_range.data(), out_of_range.size() * 2);
        for (const Engine& which : {kCrossbar, kBenesDetailed, kMulticast}) {
            const Completion completion =
                run_command(host, word(Permute{1, 12, 4, 48, 16, false}.instruction()), which.base);
            EXPECT_EQ(completion.error_code, permute_error::kSourceOutOfRange) << which.name;
            EXPECT_EQ(completion.error_address, kTable + 2 * 2) << which.name;
        }
    });
    EXPECT_EQ(engine(*platform, kBenes).counters().get("failed_commands"), 1u);
}

TEST(PermutationCrossbar, RejectsOperandsBeyondTheCrossbarAtTheirField) {
    // permute: header 4, engine 1, src/dst/table 8 each, vectors 4 -> inputs at byte 33, ports 35,
    // src_stride 37, dst_stride 41.
    auto platform = build_platform(kEngineNetlist);
    run_on_host(*platform, [&](Host& host) {
        const std::vector<uint16_t> table(17, 0);
        host.load(kTable, table.data(), table.size() * 2);
        Completion completion = run_command(host, word(Permute{1, 17, 4, 68, 16, false}.instruction()), kBenes.base);
        EXPECT_EQ(completion.error_code, engine_error::kBadDescriptor);
        EXPECT_EQ(completion.error_address, kCommands + 33);
        completion = run_command(host, word(Permute{1, 4, 17, 16, 68, false}.instruction()), kCrossbar.base);
        EXPECT_EQ(completion.error_address, kCommands + 35);
        // Two vectors whose output rows overlap.
        completion = run_command(host, word(Permute{2, 4, 4, 16, 12, false}.instruction()), kCrossbar.base);
        EXPECT_EQ(completion.error_address, kCommands + 41);
        // An instruction for another engine.
        completion = run_command(host, word(Instruction(Opcode::kBarrier)), kCrossbar.base);
        EXPECT_EQ(completion.error_code, engine_error::kBadDescriptor);
        EXPECT_EQ(completion.error_address, kCommands);
    });
}

TEST(PermutationCrossbar, ANarrowDatapathRefusesAValueThatDoesNotFit) {
    auto platform = build_platform(R"(
platform: t
modules:
  - {name: host, type: host}
  - {name: noc, type: router}
  - {name: buf, type: sram_buffer, params: {size: 1MiB}}
  - {name: narrow, type: permutation_crossbar, params: {ports: 8, element_bits: 16}}
connections:
  - {from: host.mem, to: noc.in}
  - {from: narrow.mem, to: noc.in}
  - {from: noc.out, to: narrow.cfg, at: 0x100}
  - {from: noc.out, to: buf.tgt, at: 0x100000}
)");
    run_on_host(*platform, [&](Host& host) {
        const std::vector<uint16_t> table = {1, 0, kFree, 2};
        const std::vector<int32_t> src = {7, -32768, 40000, 32767, 1, 2, 3, -32769};
        host.load(kTable, table.data(), table.size() * 2);
        host.load(kSrc, src.data(), src.size() * 4);
        // Vector 0 routes -32768 and 7 and 40000 (too wide, element 2); vector 1 never runs.
        const Completion completion = run_command(host, word(Permute{2, 4, 4, 16, 16, false}.instruction()), 0x100);
        EXPECT_EQ(completion.error_code, permute_error::kValueTooWide);
        EXPECT_EQ(completion.error_address, kSrc + 4 * 2);
    });
    EXPECT_DOUBLE_EQ(platform->get<PermutationCrossbar>("narrow", "test").area_um2(), 64 * 16 * 5.34);
}

TEST(PermutationCrossbar, ABenesTopologyNeedsAPowerOfTwoNumberOfPorts) {
    const std::string error = cimvp::testing::config_error_of([] {
        build_platform(R"(
platform: t
modules:
  - {name: xbar, type: permutation_crossbar, params: {ports: 96, topology: benes}}
)");
    });
    EXPECT_NE(error.find("ports"), std::string::npos) << error;
    EXPECT_NE(error.find("power-of-two"), std::string::npos) << error;
}

TEST(PermutationCrossbar, TheSchedulerRunsPermuteAndNamesARoutingFault) {
    auto platform = build_platform(kProgramNetlist);
    std::mt19937 random(4);
    const auto table = random_partial_permutation(random, 16, 16, 6);
    const std::vector<uint16_t> repeated = {1, 2, 1};
    constexpr uint64_t kBadTable = kTable + 0x100;
    const auto src = random_values(random, 5 * 16);
    isa::ProgramImage image;
    image.engines = {{1, "xbar"}};
    image.code_address = kCode;
    image.code = {Permute{5, 16, 16, 64, 64, false}.instruction(1), Instruction(Opcode::kBarrier),
                  Permute{5, 16, 16, 64, 64, false, kDst2}.instruction(1).set("table", kBadTable),
                  Instruction(Opcode::kBarrier), Instruction(Opcode::kHalt)};
    ProgramOutcome outcome;
    run_on_host(*platform, [&](Host& host) {
        host.load(kSrc, src.data(), src.size() * 4);
        host.load(kTable, table.data(), table.size() * 2);
        host.load(kBadTable, repeated.data(), repeated.size() * 2);
        load_program(host, isa::encode_image(image), kImage);
        outcome = run_program(host, kScheduler, kImage, "sched", *platform);
    });
    EXPECT_EQ(read_rows(*platform, kDst, 5, 16, 64), reference(src, table, 16, {}, false));
    EXPECT_FALSE(outcome.ok);
    char expected[160];
    std::snprintf(expected, sizeof expected,
                  "barrier: engine 'xbar': the permute table repeats a source; a benes network routes only "
                  "permutations (error code 0x101 at address 0x%llx)",
                  static_cast<unsigned long long>(kBadTable + 4));
    EXPECT_NE(outcome.error.find(expected), std::string::npos) << outcome.error;
}
