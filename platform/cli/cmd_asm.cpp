// `cimvp asm TEXT -o IMAGE`: assemble the text form of a program into a binary image.
#include <iostream>

#include "firmware/isa/assembler.h"
#include "platform/cli/command.h"

namespace cimvp::cli {
namespace {

const char* kUsage =
    "usage: cimvp asm TEXT -o IMAGE\n"
    "\n"
    "Reads a program in the text form that `cimvp disasm` prints (engine table, code, weights and\n"
    "constants sections) and writes the binary program image with its header, section table and\n"
    "CRC-32. docs/isa.md describes the syntax and every instruction.\n"
    "\n"
    "  -o IMAGE   the image file to write (required)\n"
    "\n"
    "Exit status: 0 on success, 1 when the text is malformed (the error names FILE:LINE:COL),\n"
    "2 on bad arguments.\n";

int run(const std::vector<std::string>& args) {
    std::string text_path, image_path;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "-o" && i + 1 < args.size()) {
            image_path = args[++i];
        } else if (!args[i].empty() && args[i][0] == '-') {
            std::cerr << "cimvp asm: error: unknown option '" << args[i] << "' (see cimvp asm --help)\n";
            return 2;
        } else if (text_path.empty()) {
            text_path = args[i];
        } else {
            std::cerr << "cimvp asm: error: more than one text file given\n";
            return 2;
        }
    }
    if (text_path.empty() || image_path.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    // ConfigError (FILE:LINE:COL) and file errors reach the tool's main, which prints them and exits 1.
    isa::write_file_bytes(image_path, isa::encode_image(isa::assemble_file(text_path)));
    return 0;
}

}  // namespace

CIMVP_REGISTER_COMMAND("asm", "assemble a program's text form into a binary image", kUsage, run);

}  // namespace cimvp::cli
