// The instruction set as data: one entry per opcode gives its mnemonic and its typed operands. The
// encoder, decoder, assembler and disassembler all read this table, so a new instruction (a permute,
// an epitome map, an AP pass group) is one enumerator here and one entry in opcode_table.cpp.
// docs/isa.md describes every instruction and its semantics.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cimvp::isa {

// Every instruction is one 64-byte little-endian word: a 4-byte header (opcode, operand count,
// payload bytes) and the operands packed in table order; unused bytes are zero.
constexpr unsigned kInstructionBytes = 64;
constexpr unsigned kInstructionHeaderBytes = 4;
constexpr unsigned kMaxPayloadBytes = kInstructionBytes - kInstructionHeaderBytes;

// Opcodes are grouped by the unit that executes them; 0 is never valid, so zeroed memory does not run.
// Free ranges are kept for engines to come: 0x0060 permute, 0x0070 epitome, 0x0080 AP array.
enum class Opcode : uint16_t {
    kHalt = 0x0001,
    kDma = 0x0010,
    kWeightWrite = 0x0020,
    kMvm = 0x0021,
    kVectorAdd = 0x0030,
    kVectorRelu = 0x0031,
    kVectorMaxPool = 0x0032,
    kVectorAvgPool = 0x0033,
    kVectorRequantize = 0x0034,
    kPermute = 0x0038,
    kSignal = 0x0040,
    kWait = 0x0041,
    kSync = 0x0042,
    kBarrier = 0x0043,
    kInterrupt = 0x0050,
};

enum class OperandKind {
    kAddress,   // a byte address, written in hex
    kUnsigned,  // a count or size, written in decimal
    kSigned,    // two's complement, written in decimal
    kFlag,      // 0 or 1
    kEngine,    // an engine id, which the image's engine table must bind to an instance
    kEnum,      // one of `symbols`, stored as its index
};

struct OperandSpec {
    std::string name;
    OperandKind kind;
    unsigned width;  // bytes in the instruction word: 1, 2, 4 or 8
    // Inclusive range. For kSigned both bounds are signed values; otherwise `minimum` is >= 0.
    int64_t minimum;
    uint64_t maximum;
    std::vector<std::string> symbols;  // kEnum only

    bool in_range(uint64_t raw) const;  // raw: the value as stored, zero-extended from `width` bytes
    std::string range_text() const;     // e.g. "[1, 65535]" or "{i8, u8, i16, i32}"
};

struct OpcodeSpec {
    Opcode opcode;
    std::string mnemonic;
    std::string summary;  // one line, for docs and help
    std::vector<OperandSpec> operands;

    unsigned payload_bytes() const;  // the sum of the operand widths
    // Index of the operand called `name`, or -1.
    int operand_index(std::string_view name) const;
    // Byte offset of operand `name` in the 64-byte word (after the header); `name` must exist.
    unsigned operand_offset(std::string_view name) const;

    // operand_index runs for every operand access (drivers read a dozen per instruction), so each
    // name hashes to a slot: the one operand with that hash, kNoOperand, or kScan when several
    // share it. opcode_table() fills the slots; an entry built elsewhere scans.
    static constexpr int8_t kNoOperand = -1, kScan = -2;
    static size_t name_slot(std::string_view name) {
        return (name.size() * 7 + static_cast<unsigned char>(name.front()) * 3 +
                static_cast<unsigned char>(name.back())) % 64;
    }
    std::array<int8_t, 64> operand_slots = scan_slots();
    static std::array<int8_t, 64> scan_slots() {
        std::array<int8_t, 64> slots{};
        slots.fill(kScan);
        return slots;
    }
};

const std::vector<OpcodeSpec>& opcode_table();
// nullptr when the opcode or mnemonic is unknown.
const OpcodeSpec* find_opcode(uint16_t opcode);
const OpcodeSpec* find_opcode(std::string_view mnemonic);
// The entry of a known opcode; throws std::logic_error for an enumerator missing from the table.
const OpcodeSpec& spec_of(Opcode opcode);

// Element types of vector-unit operands, the symbols of their `*_type` operands, in this order.
enum class ElementType : uint8_t { kInt8 = 0, kUint8 = 1, kInt16 = 2, kInt32 = 3 };

// Sign-extends the low `width` bytes of `raw`.
int64_t sign_extend(uint64_t raw, unsigned width);

}  // namespace cimvp::isa
