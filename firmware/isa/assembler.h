// Reads the text form that `disassemble` prints (docs/isa.md gives the syntax) into a program image.
#pragma once

#include <string>

#include "firmware/isa/program_image.h"

namespace cimvp::isa {

// Throws cimvp::ConfigError at FILE:LINE:COL for any malformed line, unknown mnemonic or operand,
// missing or repeated operand, out-of-range value, misplaced address label, and for every rule of
// find_fault() (located at the engine, instruction, operand or section that breaks it).
ProgramImage assemble(const std::string& text, const std::string& file_name);

// Reads the file, then assembles it.
ProgramImage assemble_file(const std::string& path);

}  // namespace cimvp::isa
