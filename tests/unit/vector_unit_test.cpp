// The vector unit: every instruction bit-exact against the reference integer interpreter (or the
// reference requantize kernel) on random data, in every element type; pooling with padding and
// strides; per-channel requantization with HWC and CHW channel strides; counters, energy and
// timing against closed-form counts; each error with its code and address; and the instructions
// run by the scheduler from a program image through the vector unit's driver.
#include "models/vector/vector_unit.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>

#include "firmware/compiler/interpreter/integer_interpreter.h"
#include "firmware/compiler/interpreter/integer_kernels.h"
#include "firmware/compiler/passes/integer_ops.h"
#include "firmware/host/program_loader.h"
#include "firmware/scheduler/scheduler.h"
#include "models/memory/sram_buffer.h"
#include "tests/support/engine_commands.h"
#include "tests/support/platform_fixture.h"

using namespace cimvp;
using cimvp::testing::build_platform;
using cimvp::testing::Completion;
using cimvp::testing::Descriptor;
using cimvp::testing::expect_done;
using cimvp::testing::run_on_host;
using cimvp::testing::word;
using isa::ElementType;
using isa::Instruction;
using isa::Opcode;

namespace {

constexpr uint64_t kVector = 0x100, kSlowVector = 0x200, kScheduler = 0x1000, kBuffer = 0x100000;
constexpr uint64_t kCommands = kBuffer, kA = kBuffer + 0x10000, kB = kBuffer + 0x30000, kOut = kBuffer + 0x50000;
constexpr uint64_t kTables = kBuffer + 0x70000, kImage = kBuffer + 0x80000, kCode = kBuffer + 0x90000;

// The engine on its own, its interrupt wired to the host; a second, slower unit for timing.
const char* kEngineNetlist = R"(
platform: t
modules:
  - {name: host, type: host}
  - {name: noc, type: router}
  - {name: buf, type: sram_buffer, params: {size: 1MiB}}
  - {name: vec, type: vector_unit}
  - {name: slow, type: vector_unit, params: {lanes: 4, pipeline_latency: 100}}
connections:
  - {from: host.mem, to: noc.in}
  - {from: vec.mem, to: noc.in}
  - {from: slow.mem, to: noc.in}
  - {from: noc.out, to: vec.cfg, at: 0x100}
  - {from: noc.out, to: slow.cfg, at: 0x200}
  - {from: noc.out, to: buf.tgt, at: 0x100000}
  - {from: vec.irq, to: host.irq}
)";

// Driven by the scheduler from a program image.
const char* kProgramNetlist = R"(
platform: t
modules:
  - {name: host, type: host}
  - {name: noc, type: router}
  - {name: sched, type: scheduler, params: {poll_interval: 20ns}}
  - {name: buf, type: sram_buffer, params: {size: 1MiB}}
  - {name: vec, type: vector_unit}
connections:
  - {from: host.mem, to: noc.in}
  - {from: sched.mem, to: noc.in}
  - {from: vec.mem, to: noc.in}
  - {from: noc.out, to: sched.cfg, at: 0x1000}
  - {from: noc.out, to: vec.cfg, at: 0x100}
  - {from: noc.out, to: buf.tgt, at: 0x100000}
  - {from: sched.irq, to: host.irq}
)";

int32_t type_min(ElementType type) { return vector::type_min(type); }
int32_t type_max(ElementType type) { return vector::type_max(type); }
uint64_t type_code(ElementType type) { return static_cast<uint64_t>(type); }

std::vector<int32_t> random_values(std::mt19937& random, size_t count, int64_t low, int64_t high) {
    std::uniform_int_distribution<int64_t> pick(low, high);
    std::vector<int32_t> values(count);
    for (auto& value : values) value = static_cast<int32_t>(pick(random));
    return values;
}
std::vector<int32_t> random_of(std::mt19937& random, size_t count, ElementType type) {
    return random_values(random, count, type_min(type), type_max(type));
}

std::vector<uint8_t> bytes_of(const std::vector<int32_t>& values, ElementType type) {
    std::vector<uint8_t> bytes(values.size() * vector::element_bytes(type));
    vector::store(type, values.data(), values.size(), bytes.data());
    return bytes;
}

// --- references: the integer interpreter on one node, NCHW ---------------------------------

int bits_of(ElementType type) { return static_cast<int>(vector::element_bytes(type)) * 8; }
bool is_signed(ElementType type) { return type != ElementType::kUint8; }

ir::Tensor value_info(const std::string& name, const ir::Shape& shape, ElementType type) {
    ir::Tensor tensor(name, ir::DataType::kInt8, shape);
    tensor.quant = passes::activation_quant(bits_of(type), is_signed(type), 1.0);
    tensor.type = passes::storage_type(tensor.quant);
    return tensor;
}

