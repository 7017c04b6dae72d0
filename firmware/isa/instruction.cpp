#include "firmware/isa/instruction.h"

#include <cstring>
#include <stdexcept>
#include <string>

#include "firmware/isa/decode_error.h"
#include "firmware/isa/hex.h"
#include "firmware/isa/little_endian.h"

namespace cimvp::isa {
namespace {

size_t index_of(const OpcodeSpec& spec, std::string_view operand) {
    const int index = spec.operand_index(operand);
    if (index < 0) throw std::logic_error(spec.mnemonic + " has no operand '" + std::string(operand) + "'");
    return size_t(index);
}

// Keeps only the bytes the word stores, so a negative value set on a narrow signed operand compares
// equal to the same value after a round trip.
uint64_t truncate(uint64_t value, unsigned width) {
    return width >= 8 ? value : value & ((uint64_t{1} << (8 * width)) - 1);
}

}  // namespace

OperandIndex::OperandIndex(Opcode opcode, std::string_view name) : index_(index_of(spec_of(opcode), name)) {}

Instruction::Instruction(Opcode op) : opcode(op), operands(spec_of(op).operands.size(), 0) {}

uint64_t Instruction::value(std::string_view operand) const { return operands.at(index_of(spec(), operand)); }

int64_t Instruction::signed_value(std::string_view operand) const {
    const OpcodeSpec& table_entry = spec();
    const size_t index = index_of(table_entry, operand);
    return sign_extend(operands.at(index), table_entry.operands[index].width);
}

Instruction& Instruction::set(std::string_view operand, uint64_t value) {
    const OpcodeSpec& table_entry = spec();
    const size_t index = index_of(table_entry, operand);
    operands.at(index) = truncate(value, table_entry.operands[index].width);
    return *this;
}

void encode_instruction(const Instruction& instruction, uint8_t* word) {
    const OpcodeSpec& spec = instruction.spec();
    if (instruction.operands.size() != spec.operands.size()) {
        throw std::invalid_argument(spec.mnemonic + ": " + std::to_string(instruction.operands.size()) +
                                    " operands given, the opcode has " + std::to_string(spec.operands.size()));
    }
    std::memset(word, 0, kInstructionBytes);
    store_le(word, 2, uint16_t(spec.opcode));
    word[2] = uint8_t(spec.operands.size());
    word[3] = uint8_t(spec.payload_bytes());
    unsigned position = kInstructionHeaderBytes;
    for (size_t i = 0; i < spec.operands.size(); ++i) {
        const OperandSpec& operand = spec.operands[i];
        const uint64_t value = instruction.operands[i];
        if (truncate(value, operand.width) != value || !operand.in_range(value)) {
            throw std::invalid_argument(spec.mnemonic + "." + operand.name + " = " + std::to_string(value) +
                                        " is out of range " + operand.range_text());
        }
        store_le(word + position, operand.width, value);
        position += operand.width;
    }
}

Instruction decode_instruction(const uint8_t* word, uint64_t offset) {
    const uint16_t code = uint16_t(load_le(word, 2));
    const OpcodeSpec* spec = find_opcode(code);
    if (!spec) throw DecodeError(offset, "unknown opcode " + to_hex(code, 4));
    if (word[2] != spec->operands.size()) {
        throw DecodeError(offset + 2, spec->mnemonic + " has " + std::to_string(spec->operands.size()) +
                                          " operands, the word says " + std::to_string(word[2]));
    }
    if (word[3] != spec->payload_bytes()) {
        throw DecodeError(offset + 3, spec->mnemonic + " has " + std::to_string(spec->payload_bytes()) +
                                          " operand bytes, the word says " + std::to_string(word[3]));
    }
    Instruction instruction(spec->opcode);
    unsigned position = kInstructionHeaderBytes;
    for (size_t i = 0; i < spec->operands.size(); ++i) {
        const OperandSpec& operand = spec->operands[i];
        const uint64_t value = load_le(word + position, operand.width);
        if (!operand.in_range(value)) {
            const std::string shown = operand.kind == OperandKind::kSigned
                                          ? std::to_string(sign_extend(value, operand.width))
                                          : std::to_string(value);
            throw DecodeError(offset + position, spec->mnemonic + "." + operand.name + " = " + shown +
                                                     " is out of range " + operand.range_text());
        }
        instruction.operands[i] = value;
        position += operand.width;
    }
    static constexpr uint8_t kZeros[kInstructionBytes] = {};
    if (std::memcmp(word + position, kZeros, kInstructionBytes - position) != 0) {
        while (word[position] == 0) ++position;
        throw DecodeError(offset + position, spec->mnemonic + ": nonzero byte after the operands");
    }
    return instruction;
}

}  // namespace cimvp::isa
