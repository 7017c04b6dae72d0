// The text form: disassembly, assembly, their exact round trip, and assembler errors at FILE:LINE:COL.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "firmware/isa/assembler.h"
#include "firmware/isa/disassembler.h"
#include "platform/error.h"

using namespace cimvp::isa;

namespace {

const char* kProgram = R"(; a hand-written program
.engines
    engine id=0 instance=dma0
    engine id=1 instance=macro0
    engine id=2 instance=vec0
.code address=0x8000_0000
    dma engine=0 src=0x80010000 dst=0x10000000 row_bytes=64 rows=2 src_stride=64 dst_stride=128
    weight_write engine=1 src=0x80010000 bytes=128 rows=16 channels=8 row_offset=0 channel_offset=0 weight_bits=8 mask=0
    mvm engine=1 input=0x10000000 input_stride=16 vectors=4 output=0x10001000 output_stride=32 row_offset=0 rows=16 channel_offset=0 channels=8 weight_bits=8 input_bits=8 input_signed=1 accumulate=0
    sync engine=1
    vrequant out_type=u8 engine=2 src=0x10001000 dst=0x10002000 elements=32 channels=8 channel_stride=1 bias=0 multipliers=0x80020000 shifts=0x80020020 out_min=0 out_max=255
    barrier
    halt
.weights address=0x80010000
    .hex 01020304 05
    .zero 100
    .hex FF
.constants address=0x80020000
    .zero 64
)";

// What disassemble prints for kProgram: canonical operand order, hex addresses, 32-byte hex lines.
const char* kDisassembly = R"(; cimvp program image, version 1, 1024 bytes, crc32 0x%08x
;   section 0: engines, 192 bytes at file offset 0xc0
;   section 1: code, 448 bytes at file offset 0x180, loaded at 0x80000000
;   section 2: weights, 106 bytes at file offset 0x340, loaded at 0x80010000
;   section 3: constants, 64 bytes at file offset 0x3c0, loaded at 0x80020000
.engines
    engine id=0 instance=dma0
    engine id=1 instance=macro0
    engine id=2 instance=vec0
.code address=0x80000000
    0x80000000: dma engine=0 src=0x80010000 dst=0x10000000 row_bytes=64 rows=2 src_stride=64 dst_stride=128
    0x80000040: weight_write engine=1 src=0x80010000 bytes=128 rows=16 channels=8 row_offset=0 channel_offset=0 weight_bits=8 mask=0x0
    0x80000080: mvm engine=1 input=0x10000000 input_stride=16 vectors=4 output=0x10001000 output_stride=32 row_offset=0 rows=16 channel_offset=0 channels=8 weight_bits=8 input_bits=8 input_signed=1 accumulate=0
    0x800000c0: sync engine=1
    0x80000100: vrequant engine=2 src=0x10001000 dst=0x10002000 elements=32 channels=8 channel_stride=1 bias=0x0 multipliers=0x80020000 shifts=0x80020020 out_type=u8 out_min=0 out_max=255
    0x80000140: barrier
    0x80000180: halt
.weights address=0x80010000
    .hex 0102030405000000000000000000000000000000000000000000000000000000
    .zero 64
    .hex 000000000000000000ff
.constants address=0x80020000
    .zero 64
)";

std::string expected_disassembly(const std::vector<uint8_t>& bytes) {
    const uint32_t crc = uint32_t(bytes[12] | bytes[13] << 8 | bytes[14] << 16 | uint32_t(bytes[15]) << 24);
    std::vector<char> text(std::strlen(kDisassembly) + 16);
    std::snprintf(text.data(), text.size(), kDisassembly, crc);
    return text.data();
}

// The assembler's message for `text` (named "prog.s"), or "" when it assembles.
std::string assemble_failure(const std::string& text) {
    try {
        assemble(text, "prog.s");
    } catch (const cimvp::ConfigError& error) {
        return error.what();
    }
    return "";
}

// A valid program around one code line, which lands on line 4.
std::string with_code_line(const std::string& line) {
    return ".engines\n    engine id=1 instance=macro0\n.code address=0x1000\n" + line + "\n    halt\n";
}

}  // namespace

TEST(IsaText, DisassemblesAHandWrittenProgram) {
    const std::vector<uint8_t> bytes = encode_image(assemble(kProgram, "prog.s"));
    EXPECT_EQ(disassemble(bytes), expected_disassembly(bytes));
}