std::vector<int32_t> run_reference(const ir::Node& node,
                                   const std::vector<std::pair<ir::Tensor, std::vector<int32_t>>>& inputs,
                                   const ir::Tensor& output) {
    ir::Graph graph;
    ir::TensorMap feed;
    for (const auto& [info, values] : inputs) {
        graph.inputs.push_back(info.name);
        graph.values[info.name] = info;
        ir::Tensor fed = ir::Tensor::from_values<int32_t>(info.name, info.shape, values);
        fed.quant = info.quant;
        feed[info.name] = fed;
    }
    graph.outputs = {output.name};
    graph.values[output.name] = output;
    graph.nodes.push_back(node);
    const std::vector<int64_t> result = interpreter::run_integer(graph, feed).at(output.name).as_int64s();
    return std::vector<int32_t>(result.begin(), result.end());
}

// HWC <-> CHW for one image.
std::vector<int32_t> to_chw(const std::vector<int32_t>& hwc, int64_t h, int64_t w, int64_t c) {
    std::vector<int32_t> chw(hwc.size());
    for (int64_t p = 0; p < h * w; ++p) {
        for (int64_t k = 0; k < c; ++k) chw[k * h * w + p] = hwc[p * c + k];
    }
    return chw;
}
std::vector<int32_t> to_hwc(const std::vector<int32_t>& chw, int64_t h, int64_t w, int64_t c) {
    std::vector<int32_t> hwc(chw.size());
    for (int64_t p = 0; p < h * w; ++p) {
        for (int64_t k = 0; k < c; ++k) hwc[p * c + k] = chw[k * h * w + p];
    }
    return hwc;
}

std::vector<int32_t> reference_add(const std::vector<int32_t>& a, ElementType a_type, const std::vector<int32_t>& b,
                                   ElementType b_type, ElementType out_type, int64_t multiplier_a, int64_t multiplier_b,
                                   int64_t shift) {
    ir::Node node{"add", "QAdd", {"a", "b"}, {"y"}, {}};
    node.attributes["multiplier_a"] = std::vector<int64_t>{multiplier_a};
    node.attributes["multiplier_b"] = std::vector<int64_t>{multiplier_b};
    node.attributes["shift"] = std::vector<int64_t>{shift};
    node.attributes["out_min"] = int64_t{type_min(out_type)};
    node.attributes["out_max"] = int64_t{type_max(out_type)};
    const ir::Shape shape{1, static_cast<int64_t>(a.size())};
    return run_reference(node, {{value_info("a", shape, a_type), a}, {value_info("b", shape, b_type), b}},
                         value_info("y", shape, out_type));
}

// max(x, 0) as QRelu with an identity requantizer (16384 / 2^14).
std::vector<int32_t> reference_relu(const std::vector<int32_t>& x, ElementType type) {
    ir::Node node{"relu", "QRelu", {"x"}, {"y"}, {}};
    node.attributes["multiplier"] = std::vector<int64_t>{16384};
    node.attributes["shift"] = std::vector<int64_t>{14};
    node.attributes["out_min"] = int64_t{0};
    node.attributes["out_max"] = int64_t{type_max(type)};
    const ir::Shape shape{1, static_cast<int64_t>(x.size())};
    return run_reference(node, {{value_info("x", shape, type), x}}, value_info("y", shape, type));
}

struct PoolCase {
    int64_t height, width, channels, kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left, pad_bottom, pad_right;
    int64_t out_height() const { return (height + pad_top + pad_bottom - kernel_h) / stride_h + 1; }
    int64_t out_width() const { return (width + pad_left + pad_right - kernel_w) / stride_w + 1; }
    Instruction set_window(Instruction instruction) const {
        instruction.set("height", height).set("width", width).set("channels", channels);
        instruction.set("kernel_h", kernel_h).set("kernel_w", kernel_w).set("stride_h", stride_h);
        instruction.set("stride_w", stride_w).set("pad_top", pad_top).set("pad_left", pad_left);
        return instruction.set("pad_bottom", pad_bottom).set("pad_right", pad_right);
    }
};

// The pool on HWC data through the NCHW interpreter; `average` carries (multiplier, shift).
std::vector<int32_t> reference_pool(const PoolCase& p, const std::vector<int32_t>& hwc, ElementType in_type,
                                    ElementType out_type, bool average, int64_t multiplier = 0, int64_t shift = 1) {
    ir::Node node{"pool", average ? "QAveragePool" : "QMaxPool", {"x"}, {"y"}, {}};
    node.attributes["kernel_shape"] = std::vector<int64_t>{p.kernel_h, p.kernel_w};
    node.attributes["strides"] = std::vector<int64_t>{p.stride_h, p.stride_w};
    node.attributes["pads"] = std::vector<int64_t>{p.pad_top, p.pad_left, p.pad_bottom, p.pad_right};
    if (average) {
        node.attributes["count_include_pad"] = int64_t{1};
        node.attributes["multiplier"] = std::vector<int64_t>{multiplier};
        node.attributes["shift"] = std::vector<int64_t>{shift};
        node.attributes["out_min"] = int64_t{type_min(out_type)};
        node.attributes["out_max"] = int64_t{type_max(out_type)};
    }
    const std::vector<int32_t> y = run_reference(
        node,
        {{value_info("x", {1, p.channels, p.height, p.width}, in_type), to_chw(hwc, p.height, p.width, p.channels)}},
        value_info("y", {1, p.channels, p.out_height(), p.out_width()}, out_type));
    return to_hwc(y, p.out_height(), p.out_width(), p.channels);
}

