// `cimvp disasm IMAGE [-o TEXT]`: print a program image in its text form.
#include <fstream>
#include <iostream>

#include "firmware/isa/decode_error.h"
#include "firmware/isa/disassembler.h"
#include "firmware/isa/program_image.h"
#include "platform/cli/command.h"

namespace cimvp::cli {
namespace {

const char* kUsage =
    "usage: cimvp disasm IMAGE [-o TEXT]\n"
    "\n"
    "Checks a binary program image (magic number, version, checksum, section table, every instruction)\n"
    "and prints it as text: the header and section table as comments, the engine table, one instruction\n"
    "per line with its address and named operands, and the weights and constants as hex lines.\n"
    "`cimvp asm` reads the text back to the same bytes. docs/isa.md describes both forms.\n"
    "\n"
    "  -o TEXT   write the text to a file instead of standard output\n"
    "\n"
    "Exit status: 0 on success, 1 when the image is malformed (the error names the byte offset),\n"
    "2 on bad arguments.\n";

int run(const std::vector<std::string>& args) {
    std::string image_path, out_path;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "-o" && i + 1 < args.size()) {
            out_path = args[++i];
        } else if (!args[i].empty() && args[i][0] == '-') {
            std::cerr << "cimvp disasm: error: unknown option '" << args[i] << "' (see cimvp disasm --help)\n";
            return 2;
        } else if (image_path.empty()) {
            image_path = args[i];
        } else {
            std::cerr << "cimvp disasm: error: more than one image given\n";
            return 2;
        }
    }
    if (image_path.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    std::string text;
    try {
        text = isa::disassemble(isa::read_file_bytes(image_path));
    } catch (const isa::DecodeError& error) {
        std::cerr << image_path << ": " << error.what() << "\n";
        return 1;
    }
    if (out_path.empty()) {
        std::cout << text;
        return 0;
    }
    std::ofstream out(out_path);
    out << text;
    if (!out) {
        std::cerr << out_path << ": error: cannot write the file\n";
        return 1;
    }
    return 0;
}

}  // namespace

CIMVP_REGISTER_COMMAND("disasm", "print a program image as text", kUsage, run);

}  // namespace cimvp::cli