TEST(IsaText, RoundTripIsByteAndTextExact) {
    const std::vector<uint8_t> bytes = encode_image(assemble(kProgram, "prog.s"));
    const std::string text = disassemble(bytes);
    const std::vector<uint8_t> again = encode_image(assemble(text, "round.s"));
    EXPECT_EQ(again, bytes);
    EXPECT_EQ(disassemble(again), text);
}

TEST(IsaText, EveryOpcodeRoundTripsThroughText) {
    // Bind every engine id so that any value of an engine operand is valid.
    ProgramImage image;
    for (int id = 0; id < 256; ++id) image.engines.push_back({uint8_t(id), "e" + std::to_string(id)});
    image.code_address = 0xFFFF'FFFF'0000'0000;
    std::mt19937_64 random(11);
    for (const OpcodeSpec& spec : opcode_table()) {
        Instruction low(spec.opcode), high(spec.opcode), middle(spec.opcode);
        for (const OperandSpec& operand : spec.operands) {
            low.set(operand.name, uint64_t(operand.minimum));
            high.set(operand.name, operand.maximum);
            const uint64_t span = operand.maximum - uint64_t(operand.minimum);
            middle.set(operand.name,
                       uint64_t(operand.minimum) + (span == ~uint64_t{0} ? random() : random() % (span + 1)));
        }
        image.code.insert(image.code.end(), {low, high, middle});
    }
    image.code.push_back(Instruction(Opcode::kHalt));
    const std::vector<uint8_t> bytes = encode_image(image);
    const std::string text = disassemble(bytes);
    const ProgramImage read_back = assemble(text, "all.s");
    ASSERT_EQ(read_back.code.size(), image.code.size());
    for (size_t i = 0; i < image.code.size(); ++i) {
        EXPECT_EQ(read_back.code[i], image.code[i]) << format_instruction(image.code[i]);
    }
    EXPECT_EQ(encode_image(read_back), bytes);
    EXPECT_NE(text.find("vadd engine=0 a=0x0 b=0x0 dst=0x0 elements=1 a_type=i8 b_type=i8 out_type=i8 multiplier_a=0 "
                        "multiplier_b=0 shift=1 out_min=-2147483648 out_max=-2147483648"),
              std::string::npos);
    EXPECT_NE(text.find("dma engine=255 src=0xffffffffffffffff"), std::string::npos);
}

TEST(IsaText, FormatsInstructionsWithNamedOperands) {
    Instruction wait(Opcode::kWait);
    wait.set("semaphore", 3).set("count", 2);
    EXPECT_EQ(format_instruction(wait), "wait semaphore=3 count=2");
    Instruction relu(Opcode::kVectorRelu);
    relu.set("engine", 2).set("src", 0x100).set("dst", 0x2000).set("elements", 9).set("type", 1);
    EXPECT_EQ(format_instruction(relu), "vrelu engine=2 src=0x100 dst=0x2000 elements=9 type=u8");
}

TEST(IsaAssemblerErrors, SyntaxAndNames) {
    EXPECT_EQ(assemble_failure(with_code_line("    jump engine=1")), "prog.s:4:5: error: unknown instruction 'jump'");
    EXPECT_EQ(assemble_failure(with_code_line("    sync engine 1")),
              "prog.s:4:10: error: expected NAME=VALUE, found 'engine'");
    EXPECT_EQ(assemble_failure(with_code_line("    sync engine=1 lane=2")),
              "prog.s:4:19: error: sync has no operand 'lane'");
    EXPECT_EQ(assemble_failure(with_code_line("    sync engine=1 engine=1")),
              "prog.s:4:19: error: operand 'engine' given twice");
    EXPECT_EQ(assemble_failure(with_code_line("    wait semaphore=1")),
              "prog.s:4:5: error: wait: missing operands count");
    EXPECT_EQ(assemble_failure(with_code_line("  .align 64")),
              "prog.s:4:3: error: unknown directive '.align' (expected .engines, .code, .weights, .constants, .hex or "
              ".zero)");
    EXPECT_EQ(assemble_failure("halt\n"), "prog.s:1:1: error: 'halt' outside a .engines or .code section");
    EXPECT_EQ(assemble_failure(".engines\n"), "prog.s: error: no .code section");
}

