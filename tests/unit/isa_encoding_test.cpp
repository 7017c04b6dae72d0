// Instruction words: the opcode table, the encoder and decoder field by field, and their errors.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <set>
#include <string>

#include "firmware/isa/crc32.h"
#include "firmware/isa/decode_error.h"
#include "firmware/isa/instruction.h"

using namespace cimvp::isa;

namespace {

// Values that exercise each operand: its bounds and a seeded random value between them.
std::vector<Instruction> variants_of(const OpcodeSpec& spec, std::mt19937_64& random) {
    Instruction lowest(spec.opcode), highest(spec.opcode), middle(spec.opcode);
    for (const OperandSpec& operand : spec.operands) {
        const int64_t low = operand.minimum;
        const int64_t high = operand.kind == OperandKind::kSigned ? int64_t(operand.maximum) : 0;
        lowest.set(operand.name, uint64_t(low));
        highest.set(operand.name, operand.maximum);
        if (operand.kind == OperandKind::kSigned) {
            middle.set(operand.name, uint64_t(std::uniform_int_distribution<int64_t>(low, high)(random)));
        } else {
            middle.set(operand.name, std::uniform_int_distribution<uint64_t>(uint64_t(low), operand.maximum)(random));
        }
    }
    return {lowest, highest, middle};
}

std::array<uint8_t, kInstructionBytes> encoded(const Instruction& instruction) {
    std::array<uint8_t, kInstructionBytes> word{};
    encode_instruction(instruction, word.data());
    return word;
}

// The decoder's message for `word` placed at `offset`, or "" when it decodes.
std::string decode_failure(const std::array<uint8_t, kInstructionBytes>& word, uint64_t offset = 0x1000) {
    try {
        decode_instruction(word.data(), offset);
    } catch (const DecodeError& error) {
        return error.what();
    }
    return "";
}

}  // namespace

TEST(IsaCrc32, MatchesTheStandardCheckValue) {
    const char* check = "123456789";
    EXPECT_EQ(crc32(reinterpret_cast<const uint8_t*>(check), std::strlen(check)), 0xCBF43926u);
    EXPECT_EQ(crc32(nullptr, 0), 0u);
    const uint8_t zeros[4] = {0, 0, 0, 0};
    EXPECT_EQ(crc32(zeros, 4), 0x2144DF1Cu);
}

TEST(IsaOpcodeTable, EveryOpcodeHasOneEntryThatFitsTheWord) {
    const Opcode all[] = {Opcode::kHalt,          Opcode::kDma,           Opcode::kWeightWrite,
                          Opcode::kMvm,           Opcode::kVectorAdd,     Opcode::kVectorRelu,
                          Opcode::kVectorMaxPool, Opcode::kVectorAvgPool, Opcode::kVectorRequantize,
                          Opcode::kPermute,       Opcode::kSignal,        Opcode::kWait,
                          Opcode::kSync,          Opcode::kBarrier,       Opcode::kInterrupt};
    ASSERT_EQ(opcode_table().size(), std::size(all));
    for (Opcode opcode : all) {
        const OpcodeSpec& spec = spec_of(opcode);
        EXPECT_LE(spec.payload_bytes(), kMaxPayloadBytes) << spec.mnemonic;
        EXPECT_EQ(find_opcode(spec.mnemonic), &spec);
    }
    EXPECT_EQ(find_opcode(uint16_t{0}), nullptr);
    EXPECT_EQ(find_opcode("nop"), nullptr);
    // The widest instruction fills the payload exactly; a new operand there needs a new opcode.
    EXPECT_EQ(spec_of(Opcode::kVectorRequantize).payload_bytes(), 60u);
    EXPECT_EQ(spec_of(Opcode::kMvm).payload_bytes(), 41u);
    EXPECT_EQ(spec_of(Opcode::kPermute).payload_bytes(), 42u);
}

TEST(IsaOpcodeTable, OperandsAreFoundByNameAndOthersAreNot) {
    // Every operand name of every opcode, and each name that belongs to some other opcode only
    // (many of them hash to a slot that this opcode's operands use), against a plain scan.
    std::set<std::string> all_names = {"", "x", "engine_", "ENGINE", "rowsx"};
    for (const OpcodeSpec& spec : opcode_table()) {
        for (const OperandSpec& operand : spec.operands) all_names.insert(operand.name);
    }
    for (const OpcodeSpec& spec : opcode_table()) {
        for (const std::string& name : all_names) {
            int expected = -1;
            for (size_t i = 0; i < spec.operands.size(); ++i) {
                if (spec.operands[i].name == name) expected = static_cast<int>(i);
            }
            EXPECT_EQ(spec.operand_index(name), expected) << spec.mnemonic << "." << name;
        }
    }
}

TEST(IsaOpcodeTable, AnOperandIndexReadsWhatValueReadsAndRefusesAnUnknownName) {
    Instruction mvm(Opcode::kMvm);
    mvm.set("rows", 77).set("output", 0x1234).set("accumulate", 1);
    for (const char* name : {"rows", "output", "accumulate", "engine"}) {
        EXPECT_EQ(OperandIndex(Opcode::kMvm, name).of(mvm), mvm.value(name)) << name;
    }
    try {
        OperandIndex(Opcode::kMvm, "mask");
        ADD_FAILURE() << "mvm has no operand 'mask'";
    } catch (const std::logic_error& error) {
        EXPECT_STREQ(error.what(), "mvm has no operand 'mask'");
    }
}

