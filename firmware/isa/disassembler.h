// The text form of a program image, for people: a header comment, then the engine table, the code
// with one instruction per line (its load address, mnemonic and named operands) and the data sections
// as hex lines. `assemble` reads it back to the same bytes; docs/isa.md describes the syntax.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "firmware/isa/instruction.h"

namespace cimvp::isa {

// "mvm engine=1 input=0x10000000 ..." with operands in table order.
std::string format_instruction(const Instruction& instruction);

// Decodes and prints an image; throws DecodeError as decode_image does.
std::string disassemble(const std::vector<uint8_t>& image_bytes);

}  // namespace cimvp::isa