// --- instructions ----------------------------------------------------------------------------

Instruction vadd(uint64_t elements, ElementType a_type, ElementType b_type, ElementType out_type, uint64_t multiplier_a,
                 uint64_t multiplier_b, uint64_t shift, uint64_t engine = 0) {
    Instruction instruction(Opcode::kVectorAdd);
    instruction.set("engine", engine).set("a", kA).set("b", kB).set("dst", kOut).set("elements", elements);
    instruction.set("a_type", type_code(a_type)).set("b_type", type_code(b_type)).set("out_type", type_code(out_type));
    instruction.set("multiplier_a", multiplier_a).set("multiplier_b", multiplier_b).set("shift", shift);
    instruction.set("out_min", static_cast<uint64_t>(int64_t{type_min(out_type)}));
    return instruction.set("out_max", static_cast<uint64_t>(type_max(out_type)));
}

Instruction vrelu(uint64_t elements, ElementType type, uint64_t engine = 0) {
    Instruction instruction(Opcode::kVectorRelu);
    instruction.set("engine", engine).set("src", kA).set("dst", kOut).set("elements", elements);
    return instruction.set("type", type_code(type));
}

Instruction vmaxpool(const PoolCase& p, ElementType type, uint64_t engine = 0) {
    Instruction instruction(Opcode::kVectorMaxPool);
    instruction.set("engine", engine).set("src", kA).set("dst", kOut).set("type", type_code(type));
    return p.set_window(instruction);
}

Instruction vavgpool(const PoolCase& p, ElementType in_type, ElementType out_type, uint64_t multiplier, uint64_t shift,
                     uint64_t engine = 0) {
    Instruction instruction(Opcode::kVectorAvgPool);
    instruction.set("engine", engine).set("src", kA).set("dst", kOut);
    instruction.set("in_type", type_code(in_type)).set("out_type", type_code(out_type));
    instruction.set("multiplier", multiplier).set("shift", shift);
    instruction.set("out_min", static_cast<uint64_t>(int64_t{type_min(out_type)}));
    instruction.set("out_max", static_cast<uint64_t>(type_max(out_type)));
    return p.set_window(instruction);
}

// Tables: bias at kTables, multipliers at kTables + 0x4000, shifts at kTables + 0x8000.
Instruction vrequant(uint64_t elements, uint64_t channels, uint64_t channel_stride, ElementType out_type,
                     bool with_bias, uint64_t engine = 0) {
    Instruction instruction(Opcode::kVectorRequantize);
    instruction.set("engine", engine).set("src", kA).set("dst", kOut).set("elements", elements);
    instruction.set("channels", channels).set("channel_stride", channel_stride);
    instruction.set("bias", with_bias ? kTables : 0).set("multipliers", kTables + 0x4000);
    instruction.set("shifts", kTables + 0x8000).set("out_type", type_code(out_type));
    instruction.set("out_min", static_cast<uint64_t>(int64_t{type_min(out_type)}));
    return instruction.set("out_max", static_cast<uint64_t>(type_max(out_type)));
}

// Random per-channel requantizers as the quantizer makes them: multipliers in [2^14, 2^15).
struct Tables {
    std::vector<int32_t> bias, multipliers, shifts;
    std::vector<passes::Requantizer> requantizers;
    Tables(std::mt19937& random, size_t channels) {
        bias = random_values(random, channels, -5000, 5000);
        multipliers = random_values(random, channels, 1 << 14, (1 << 15) - 1);
        shifts = random_values(random, channels, 16, 24);
        for (size_t c = 0; c < channels; ++c) requantizers.push_back({multipliers[c], shifts[c]});
    }
    void load(Host& host) const {
        host.load(kTables, bias.data(), bias.size() * 4);
        host.load(kTables + 0x4000, multipliers.data(), multipliers.size() * 4);
        host.load(kTables + 0x8000, shifts.data(), shifts.size() * 4);
    }
};

// The vector unit at kVector has its interrupt wired to the host; the slower one is polled.
Completion run_commands(Host& host, const std::vector<Descriptor>& commands, uint64_t base = kVector) {
    return cimvp::testing::run_commands(host, base, kCommands, commands, base == kVector);
}

std::vector<int32_t> read_values(Platform& platform, uint64_t address, size_t count, ElementType type) {
    std::vector<int32_t> values(count);
    const uint8_t* bytes = platform.get<SramBuffer>("buf", "test").data() + (address - kBuffer);
    vector::load(type, bytes, count, values.data());
    return values;
}

}  // namespace