TEST(IsaEncoding, WordLayoutIsHeaderThenPackedLittleEndianOperands) {
    Instruction dma(Opcode::kDma);
    dma.set("engine", 3)
        .set("src", 0x1122334455667788)
        .set("dst", 0x80000000)
        .set("row_bytes", 0x100)
        .set("rows", 2)
        .set("src_stride", 0x100)
        .set("dst_stride", 0x300);
    const auto word = encoded(dma);
    EXPECT_EQ(word[0], 0x10);  // opcode 0x0010, little-endian
    EXPECT_EQ(word[1], 0x00);
    EXPECT_EQ(word[2], 7);          // operand count
    EXPECT_EQ(word[3], 41);         // payload bytes: 1 + 8 + 8 + 4 + 4 + 8 + 8
    EXPECT_EQ(word[4], 3);          // engine
    EXPECT_EQ(word[5], 0x88);       // src, low byte first
    EXPECT_EQ(word[12], 0x11);      // src, high byte
    EXPECT_EQ(word[13 + 3], 0x80);  // dst = 0x80000000
    EXPECT_EQ(word[21], 0x00);      // row_bytes = 0x100
    EXPECT_EQ(word[22], 0x01);
    EXPECT_EQ(word[37], 0x00);  // dst_stride = 0x300
    EXPECT_EQ(word[38], 0x03);
    for (unsigned i = 4 + 41; i < kInstructionBytes; ++i) EXPECT_EQ(word[i], 0) << i;
}

TEST(IsaEncoding, EveryOpcodeRoundTripsFieldByField) {
    std::mt19937_64 random(7);
    for (const OpcodeSpec& spec : opcode_table()) {
        for (const Instruction& original : variants_of(spec, random)) {
            const auto word = encoded(original);
            const Instruction decoded = decode_instruction(word.data(), 0);
            ASSERT_EQ(decoded.opcode, spec.opcode);
            for (const OperandSpec& operand : spec.operands) {
                EXPECT_EQ(decoded.value(operand.name), original.value(operand.name))
                    << spec.mnemonic << "." << operand.name;
            }
            EXPECT_EQ(decoded, original) << spec.mnemonic;
        }
    }
}

TEST(IsaEncoding, SignedOperandsKeepTheirSign) {
    Instruction add(Opcode::kVectorAdd);
    add.set("out_min", uint64_t(-128)).set("out_max", 127);
    add.set("elements", 1).set("shift", 1);
    const Instruction decoded = decode_instruction(encoded(add).data(), 0);
    EXPECT_EQ(decoded.signed_value("out_min"), -128);
    EXPECT_EQ(decoded.signed_value("out_max"), 127);
    EXPECT_EQ(decoded.value("out_min"), 0xFFFFFF80u);  // stored as 4-byte two's complement
}

TEST(IsaEncoding, EncoderRejectsOutOfRangeValues) {
    Instruction mvm(Opcode::kMvm);  // rows, channels, vectors and bits are 0: below their minimum of 1
    try {
        encoded(mvm);
        FAIL() << "encoded an mvm with vectors=0";
    } catch (const std::invalid_argument& error) {
        EXPECT_STREQ(error.what(), "mvm.vectors = 0 is out of range [1, 4294967295]");
    }
    EXPECT_THROW(Instruction(Opcode::kHalt).set("engine", 1), std::logic_error);
}

TEST(IsaDecoding, RejectsAnUnknownOpcodeAtTheWord) {
    std::array<uint8_t, kInstructionBytes> word{};
    word[0] = 0x7f;
    EXPECT_EQ(decode_failure(word), "byte 0x1000: error: unknown opcode 0x007f");
    word[0] = 0;  // zeroed memory is not an instruction
    EXPECT_EQ(decode_failure(word), "byte 0x1000: error: unknown opcode 0x0000");
}

TEST(IsaDecoding, RejectsAWordOfAnotherOperandLayout) {
    auto word = encoded(Instruction(Opcode::kSync));
    word[2] = 2;  // a later revision with one more operand
    EXPECT_EQ(decode_failure(word), "byte 0x1002: error: sync has 1 operands, the word says 2");
    word[2] = 1;
    word[3] = 5;
    EXPECT_EQ(decode_failure(word), "byte 0x1003: error: sync has 1 operand bytes, the word says 5");
}

TEST(IsaDecoding, RejectsAnOutOfRangeFieldAtItsByte) {
    Instruction mvm(Opcode::kMvm);
    for (const char* name : {"vectors", "rows", "channels", "weight_bits", "input_bits"}) mvm.set(name, 1);
    auto word = encoded(mvm);
    // input_bits sits after engine(1) input(8) input_stride(4) vectors(4) output(8) output_stride(4)
    // row_offset(2) rows(2) channel_offset(2) channels(2) weight_bits(1): byte 4 + 38 = 42.
    word[42] = 17;
    EXPECT_EQ(decode_failure(word), "byte 0x102a: error: mvm.input_bits = 17 is out of range [1, 16]");
    word[42] = 8;
    word[43] = 2;  // input_signed is a flag
    EXPECT_EQ(decode_failure(word), "byte 0x102b: error: mvm.input_signed = 2 is out of range [0, 1]");
}

TEST(IsaDecoding, RejectsAnUnknownEnumValue) {
    Instruction relu(Opcode::kVectorRelu);
    relu.set("elements", 4);
    auto word = encoded(relu);
    word[4 + 1 + 8 + 8 + 4] = 9;  // type
    EXPECT_EQ(decode_failure(word, 0), "byte 0x19: error: vrelu.type = 9 is out of range {i8, u8, i16, i32}");
}

TEST(IsaDecoding, RejectsNonzeroBytesAfterTheOperands) {
    auto word = encoded(Instruction(Opcode::kHalt));
    word[63] = 1;
    EXPECT_EQ(decode_failure(word, 0x40), "byte 0x7f: error: halt: nonzero byte after the operands");
}
