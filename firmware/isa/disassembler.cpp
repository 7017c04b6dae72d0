#include "firmware/isa/disassembler.h"

#include <algorithm>
#include <sstream>

#include "firmware/isa/hex.h"
#include "firmware/isa/program_image.h"

namespace cimvp::isa {
namespace {

constexpr size_t kBytesPerHexLine = 32;
constexpr const char* kIndent = "    ";

std::string format_operand(const OperandSpec& operand, uint64_t value) {
    switch (operand.kind) {
        case OperandKind::kAddress:
            return to_hex(value);
        case OperandKind::kSigned:
            return std::to_string(sign_extend(value, operand.width));
        case OperandKind::kEnum:
            return operand.symbols.at(value);
        case OperandKind::kUnsigned:
        case OperandKind::kFlag:
        case OperandKind::kEngine:
            break;
    }
    return std::to_string(value);
}

// Full lines of zeros collapse into one `.zero N`, so sparse weight tiles stay short.
void print_data(std::ostream& out, const std::vector<uint8_t>& bytes) {
    static const char* digits = "0123456789abcdef";
    size_t zero_run = 0;
    const auto flush_zeros = [&] {
        if (zero_run > 0) out << kIndent << ".zero " << zero_run << "\n";
        zero_run = 0;
    };
    for (size_t start = 0; start < bytes.size(); start += kBytesPerHexLine) {
        const auto first = bytes.begin() + start;
        const auto last = bytes.begin() + std::min(bytes.size(), start + kBytesPerHexLine);
        if (std::all_of(first, last, [](uint8_t b) { return b == 0; })) {
            zero_run += last - first;
            continue;
        }
        flush_zeros();
        out << kIndent << ".hex ";
        for (auto byte = first; byte != last; ++byte) out << digits[*byte >> 4] << digits[*byte & 15];
        out << "\n";
    }
    flush_zeros();
}

}  // namespace

std::string format_instruction(const Instruction& instruction) {
    const OpcodeSpec& spec = instruction.spec();
    std::string text = spec.mnemonic;
    for (size_t i = 0; i < spec.operands.size(); ++i) {
        text += " " + spec.operands[i].name + "=" + format_operand(spec.operands[i], instruction.operands[i]);
    }
    return text;
}

std::string disassemble(const std::vector<uint8_t>& image_bytes) {
    const ImageLayout layout = decode_layout(image_bytes);
    const ProgramImage image = decode_image(image_bytes);
    std::ostringstream out;
    out << "; cimvp program image, version " << kImageVersion << ", " << image_bytes.size() << " bytes, crc32 "
        << to_hex(layout.crc32, 8) << "\n";
    for (size_t i = 0; i < layout.sections.size(); ++i) {
        const SectionEntry& section = layout.sections[i];
        out << ";   section " << i << ": " << section_type_name(section.type) << ", " << section.size
            << " bytes at file offset " << to_hex(section.offset);
        if (section.type != SectionType::kEngines) out << ", loaded at " << to_hex(section.address);
        out << "\n";
    }
    out << ".engines\n";
    for (const EngineBinding& engine : image.engines) {
        out << kIndent << "engine id=" << int(engine.id) << " instance=" << engine.instance << "\n";
    }
    out << ".code address=" << to_hex(image.code_address) << "\n";
    for (size_t i = 0; i < image.code.size(); ++i) {
        out << kIndent << to_hex(image.code_address + i * kInstructionBytes, 8) << ": "
            << format_instruction(image.code[i]) << "\n";
    }
    for (const DataSection& data : image.data) {
        out << "." << section_type_name(data.type) << " address=" << to_hex(data.address) << "\n";
        print_data(out, data.bytes);
    }
    return out.str();
}

}  // namespace cimvp::isa
