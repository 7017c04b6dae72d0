#include "firmware/isa/assembler.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "firmware/isa/hex.h"
#include "platform/error.h"
#include "platform/units.h"

namespace cimvp::isa {
namespace {

// The most bytes one data section of the text may hold, so a typo in `.zero` cannot exhaust memory.
constexpr uint64_t kMaxDataBytes = uint64_t{1} << 30;

struct Token {
    std::string text;
    int column;  // 1-based
};

// A `name=value` word split at its first '='.
struct Assignment {
    std::string name, value;
    int name_column, value_column;
};

// Where each element of the image came from, to place the faults that find_fault() reports.
struct Origins {
    std::vector<SourceLocation> engines;
    std::vector<SourceLocation> instructions;
    std::vector<std::vector<int>> operand_columns;  // per instruction, in table order
    std::vector<SourceLocation> sections;           // by section number
};

class Assembler {
public:
    Assembler(const std::string& text, const std::string& file_name) : text_(text), file_(file_name) {}

    ProgramImage run() {
        std::istringstream lines(text_);
        std::string line;
        origins_.sections.resize(kFirstDataSection);
        while (std::getline(lines, line)) {
            ++line_number_;
            statement(tokenize(line));
        }
        if (!have_code_) throw ConfigError({file_, 0, 0}, "no .code section");
        if (auto fault = find_fault(image_)) throw ConfigError(place(*fault), fault->message);
        return std::move(image_);
    }

private:
    enum class Section { kNone, kEngines, kCode, kData };

    [[noreturn]] void fail(int column, const std::string& message) const {
        throw ConfigError({file_, line_number_, column}, message);
    }