TEST(VectorUnit, AddMatchesTheReferenceInEveryTypeMixAcrossTiles) {
    auto platform = build_platform(kEngineNetlist);
    struct Case {
        ElementType a, b, out;
        size_t elements;
    };
    // 5003 i8 elements span two 4096-element tiles and end off a lane boundary.
    const std::vector<Case> cases = {{ElementType::kInt8, ElementType::kInt8, ElementType::kInt8, 5003},
                                     {ElementType::kUint8, ElementType::kInt8, ElementType::kUint8, 777},
                                     {ElementType::kInt16, ElementType::kUint8, ElementType::kInt16, 1500},
                                     {ElementType::kInt16, ElementType::kInt16, ElementType::kInt32, 999}};
    std::mt19937 random(11);
    run_on_host(*platform, [&](Host& host) {
        for (const Case& c : cases) {
            const auto a = random_of(random, c.elements, c.a), b = random_of(random, c.elements, c.b);
            const auto multipliers = random_values(random, 2, 1 << 13, (1 << 15) - 1);
            const int64_t shift = 15;
            host.load(kA, bytes_of(a, c.a).data(), a.size() * vector::element_bytes(c.a));
            host.load(kB, bytes_of(b, c.b).data(), b.size() * vector::element_bytes(c.b));
            expect_done(
                run_commands(host, {word(vadd(c.elements, c.a, c.b, c.out, multipliers[0], multipliers[1], shift))}));
            const auto expected = reference_add(a, c.a, b, c.b, c.out, multipliers[0], multipliers[1], shift);
            EXPECT_EQ(read_values(*platform, kOut, c.elements, c.out), expected) << c.elements;
        }
    });
}

TEST(VectorUnit, AddOfInt32OperandsMatchesTheDocumentedFormula) {
    // The interpreter holds at most 16-bit activations, so int32 operands are checked against the
    // formula of docs/isa.md with the reference rounding and saturation functions.
    auto platform = build_platform(kEngineNetlist);
    std::mt19937 random(12);
    const size_t n = 1000;
    const auto a = random_of(random, n, ElementType::kInt32), b = random_of(random, n, ElementType::kInt32);
    run_on_host(*platform, [&](Host& host) {
        host.load(kA, a.data(), n * 4);
        host.load(kB, b.data(), n * 4);
        expect_done(run_commands(
            host, {word(vadd(n, ElementType::kInt32, ElementType::kInt32, ElementType::kInt16, 32767, 12345, 31))}));
    });
    std::vector<int32_t> expected(n);
    for (size_t i = 0; i < n; ++i) {
        const int64_t sum = int64_t{a[i]} * 32767 + int64_t{b[i]} * 12345;
        expected[i] = passes::saturate(passes::rounding_shift_right(sum, 31), -32768, 32767);
    }
    EXPECT_EQ(read_values(*platform, kOut, n, ElementType::kInt16), expected);
}

TEST(VectorUnit, ReluMatchesTheReferenceInEveryType) {
    auto platform = build_platform(kEngineNetlist);
    std::mt19937 random(13);
    run_on_host(*platform, [&](Host& host) {
        for (ElementType type : {ElementType::kInt8, ElementType::kUint8, ElementType::kInt16}) {
            const auto x = random_of(random, 3001, type);
            host.load(kA, bytes_of(x, type).data(), x.size() * vector::element_bytes(type));
            expect_done(run_commands(host, {word(vrelu(x.size(), type))}));
            EXPECT_EQ(read_values(*platform, kOut, x.size(), type), reference_relu(x, type)) << type_code(type);
        }
        const auto x = random_of(random, 100, ElementType::kInt32);
        host.load(kA, x.data(), x.size() * 4);
        expect_done(run_commands(host, {word(vrelu(x.size(), ElementType::kInt32))}));
        std::vector<int32_t> expected(x.size());
        for (size_t i = 0; i < x.size(); ++i) expected[i] = std::max(x[i], 0);
        EXPECT_EQ(read_values(*platform, kOut, x.size(), ElementType::kInt32), expected);
    });
}

TEST(VectorUnit, MaxPoolWithPaddingAndStridesMatchesTheReference) {
    auto platform = build_platform(kEngineNetlist);
    std::mt19937 random(14);
    struct TypedPool {
        PoolCase shape;
        ElementType type;
    };
    const std::vector<TypedPool> cases = {
        {{9, 11, 5, 3, 3, 2, 2, 1, 1, 1, 1}, ElementType::kInt8},   // ResNet's stem pool shape
        {{8, 7, 3, 2, 3, 2, 1, 0, 2, 1, 0}, ElementType::kUint8},   // asymmetric pads, kernel != stride
        {{6, 6, 4, 2, 2, 3, 3, 0, 0, 0, 0}, ElementType::kInt16},   // stride above the kernel skips rows
        {{5, 4, 2, 5, 4, 1, 1, 0, 0, 0, 0}, ElementType::kInt32}};  // global; values in the i16 range
    run_on_host(*platform, [&](Host& host) {
        for (const TypedPool& c : cases) {
            const PoolCase& p = c.shape;
            // Negative inputs make a padding position that wrongly counted as 0 win the max.
            const ElementType range = c.type == ElementType::kInt32 ? ElementType::kInt16 : c.type;
            const auto x = c.type == ElementType::kUint8
                               ? random_of(random, p.height * p.width * p.channels, c.type)
                               : random_values(random, p.height * p.width * p.channels, type_min(range), -1);
            host.load(kA, bytes_of(x, c.type).data(), x.size() * vector::element_bytes(c.type));
            expect_done(run_commands(host, {word(vmaxpool(p, c.type))}));
            const size_t outputs = p.out_height() * p.out_width() * p.channels;
            const auto expected = c.type == ElementType::kInt32
                                      ? reference_pool(p, x, ElementType::kInt16, ElementType::kInt16, false)
                                      : reference_pool(p, x, c.type, c.type, false);
            EXPECT_EQ(read_values(*platform, kOut, outputs, c.type), expected) << type_code(c.type);
        }
    });
}