TEST(IsaAssemblerErrors, Values) {
    EXPECT_EQ(assemble_failure(with_code_line("    wait semaphore=256 count=1")),
              "prog.s:4:20: error: wait.semaphore = 256 is out of range [0, 255]");
    EXPECT_EQ(assemble_failure(with_code_line("    wait semaphore=x1 count=1")),
              "prog.s:4:20: error: wait.semaphore: 'x1' is not a number");
    EXPECT_EQ(assemble_failure(with_code_line("    wait semaphore=-1 count=1")),
              "prog.s:4:20: error: wait.semaphore: '-1' is not a number");
    EXPECT_EQ(assemble_failure(with_code_line("    vrelu engine=1 src=0 dst=0 elements=1 type=f32")),
              "prog.s:4:48: error: vrelu.type: 'f32' is not one of {i8, u8, i16, i32}");
    const std::string add =
        "    vadd engine=1 a=0 b=0 dst=0 elements=1 a_type=i8 b_type=i8 out_type=i8 multiplier_a=1 "
        "multiplier_b=1 shift=8 out_min=";
    EXPECT_EQ(assemble_failure(with_code_line(add + "-2147483648 out_max=0")), "");
    EXPECT_EQ(assemble_failure(with_code_line(add + "-2147483649 out_max=0")),
              "prog.s:4:122: error: vadd.out_min = -2147483649 is out of range [-2147483648, 2147483647]");
}

TEST(IsaAssemblerErrors, AddressLabels) {
    EXPECT_EQ(assemble_failure(with_code_line("    0x1000: sync engine=1")), "");
    EXPECT_EQ(assemble_failure(with_code_line("    0x1040: sync engine=1")),
              "prog.s:4:5: error: address label 0x1040 does not match the instruction's address 0x1000");
    EXPECT_EQ(assemble_failure(with_code_line("    0x1000:")),
              "prog.s:4:5: error: an address label needs an instruction after it");
}

TEST(IsaAssemblerErrors, Sections) {
    EXPECT_EQ(assemble_failure(".engines\n.code\n"), "prog.s:2:1: error: '.code' needs address=");
    EXPECT_EQ(assemble_failure(".code address=0 size=4\n"), "prog.s:1:17: error: '.code' has no attribute 'size'");
    EXPECT_EQ(assemble_failure(".code address=0\n halt\n.code address=64\n"),
              "prog.s:3:1: error: a second .code section");
    EXPECT_EQ(assemble_failure(".code address=0\n .hex 00\n"),
              "prog.s:2:2: error: .hex outside a .weights or .constants section");
    EXPECT_EQ(assemble_failure(".code address=0\n halt\n.weights address=64\n .hex 0g\n"),
              "prog.s:4:8: error: 'g' is not a hex digit");
    EXPECT_EQ(assemble_failure(".code address=0\n halt\n.weights address=64\n .hex 00 123\n"),
              "prog.s:4:10: error: odd number of hex digits in '123'");
    EXPECT_EQ(assemble_failure(".code address=0\n halt\n.weights address=64\n .zero 2000000000\n"),
              "prog.s:4:8: error: .zero: 2000000000 is out of range [0, 1073741824]");
}

TEST(IsaAssemblerErrors, EngineTable) {
    EXPECT_EQ(assemble_failure(".engines\n  engine id=1\n"), "prog.s:2:3: error: 'engine' needs instance=");
    EXPECT_EQ(assemble_failure(".engines\n  engine id=1 instance=a/b\n"),
              "prog.s:2:24: error: instance name 'a/b' is not 1 to 63 characters of [A-Za-z0-9_.-]");
    EXPECT_EQ(assemble_failure(".engines\n  engine id=300 instance=a\n"),
              "prog.s:2:13: error: engine id: 300 is out of range [0, 255]");
    EXPECT_EQ(
        assemble_failure(".engines\n  engine id=1 instance=a\n  engine id=1 instance=b\n.code address=0\n halt\n"),
        "prog.s:3:3: error: engine 1: id bound twice");
}

TEST(IsaAssemblerErrors, ImageRulesAtTheirLine) {
    EXPECT_EQ(assemble_failure(with_code_line("    sync engine=2")),
              "prog.s:4:17: error: sync: engine 2 is not in the engine table");
    EXPECT_EQ(assemble_failure(".code address=0\n barrier\n"), "prog.s:2:2: error: the code does not end with halt");
    EXPECT_EQ(assemble_failure(".code address=0\n.weights address=0\n"), "prog.s:1:1: error: the code is empty");
    EXPECT_EQ(assemble_failure(".code address=0\n halt\n.weights address=0x20\n .zero 8\n"),
              "prog.s:3:1: error: section 2 (weights) at [0x20, 0x28) overlaps section 1 (code) at [0x0, 0x40)");
}