    std::vector<Token> tokenize(const std::string& line) const {
        std::vector<Token> tokens;
        const size_t end = std::min(line.find(';'), line.size());
        size_t i = 0;
        while (i < end) {
            if (std::isspace(static_cast<unsigned char>(line[i]))) {
                ++i;
                continue;
            }
            const size_t start = i;
            while (i < end && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
            tokens.push_back({line.substr(start, i - start), int(start) + 1});
        }
        return tokens;
    }

    void statement(const std::vector<Token>& tokens) {
        if (tokens.empty()) return;
        const Token& head = tokens[0];
        if (head.text == ".engines" || head.text == ".code" || head.text == ".weights" || head.text == ".constants") {
            section_directive(tokens);
        } else if (head.text == ".hex" || head.text == ".zero") {
            data_directive(tokens);
        } else if (head.text[0] == '.') {
            fail(head.column, "unknown directive '" + head.text +
                                  "' (expected .engines, .code, .weights, .constants, .hex or .zero)");
        } else if (section_ == Section::kEngines) {
            engine_binding(tokens);
        } else if (section_ == Section::kCode) {
            instruction(tokens);
        } else {
            fail(head.column, "'" + head.text + "' outside a .engines or .code section");
        }
    }

    Assignment split(const Token& token) const {
        const size_t equals = token.text.find('=');
        if (equals == std::string::npos || equals == 0 || equals + 1 == token.text.size()) {
            fail(token.column, "expected NAME=VALUE, found '" + token.text + "'");
        }
        return {token.text.substr(0, equals), token.text.substr(equals + 1), token.column,
                token.column + int(equals) + 1};
    }

    // Reads `name=value` attributes that must each appear exactly once.
    std::map<std::string, Assignment> attributes(const std::vector<Token>& tokens, size_t first,
                                                 const std::vector<std::string>& names) const {
        std::map<std::string, Assignment> found;
        for (size_t i = first; i < tokens.size(); ++i) {
            Assignment assignment = split(tokens[i]);
            if (std::find(names.begin(), names.end(), assignment.name) == names.end()) {
                fail(assignment.name_column, "'" + tokens[0].text + "' has no attribute '" + assignment.name + "'");
            }
            if (found.count(assignment.name)) fail(assignment.name_column, "'" + assignment.name + "' given twice");
            found.emplace(assignment.name, std::move(assignment));
        }
        for (const std::string& name : names) {
            if (!found.count(name)) fail(tokens[0].column, "'" + tokens[0].text + "' needs " + name + "=");
        }
        return found;
    }

    uint64_t number(const std::string& text, int column, uint64_t maximum, const std::string& what) const {
        const std::optional<uint64_t> value = parse_unsigned(text);
        if (!value) fail(column, what + ": '" + text + "' is not a number");
        if (*value > maximum)
            fail(column, what + ": " + text + " is out of range [0, " + std::to_string(maximum) + "]");
        return *value;
    }

    void section_directive(const std::vector<Token>& tokens) {
        const Token& head = tokens[0];
        const SourceLocation here{file_, line_number_, head.column};
        if (head.text == ".engines") {
            if (have_engines_) fail(head.column, "a second .engines section");
            attributes(tokens, 1, {});
            have_engines_ = true;
            section_ = Section::kEngines;
            origins_.sections[kEngineSection] = here;
            return;
        }
        const Assignment address = attributes(tokens, 1, {"address"}).at("address");
        const uint64_t value = number(address.value, address.value_column, ~uint64_t{0}, "address");
        if (head.text == ".code") {
            if (have_code_) fail(head.column, "a second .code section");
            have_code_ = true;
            image_.code_address = value;
            section_ = Section::kCode;
            origins_.sections[kCodeSection] = here;
            return;
        }
        const SectionType type = head.text == ".weights" ? SectionType::kWeights : SectionType::kConstants;
        image_.data.push_back({type, value, {}});
        section_ = Section::kData;
        origins_.sections.push_back(here);
    }

    void data_directive(const std::vector<Token>& tokens) {
        const Token& head = tokens[0];
        if (section_ != Section::kData) fail(head.column, head.text + " outside a .weights or .constants section");
        std::vector<uint8_t>& bytes = image_.data.back().bytes;
        if (head.text == ".zero") {
            if (tokens.size() != 2) fail(head.column, ".zero takes one byte count");
            const uint64_t count = number(tokens[1].text, tokens[1].column, kMaxDataBytes - bytes.size(), ".zero");
            bytes.resize(bytes.size() + count, 0);
            return;
        }
        for (size_t t = 1; t < tokens.size(); ++t) {
            const Token& token = tokens[t];
            if (token.text.size() % 2 != 0) fail(token.column, "odd number of hex digits in '" + token.text + "'");
            for (size_t i = 0; i < token.text.size(); i += 2) {
                bytes.push_back(uint8_t(hex_digit(token, i) << 4 | hex_digit(token, i + 1)));
            }
        }
        if (bytes.size() > kMaxDataBytes) fail(head.column, "section larger than 1 GiB");
    }

    int hex_digit(const Token& token, size_t i) const {
        const char c = token.text[i];
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        fail(token.column + int(i), std::string("'") + c + "' is not a hex digit");
    }

    void engine_binding(const std::vector<Token>& tokens) {
        const Token& head = tokens[0];
        if (head.text != "engine") fail(head.column, "expected 'engine id=N instance=NAME', found '" + head.text + "'");
        const auto found = attributes(tokens, 1, {"id", "instance"});
        const Assignment& id = found.at("id");
        const Assignment& instance = found.at("instance");
        EngineBinding binding{uint8_t(number(id.value, id.value_column, 255, "engine id")), instance.value};
        if (!is_valid_instance_name(binding.instance)) {
            fail(instance.value_column, "instance name '" + binding.instance + "' is not 1 to " +
                                            std::to_string(kMaxInstanceNameBytes) + " characters of [A-Za-z0-9_.-]");
        }
        image_.engines.push_back(binding);
        origins_.engines.push_back({file_, line_number_, head.column});
    }

    void instruction(const std::vector<Token>& tokens) {
        size_t first = 0;
        const uint64_t here = image_.code_address + image_.code.size() * kInstructionBytes;
        if (tokens[0].text.back() == ':') {  // an address label, as the disassembler prints it
            const Token& label = tokens[0];
            const uint64_t address =
                number(label.text.substr(0, label.text.size() - 1), label.column, ~uint64_t{0}, "address label");
            if (address != here) {
                fail(label.column,
                     "address label " + to_hex(address) + " does not match the instruction's address " + to_hex(here));
            }
            if (tokens.size() == 1) fail(label.column, "an address label needs an instruction after it");
            first = 1;
        }
        const Token& mnemonic = tokens[first];
        const OpcodeSpec* spec = find_opcode(mnemonic.text);
        if (!spec) fail(mnemonic.column, "unknown instruction '" + mnemonic.text + "'");
        Instruction result(spec->opcode);
        std::vector<int> columns(spec->operands.size(), 0);
        for (size_t t = first + 1; t < tokens.size(); ++t) {
            const Assignment assignment = split(tokens[t]);
            const int index = spec->operand_index(assignment.name);
            if (index < 0) fail(assignment.name_column, spec->mnemonic + " has no operand '" + assignment.name + "'");
            if (columns[index]) fail(assignment.name_column, "operand '" + assignment.name + "' given twice");
            columns[index] = assignment.value_column;
            result.operands[index] = operand_value(*spec, spec->operands[index], assignment);
        }
        std::string missing;
        for (size_t i = 0; i < columns.size(); ++i) {
            if (!columns[i]) missing += (missing.empty() ? "" : ", ") + spec->operands[i].name;
        }
        if (!missing.empty()) fail(mnemonic.column, spec->mnemonic + ": missing operands " + missing);
        image_.code.push_back(std::move(result));
        origins_.instructions.push_back({file_, line_number_, mnemonic.column});
        origins_.operand_columns.push_back(std::move(columns));
    }

    uint64_t operand_value(const OpcodeSpec& spec, const OperandSpec& operand, const Assignment& assignment) const {
        const std::string what = spec.mnemonic + "." + operand.name;
        const std::string& text = assignment.value;
        const int column = assignment.value_column;
        if (operand.kind == OperandKind::kEnum) {
            const auto found = std::find(operand.symbols.begin(), operand.symbols.end(), text);
            if (found == operand.symbols.end()) {
                fail(column, what + ": '" + text + "' is not one of " + operand.range_text());
            }
            return uint64_t(found - operand.symbols.begin());
        }
        const bool negative = operand.kind == OperandKind::kSigned && text[0] == '-';
        const std::optional<uint64_t> magnitude = parse_unsigned(negative ? text.substr(1) : text);
        if (!magnitude) fail(column, what + ": '" + text + "' is not a number");
        const uint64_t raw = negative ? uint64_t{0} - *magnitude : *magnitude;
        bool fits;
        if (operand.kind == OperandKind::kSigned && negative) {
            fits = *magnitude <= uint64_t{1} << 63 && int64_t(raw) >= operand.minimum;
        } else if (operand.kind == OperandKind::kSigned) {
            fits = *magnitude <= operand.maximum && int64_t(*magnitude) >= operand.minimum;
        } else {
            fits = *magnitude >= uint64_t(operand.minimum) && *magnitude <= operand.maximum;
        }
        if (!fits) fail(column, what + " = " + text + " is out of range " + operand.range_text());
        const unsigned bits = 8 * operand.width;
        return bits >= 64 ? raw : raw & ((uint64_t{1} << bits) - 1);
    }

    SourceLocation place(const ImageFault& fault) const {
        switch (fault.place) {
            case ImageFault::Place::kEngine:
                return origins_.engines.at(fault.index);
            case ImageFault::Place::kInstruction: {
                SourceLocation where = origins_.instructions.at(fault.index);
                if (fault.operand >= 0) where.column = origins_.operand_columns.at(fault.index).at(fault.operand);
                return where;
            }
            case ImageFault::Place::kSection:
                break;
        }
        return origins_.sections.at(fault.index);
    }

    const std::string& text_;
    std::string file_;
    int line_number_ = 0;
    Section section_ = Section::kNone;
    bool have_engines_ = false, have_code_ = false;
    ProgramImage image_;
    Origins origins_;
};

}  // namespace

ProgramImage assemble(const std::string& text, const std::string& file_name) {
    return Assembler(text, file_name).run();
}

ProgramImage assemble_file(const std::string& path) {
    std::ifstream file(path);
    if (!file) throw ConfigError({path, 0, 0}, "cannot open the file");
    std::ostringstream text;
    text << file.rdbuf();
    return assemble(text.str(), path);
}

}  // namespace cimvp::isa