TEST(VectorUnit, AveragePoolCountsPaddingAsZeroAndMatchesTheReference) {
    auto platform = build_platform(kEngineNetlist);
    std::mt19937 random(15);
    struct TypedPool {
        PoolCase shape;
        ElementType in, out;
        int64_t multiplier, shift;
    };
    // Multipliers fold in 1/(kh*kw): 1/9 ~ 29127 / 2^18, 1/6 ~ 21845 / 2^17, 1/49 ~ 21400 / 2^20.
    const std::vector<TypedPool> cases = {
        {{9, 10, 6, 3, 3, 2, 2, 1, 1, 1, 1}, ElementType::kInt8, ElementType::kInt8, 29127, 18},
        {{7, 8, 3, 2, 3, 2, 2, 1, 0, 0, 2}, ElementType::kUint8, ElementType::kUint8, 21845, 17},
        {{7, 7, 5, 7, 7, 1, 1, 0, 0, 0, 0}, ElementType::kInt16, ElementType::kInt8, 21400, 20}};
    run_on_host(*platform, [&](Host& host) {
        for (const TypedPool& c : cases) {
            const PoolCase& p = c.shape;
            const auto x = random_of(random, p.height * p.width * p.channels, c.in);
            host.load(kA, bytes_of(x, c.in).data(), x.size() * vector::element_bytes(c.in));
            expect_done(run_commands(host, {word(vavgpool(p, c.in, c.out, c.multiplier, c.shift))}));
            const size_t outputs = p.out_height() * p.out_width() * p.channels;
            EXPECT_EQ(read_values(*platform, kOut, outputs, c.out),
                      reference_pool(p, x, c.in, c.out, true, c.multiplier, c.shift))
                << type_code(c.in);
        }
    });
}

TEST(VectorUnit, RequantizesPerChannelWithChwStridesLikeTheReferenceKernel) {
    // Three CHW images of 6 channels x 7x9: channel = (i / 63) % 6, so later images reuse the
    // tables. The 1134 elements stream in tiles of 1024 (4 KiB bursts), and the second tile starts
    // 16 elements into channel 4's plane.
    auto platform = build_platform(kEngineNetlist);
    std::mt19937 random(16);
    const int64_t channels = 6, plane = 63, image = channels * plane;
    const auto accumulators = random_values(random, 3 * image, -(1 << 14), 1 << 14);
    const Tables tables(random, channels);
    run_on_host(*platform, [&](Host& host) {
        host.load(kA, accumulators.data(), accumulators.size() * 4);
        tables.load(host);
        expect_done(run_commands(host, {word(vrequant(3 * image, channels, plane, ElementType::kInt8, true))}));
    });
    std::vector<int32_t> expected(accumulators.size());
    for (int64_t n = 0; n < 3; ++n) {
        interpreter::requantize_channels(accumulators.data() + n * image, tables.bias.data(), tables.requantizers,
                                         channels, plane, -128, 127, expected.data() + n * image);
    }
    EXPECT_EQ(read_values(*platform, kOut, expected.size(), ElementType::kInt8), expected);
}

TEST(VectorUnit, RequantizesPerChannelWithHwcStridesLikeTheReferenceKernel) {
    // 37 channels innermost over 300 positions (11100 accumulators, three tiles), no bias, uint8 out.
    auto platform = build_platform(kEngineNetlist);
    std::mt19937 random(17);
    const int64_t channels = 37, positions = 300;
    const auto accumulators = random_values(random, channels * positions, -(1 << 14), 1 << 16);
    const Tables tables(random, channels);
    run_on_host(*platform, [&](Host& host) {
        host.load(kA, accumulators.data(), accumulators.size() * 4);
        tables.load(host);
        expect_done(
            run_commands(host, {word(vrequant(channels * positions, channels, 1, ElementType::kUint8, false))}));
    });
    const std::vector<int32_t> zero_bias(channels, 0);
    std::vector<int32_t> chw(accumulators.size());
    interpreter::requantize_channels(to_chw(accumulators, positions, 1, channels).data(), zero_bias.data(),
                                     tables.requantizers, channels, positions, 0, 255, chw.data());
    EXPECT_EQ(read_values(*platform, kOut, chw.size(), ElementType::kUint8), to_hwc(chw, positions, 1, channels));
}

