// One decoded instruction: an opcode and its operand values in the order of its table entry, and
// the conversion to and from the 64-byte word that the scheduler fetches.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "firmware/isa/opcode_table.h"

namespace cimvp::isa {

struct Instruction {
    Opcode opcode = Opcode::kHalt;
    // Values in table order, as stored: zero-extended from the operand's width (signed operands are
    // two's complement, so set(-5) and signed_value() round-trip).
    std::vector<uint64_t> operands;

    // An instruction with every operand 0; set the operands before encoding.
    explicit Instruction(Opcode op = Opcode::kHalt);

    const OpcodeSpec& spec() const { return spec_of(opcode); }
    // Operand access by name; an unknown name throws std::logic_error (a programming error).
    uint64_t value(std::string_view operand) const;
    int64_t signed_value(std::string_view operand) const;
    Instruction& set(std::string_view operand, uint64_t value);

    bool operator==(const Instruction& other) const { return opcode == other.opcode && operands == other.operands; }
};

// Where operand `name` sits in `opcode`'s operands, found once: for code that reads the same
// operands of every instruction it handles (a scheduler driver translates thousands), where a look-up
// by name per access would cost more than the translation.
class OperandIndex {
public:
    // Throws std::logic_error when the opcode has no such operand (a programming error).
    OperandIndex(Opcode opcode, std::string_view name);
    // `instruction` must have the opcode this index was made for.
    uint64_t of(const Instruction& instruction) const { return instruction.operands[index_]; }

private:
    size_t index_;
};

// Writes the 64-byte word. Throws std::invalid_argument naming the operand when a value is out of
// its range (the encoder never writes a word the decoder would reject).
void encode_instruction(const Instruction& instruction, uint8_t* word);

// Reads a 64-byte word; `offset` is the word's position in its image or memory, used in errors.
// Throws DecodeError for an unknown opcode, an operand count or payload size that does not match the
// opcode's entry (a word written for another ISA revision), an out-of-range operand, or a nonzero
// byte after the operands.
Instruction decode_instruction(const uint8_t* word, uint64_t offset);

}  // namespace cimvp::isa
