// The binary program image that the compiler writes and the loader places in simulated DRAM.
//
// Layout (little-endian; docs/isa.md has the full table):
//   header, 24 bytes   magic "CIMP", version, section count, instruction word bytes (64),
//                      CRC-32 of every byte after the header, image size
//   section table      one 32-byte entry per section: type, reserved (0), file offset, size, load address
//   sections           in table order, each starting at the next 64-byte boundary, zero padding between
// Section 0 is the engine table (64-byte records: engine id, then the instance name, NUL-padded),
// section 1 the code (64-byte instruction words, ending with halt), then any weights and constants
// sections. Code, weights and constants are loaded at their addresses; the engine table is not loaded.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "firmware/isa/instruction.h"

namespace cimvp::isa {

constexpr char kImageMagic[4] = {'C', 'I', 'M', 'P'};
// Bumped only when the header or section format changes; new opcodes do not change it, since an old
// decoder rejects an unknown opcode by itself.
constexpr uint16_t kImageVersion = 1;
constexpr unsigned kHeaderBytes = 24;
constexpr unsigned kSectionEntryBytes = 32;
constexpr unsigned kSectionAlignment = 64;
constexpr unsigned kEngineRecordBytes = 64;
constexpr unsigned kMaxInstanceNameBytes = kEngineRecordBytes - 1;

enum class SectionType : uint32_t { kEngines = 1, kCode = 2, kWeights = 3, kConstants = 4 };
// "engines", "code", "weights", "constants": the names of the text form's section directives.
const char* section_type_name(SectionType type);

// Binds an engine id used by instructions to a platform instance of the netlist.
struct EngineBinding {
    uint8_t id = 0;
    std::string instance;  // 1 to 63 characters from [A-Za-z0-9_.-]
    bool operator==(const EngineBinding& other) const { return id == other.id && instance == other.instance; }
};

// Bytes the loader writes at `address`: weight tiles, or constants such as requantization tables.
struct DataSection {
    SectionType type = SectionType::kWeights;  // kWeights or kConstants
    uint64_t address = 0;
    std::vector<uint8_t> bytes;
    bool operator==(const DataSection& other) const {
        return type == other.type && address == other.address && bytes == other.bytes;
    }
};

struct ProgramImage {
    std::vector<EngineBinding> engines;
    uint64_t code_address = 0;
    std::vector<Instruction> code;
    std::vector<DataSection> data;
    bool operator==(const ProgramImage& other) const {
        return engines == other.engines && code_address == other.code_address && code == other.code &&
               data == other.data;
    }
};

// Section numbers of the canonical layout; data[i] is section kFirstDataSection + i.
constexpr size_t kEngineSection = 0, kCodeSection = 1, kFirstDataSection = 2;

bool is_valid_instance_name(const std::string& name);

// A rule of a well-formed image that the byte layout alone cannot enforce, broken at one place, so
// that the decoder can name a byte offset and the assembler a line.
struct ImageFault {
    enum class Place { kEngine, kInstruction, kSection } place;
    size_t index;      // engine record, instruction, or section number
    int operand = -1;  // for kInstruction, the operand at fault, or -1 for the whole instruction
    std::string message;
};

// The first broken rule, if any: engine ids and names unique, names valid; code non-empty, ending
// with halt, and naming only bound engines; data sections typed weights or constants; loaded
// sections (code and data) neither overlapping nor wrapping around the address space.
std::optional<ImageFault> find_fault(const ProgramImage& image);

// Throws std::invalid_argument with the message of find_fault().
void validate(const ProgramImage& image);

// Validates, then lays the image out as described above. Throws std::invalid_argument.
std::vector<uint8_t> encode_image(const ProgramImage& image);

// Where each section sits in an image file, as its section table says.
struct SectionEntry {
    SectionType type;
    uint64_t offset;   // in the file
    uint64_t size;     // bytes
    uint64_t address;  // load address; 0 for the engine table
};

struct ImageLayout {
    uint32_t crc32;
    std::vector<SectionEntry> sections;
};

// Checks the header, the checksum and the section table (the first half of decode_image) and
// returns the table. Throws DecodeError.
ImageLayout decode_layout(const std::vector<uint8_t>& bytes);

// Throws DecodeError at the offending byte: bad magic, version or word size; truncation; a section
// table entry pointing outside the image or off the canonical layout; a bad checksum; an unknown
// opcode or out-of-range operand; and every rule of validate().
ProgramImage decode_image(const std::vector<uint8_t>& bytes);

// File helpers for the CLI and tests; errors name the file.
std::vector<uint8_t> read_file_bytes(const std::string& path);
void write_file_bytes(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace cimvp::isa