TEST(VectorUnit, CountsEnergyAndComputeCyclesInClosedForm) {
    auto platform = build_platform(kEngineNetlist);
    const PoolCase pool{8, 8, 4, 3, 3, 1, 1, 1, 1, 1, 1};
    const PoolCase avg{8, 8, 4, 2, 2, 2, 2, 0, 0, 0, 0};
    std::mt19937 random(19);
    const Tables tables(random, 3);
    run_on_host(*platform, [&](Host& host) {
        tables.load(host);
        expect_done(run_commands(
            host, {word(vadd(1000, ElementType::kInt8, ElementType::kInt8, ElementType::kInt8, 100, 200, 8)),
                   word(vrelu(5000, ElementType::kInt8)), word(vrequant(300, 3, 1, ElementType::kInt8, true)),
                   word(vrequant(200, 3, 1, ElementType::kInt8, false)), word(vmaxpool(pool, ElementType::kInt8)),
                   word(vavgpool(avg, ElementType::kInt8, ElementType::kInt8, 16384, 16))}));
    });
    // Max pool, 3x3 pad 1 stride 1 over 8x8: in-bounds window rows per output row 2,3,3,3,3,3,3,2 (sum 22),
    // columns likewise, so 22 * 22 elements per channel are visited; each output compares all but one.
    const uint64_t max_visited = 22 * 22 * 4, max_outputs = 8 * 8 * 4;
    const uint64_t avg_outputs = 4 * 4 * 4, avg_visited = avg_outputs * 4;
    const uint64_t adds = 2 * 1000 + 2 * 300 + 200 + avg_visited;
    const uint64_t compares = 2 * 1000 + 5000 + 2 * 500 + (max_visited - max_outputs) + 2 * avg_outputs;
    const uint64_t multiplies = 2 * 1000 + 500 + avg_outputs;
    const auto& unit = platform->get<VectorUnit>("vec", "test");
    EXPECT_EQ(unit.counters().get("add_ops"), adds);
    EXPECT_EQ(unit.counters().get("compare_ops"), compares);
    EXPECT_EQ(unit.counters().get("multiply_ops"), multiplies);
    EXPECT_EQ(unit.counters().get("elements"), 1000 + 5000 + 500 + max_outputs + avg_outputs);
    EXPECT_DOUBLE_EQ(unit.energy().total_pj("add"), 0.1 * adds);
    EXPECT_DOUBLE_EQ(unit.energy().total_pj("compare"), 0.1 * compares);
    EXPECT_DOUBLE_EQ(unit.energy().total_pj("multiply"), 3.1 * multiplies);
    // 16 lanes: ceil(n / 16) per element-wise op (5000 i8 = tiles of 4096 and 904, both whole lane
    // groups but the last: 256 + 57); pooling: per output row ceil(OW * C * kh * kw / 16).
    const uint64_t cycles = 63 + (256 + 57) + 19 + 13 + 8 * ((8 * 4 * 9 + 15) / 16) + 4 * ((4 * 4 * 4 + 15) / 16);
    EXPECT_EQ(unit.counters().get("compute_cycles"), cycles);
    EXPECT_EQ(unit.counters().get("bytes_read"), 2000 + 5000 + (1200 + 3 * 12) + (800 + 2 * 12) + 256 + 256);
    EXPECT_EQ(unit.counters().get("bytes_written"), 1000 + 5000 + 500 + 256 + 64);
    EXPECT_EQ(unit.counters().get("commands"), 6u);
}

TEST(VectorUnit, ComputeTimeIsLaneCyclesPlusPipelineLatency) {
    // The same bytes move in both commands of a pair, so their times differ by compute alone; and
    // the fast and slow units (16 lanes, latency 4; 4 lanes, latency 100) run one command each on
    // an idle buffer, so they differ by (ceil(n/4) - ceil(n/16)) cycles + 96 cycles of latency.
    auto platform = build_platform(kEngineNetlist);
    auto& fast = platform->get<VectorUnit>("vec", "test");
    auto& slow = platform->get<VectorUnit>("slow", "test");
    double bytes_i8 = 0, bytes_i16 = 0, fast_busy = 0, slow_busy = 0;
    run_on_host(*platform, [&](Host& host) {
        double before = fast.busy().busy().to_seconds();
        expect_done(run_commands(host, {word(vrelu(2048, ElementType::kInt8))}));
        bytes_i8 = fast.busy().busy().to_seconds() - before;
        before = fast.busy().busy().to_seconds();
        expect_done(run_commands(host, {word(vrelu(1024, ElementType::kInt16))}));
        bytes_i16 = fast.busy().busy().to_seconds() - before;
        before = fast.busy().busy().to_seconds();
        expect_done(run_commands(host, {word(vrelu(1000, ElementType::kInt16))}));
        fast_busy = fast.busy().busy().to_seconds() - before;
        expect_done(run_commands(host, {word(vrelu(1000, ElementType::kInt16))}, kSlowVector));
        slow_busy = slow.busy().busy().to_seconds();
    });
    EXPECT_NEAR(bytes_i8 - bytes_i16, (2048 - 1024) / 16 * 1e-9, 1e-13);
    EXPECT_NEAR(slow_busy - fast_busy, ((1000 / 4) - (1000 + 15) / 16 + 96) * 1e-9, 1e-13);
}

TEST(VectorUnit, RejectsBadTypesBoundsAndWindowsAtTheirField) {
    auto platform = build_platform(kEngineNetlist);
    run_on_host(*platform, [&](Host& host) {
        // vadd.a_type sits at byte 4 + 1 + 3*8 + 4 = 33; 4 is no element type.
        Descriptor bad_type = word(vadd(16, ElementType::kInt8, ElementType::kInt8, ElementType::kInt8, 1, 1, 1));
        bad_type[33] = 4;
        Completion completion = run_commands(host, {bad_type});
        EXPECT_EQ(completion.status, engine_reg::kStatusError);
        EXPECT_EQ(completion.error_code, engine_error::kBadDescriptor);
        EXPECT_EQ(completion.error_address, kCommands + 33);

        // An i8 output cannot hold out_max = 200 (vadd.out_max at byte 33 + 3 + 2 + 2 + 1 + 4 = 45).
        completion = run_commands(
            host,
            {word(vadd(16, ElementType::kInt8, ElementType::kInt8, ElementType::kInt8, 1, 1, 1).set("out_max", 200))});
        EXPECT_EQ(completion.error_code, engine_error::kBadDescriptor);
        EXPECT_EQ(completion.error_address, kCommands + 45);

        // Padding as wide as the kernel leaves windows with no input (vmaxpool.pad_top at byte
        // 4 + 1 + 16 + 1 + 6 + 4 = 32).
        completion = run_commands(host, {word(vmaxpool({4, 4, 1, 2, 2, 2, 2, 2, 0, 0, 0}, ElementType::kInt8))});
        EXPECT_EQ(completion.error_code, engine_error::kBadDescriptor);
        EXPECT_EQ(completion.error_address, kCommands + 32);

        // kernel_h rows of the tensor must fit the 64 KiB line buffer: 3 rows of 200 x 200 bytes do not.
        completion = run_commands(host, {word(vmaxpool({10, 200, 200, 3, 3, 1, 1, 0, 0, 0, 0}, ElementType::kInt8))});
        EXPECT_EQ(completion.error_code, engine_error::kBadDescriptor);
        EXPECT_EQ(completion.error_address, kCommands + 4 + 1 + 16 + 1 + 2);  // vmaxpool.width

        // A valid instruction for another engine.
        Instruction dma(Opcode::kDma);
        dma.set("src", kA).set("dst", kB).set("row_bytes", 4).set("rows", 1);
        completion = run_commands(host, {word(dma)});
        EXPECT_EQ(completion.error_code, engine_error::kBadDescriptor);
        EXPECT_EQ(completion.error_address, kCommands);
    });
    EXPECT_EQ(platform->get<VectorUnit>("vec", "test").counters().get("failed_commands"), 5u);
}

TEST(VectorUnit, AnOperandOutsideMemoryIsABusErrorAtThatAddress) {
    auto platform = build_platform(kEngineNetlist);
    run_on_host(*platform, [&](Host& host) {
        Completion completion = run_commands(host, {word(vrelu(64, ElementType::kInt8).set("src", 0x7000000))});
        EXPECT_EQ(completion.status, engine_reg::kStatusError);
        EXPECT_EQ(completion.error_code, engine_error::kBusError);
        EXPECT_EQ(completion.error_address, 0x7000000u);
        // The output runs past the end of the 1 MiB buffer.
        completion = run_commands(host, {word(vrelu(64, ElementType::kInt8).set("dst", kBuffer + 0x100000 - 32))});
        EXPECT_EQ(completion.error_code, engine_error::kBusError);
        EXPECT_EQ(completion.error_address, kBuffer + 0x100000 - 32);
    });
}

TEST(VectorUnit, ABadRequantizationTableEntryNamesItsAddress) {
    auto platform = build_platform(kEngineNetlist);
    run_on_host(*platform, [&](Host& host) {
        const int32_t multipliers[3] = {16384, 16384, 16384}, shifts[3] = {10, 63, 10};
        host.load(kTables + 0x4000, multipliers, sizeof multipliers);
        host.load(kTables + 0x8000, shifts, sizeof shifts);
        const Completion completion = run_commands(host, {word(vrequant(30, 3, 1, ElementType::kInt8, false))});
        EXPECT_EQ(completion.error_code, vector_error::kBadTable);
        EXPECT_EQ(completion.error_address, kTables + 0x8000 + 4);
    });
}

TEST(VectorUnit, TheSchedulerRunsAProgramOfVectorInstructionsBitExactly) {
    // conv accumulators (HWC 6x6x8) -> vrequant to int8 -> vrelu -> vmaxpool 2x2/2 -> vadd with a
    // residual -> vavgpool global; every stage checked against its reference.
    auto platform = build_platform(kProgramNetlist);
    std::mt19937 random(18);
    const int64_t h = 6, w = 6, c = 8;
    const auto accumulators = random_values(random, h * w * c, -(1 << 14), 1 << 14);
    const Tables tables(random, c);
    const PoolCase max_pool{h, w, c, 2, 2, 2, 2, 0, 0, 0, 0};
    const PoolCase global{3, 3, c, 3, 3, 1, 1, 0, 0, 0, 0};
    const auto residual = random_of(random, 3 * 3 * c, ElementType::kInt8);
    constexpr uint64_t kStage1 = kBuffer + 0x60000, kStage2 = kStage1 + 0x1000, kStage3 = kStage1 + 0x2000;
    constexpr uint64_t kStage4 = kStage1 + 0x3000, kStage5 = kStage1 + 0x4000;

    std::vector<Instruction> code = {
        vrequant(h * w * c, c, 1, ElementType::kInt8, true, 1).set("dst", kStage1),
        vrelu(h * w * c, ElementType::kInt8, 1).set("src", kStage1).set("dst", kStage2),
        vmaxpool(max_pool, ElementType::kInt8, 1).set("src", kStage2).set("dst", kStage3),
        vadd(3 * 3 * c, ElementType::kInt8, ElementType::kInt8, ElementType::kInt8, 20000, 12000, 15, 1)
            .set("a", kStage3)
            .set("dst", kStage4),
        vavgpool(global, ElementType::kInt8, ElementType::kUint8, 29127, 18, 1).set("src", kStage4).set("dst", kStage5),
        Instruction(Opcode::kBarrier),
        Instruction(Opcode::kHalt)};
    isa::ProgramImage image;
    image.engines = {{1, "vec"}};
    image.code_address = kCode;
    image.code = code;
    ProgramOutcome outcome;
    run_on_host(*platform, [&](Host& host) {
        host.load(kA, accumulators.data(), accumulators.size() * 4);
        host.load(kB, bytes_of(residual, ElementType::kInt8).data(), residual.size());
        tables.load(host);
        load_program(host, isa::encode_image(image), kImage);
        outcome = run_program(host, kScheduler, kImage, "sched", *platform);
    });
    ASSERT_TRUE(outcome.ok) << outcome.error;
    EXPECT_EQ(outcome.executed, code.size());

    std::vector<int32_t> chw(accumulators.size());
    interpreter::requantize_channels(to_chw(accumulators, h, w, c).data(), tables.bias.data(), tables.requantizers, c,
                                     h * w, -128, 127, chw.data());
    const auto requantized = to_hwc(chw, h, w, c);
    EXPECT_EQ(read_values(*platform, kStage1, requantized.size(), ElementType::kInt8), requantized);
    const auto rectified = reference_relu(requantized, ElementType::kInt8);
    EXPECT_EQ(read_values(*platform, kStage2, rectified.size(), ElementType::kInt8), rectified);
    const auto pooled = reference_pool(max_pool, rectified, ElementType::kInt8, ElementType::kInt8, false);
    EXPECT_EQ(read_values(*platform, kStage3, pooled.size(), ElementType::kInt8), pooled);
    const auto summed =
        reference_add(pooled, ElementType::kInt8, residual, ElementType::kInt8, ElementType::kInt8, 20000, 12000, 15);
    EXPECT_EQ(read_values(*platform, kStage4, summed.size(), ElementType::kInt8), summed);
    const auto averaged = reference_pool(global, summed, ElementType::kInt8, ElementType::kUint8, true, 29127, 18);
    EXPECT_EQ(read_values(*platform, kStage5, averaged.size(), ElementType::kUint8), averaged);
    EXPECT_EQ(platform->get<VectorUnit>("vec", "test").counters().get("commands"), 5u);
}

TEST(VectorUnit, TheSchedulerReportsAVectorFaultAtTheBarrier) {
    auto platform = build_platform(kProgramNetlist);
    isa::ProgramImage image;
    image.engines = {{1, "vec"}};
    image.code_address = kCode;
    image.code = {vrelu(64, ElementType::kInt8, 1).set("src", 0x7000000), Instruction(Opcode::kBarrier),
                  Instruction(Opcode::kHalt)};
    ProgramOutcome outcome;
    run_on_host(*platform, [&](Host& host) {
        load_program(host, isa::encode_image(image), kImage);
        outcome = run_program(host, kScheduler, kImage, "sched", *platform);
    });
    EXPECT_FALSE(outcome.ok);
    EXPECT_NE(outcome.error.find("barrier: engine 'vec': error code 0x1 at address 0x7000000"), std::string::npos)
        << outcome.error;
}
