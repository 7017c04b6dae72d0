#include "firmware/isa/program_image.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <stdexcept>

#include "firmware/isa/crc32.h"
#include "firmware/isa/decode_error.h"
#include "firmware/isa/hex.h"
#include "firmware/isa/little_endian.h"

namespace cimvp::isa {
namespace {

// Header field offsets.
constexpr unsigned kMagicAt = 0, kVersionAt = 4, kSectionCountAt = 6, kWordBytesAt = 8, kCrcAt = 12, kSizeAt = 16;
// Section table entry field offsets.
constexpr unsigned kTypeAt = 0, kReservedAt = 4, kOffsetAt = 8, kBytesAt = 16, kAddressAt = 24;

uint64_t align_up(uint64_t value) { return (value + kSectionAlignment - 1) / kSectionAlignment * kSectionAlignment; }

std::string section_name(size_t index, SectionType type) {
    return "section " + std::to_string(index) + " (" + section_type_name(type) + ")";
}

// One section as the binary sees it: what the table says and the bytes it covers.
struct SectionBlock {
    SectionType type;
    uint64_t address;
    std::vector<uint8_t> bytes;
};

std::vector<SectionBlock> sections_of(const ProgramImage& image) {
    std::vector<SectionBlock> blocks;
    std::vector<uint8_t> engine_bytes(image.engines.size() * kEngineRecordBytes, 0);
    for (size_t i = 0; i < image.engines.size(); ++i) {
        uint8_t* record = engine_bytes.data() + i * kEngineRecordBytes;
        record[0] = image.engines[i].id;
        std::memcpy(record + 1, image.engines[i].instance.data(), image.engines[i].instance.size());
    }
    blocks.push_back({SectionType::kEngines, 0, std::move(engine_bytes)});
    std::vector<uint8_t> code_bytes(image.code.size() * kInstructionBytes);
    for (size_t i = 0; i < image.code.size(); ++i) {
        encode_instruction(image.code[i], code_bytes.data() + i * kInstructionBytes);
    }
    blocks.push_back({SectionType::kCode, image.code_address, std::move(code_bytes)});
    for (const DataSection& data : image.data) blocks.push_back({data.type, data.address, data.bytes});
    return blocks;
}

std::optional<ImageFault> engine_fault(const ProgramImage& image) {
    std::set<uint8_t> ids;
    std::set<std::string> names;
    for (size_t i = 0; i < image.engines.size(); ++i) {
        const EngineBinding& engine = image.engines[i];
        const auto fault = [&](const std::string& message) {
            return ImageFault{ImageFault::Place::kEngine, i, -1,
                              "engine " + std::to_string(engine.id) + ": " + message};
        };
        if (!is_valid_instance_name(engine.instance)) {
            return fault("instance name '" + engine.instance + "' is not 1 to " +
                         std::to_string(kMaxInstanceNameBytes) + " characters of [A-Za-z0-9_.-]");
        }
        if (!ids.insert(engine.id).second) return fault("id bound twice");
        if (!names.insert(engine.instance).second) return fault("instance '" + engine.instance + "' bound twice");
    }
    return std::nullopt;
}

std::optional<ImageFault> code_fault(const ProgramImage& image) {
    if (image.code.empty()) return ImageFault{ImageFault::Place::kSection, kCodeSection, -1, "the code is empty"};
    std::set<uint8_t> bound;
    for (const EngineBinding& engine : image.engines) bound.insert(engine.id);
    for (size_t i = 0; i < image.code.size(); ++i) {
        const OpcodeSpec& spec = image.code[i].spec();
        for (size_t j = 0; j < spec.operands.size(); ++j) {
            const uint64_t id = image.code[i].operands[j];
            if (spec.operands[j].kind == OperandKind::kEngine && !bound.count(uint8_t(id))) {
                return ImageFault{ImageFault::Place::kInstruction, i, int(j),
                                  spec.mnemonic + ": engine " + std::to_string(id) + " is not in the engine table"};
            }
        }
    }
    if (image.code.back().opcode != Opcode::kHalt) {
        return ImageFault{ImageFault::Place::kInstruction, image.code.size() - 1, -1,
                          "the code does not end with halt"};
    }
    return std::nullopt;
}

std::optional<ImageFault> data_fault(const ProgramImage& image) {
    // The loaded ranges [first, end) seen so far; empty sections occupy nothing.
    struct Range {
        std::string name;
        uint64_t first, end;
    };
    std::vector<Range> loaded;
    const auto add = [&](size_t section, SectionType type, uint64_t address,
                         uint64_t bytes) -> std::optional<ImageFault> {
        const std::string name = section_name(section, type);
        if (bytes > 0 && address > ~uint64_t{0} - (bytes - 1)) {
            return ImageFault{ImageFault::Place::kSection, section, -1, name + " wraps around the address space"};
        }
        const uint64_t end = address + bytes;
        for (const Range& other : loaded) {
            if (bytes > 0 && other.first < end && address < other.end) {
                return ImageFault{ImageFault::Place::kSection, section, -1,
                                  name + " at [" + to_hex(address) + ", " + to_hex(end) + ") overlaps " + other.name +
                                      " at [" + to_hex(other.first) + ", " + to_hex(other.end) + ")"};
            }
        }
        if (bytes > 0) loaded.push_back({name, address, end});
        return std::nullopt;
    };
    if (auto fault = add(kCodeSection, SectionType::kCode, image.code_address, image.code.size() * kInstructionBytes)) {
        return fault;
    }
    for (size_t i = 0; i < image.data.size(); ++i) {
        const DataSection& data = image.data[i];
        const size_t section = kFirstDataSection + i;
        if (data.type != SectionType::kWeights && data.type != SectionType::kConstants) {
            return ImageFault{ImageFault::Place::kSection, section, -1,
                              "section " + std::to_string(section) + " must hold weights or constants"};
        }
        if (auto fault = add(section, data.type, data.address, data.bytes.size())) return fault;
    }
    return std::nullopt;
}

// Decoding. Every check names the byte it read.

struct Reader {
    const std::vector<uint8_t>& bytes;
    uint64_t u(uint64_t at, unsigned width) const { return load_le(bytes.data() + at, width); }
};

void check_header(const Reader& in) {
    const std::vector<uint8_t>& bytes = in.bytes;
    if (bytes.size() < kHeaderBytes) {
        throw DecodeError(bytes.size(), "truncated image: " + std::to_string(bytes.size()) +
                                            " bytes, the header needs " + std::to_string(kHeaderBytes));
    }
    if (std::memcmp(bytes.data() + kMagicAt, kImageMagic, sizeof kImageMagic) != 0) {
        std::string found;
        for (unsigned i = 0; i < sizeof kImageMagic; ++i) found += (i ? " " : "") + to_hex(bytes[i], 2).substr(2);
        throw DecodeError(kMagicAt,
                          "bad magic number " + found + ", not a cimvp program image (expected 43 49 4d 50, \"CIMP\")");
    }
    const uint64_t version = in.u(kVersionAt, 2);
    if (version != kImageVersion) {
        throw DecodeError(kVersionAt, "unsupported image version " + std::to_string(version) +
                                          " (this decoder reads version " + std::to_string(kImageVersion) + ")");
    }
    const uint64_t word_bytes = in.u(kWordBytesAt, 4);
    if (word_bytes != kInstructionBytes) {
        throw DecodeError(kWordBytesAt, "instruction words of " + std::to_string(word_bytes) + " bytes (expected " +
                                            std::to_string(kInstructionBytes) + ")");
    }
    const uint64_t size = in.u(kSizeAt, 8);
    if (bytes.size() < size) {
        throw DecodeError(bytes.size(), "truncated image: the header says " + std::to_string(size) + " bytes, only " +
                                            std::to_string(bytes.size()) + " present");
    }
    if (bytes.size() > size) {
        throw DecodeError(size, std::to_string(bytes.size() - size) + " bytes after the end of the image (" +
                                    std::to_string(size) + " bytes by its header)");
    }
    const uint32_t stored = uint32_t(in.u(kCrcAt, 4));
    const uint32_t computed = crc32(bytes.data() + kHeaderBytes, bytes.size() - kHeaderBytes);
    if (stored != computed) {
        throw DecodeError(kCrcAt, "checksum mismatch: the header says " + to_hex(stored, 8) + ", the bytes give " +
                                      to_hex(computed, 8));
    }
}

SectionType expected_type(size_t index, uint64_t type) {
    if (index == kEngineSection) return SectionType::kEngines;
    if (index == kCodeSection) return SectionType::kCode;
    return type == uint64_t(SectionType::kConstants) ? SectionType::kConstants : SectionType::kWeights;
}

std::vector<SectionEntry> read_section_table(const Reader& in) {
    const uint64_t count = in.u(kSectionCountAt, 2);
    if (count < kFirstDataSection) {
        throw DecodeError(kSectionCountAt,
                          std::to_string(count) + " sections; an image has at least the engine table and the code");
    }
    const uint64_t image_size = in.bytes.size();
    uint64_t expected_offset = kHeaderBytes + count * kSectionEntryBytes;
    if (expected_offset > image_size) {
        throw DecodeError(image_size, "truncated image: the section table of " + std::to_string(count) +
                                          " entries ends at " + to_hex(expected_offset));
    }
    std::vector<SectionEntry> entries;
    for (size_t i = 0; i < count; ++i) {
        const uint64_t at = kHeaderBytes + i * kSectionEntryBytes;
        const uint64_t type = in.u(at + kTypeAt, 4);
        const SectionType wanted = expected_type(i, type);
        if (type != uint64_t(wanted)) {
            throw DecodeError(at + kTypeAt, "section " + std::to_string(i) + " has type " + std::to_string(type) +
                                                ", expected " + std::to_string(uint32_t(wanted)) + " (" +
                                                section_type_name(wanted) + ")");
        }
        const std::string name = section_name(i, wanted);
        if (in.u(at + kReservedAt, 4) != 0) throw DecodeError(at + kReservedAt, name + ": reserved field is not 0");
        const SectionEntry entry{wanted, in.u(at + kOffsetAt, 8), in.u(at + kBytesAt, 8), in.u(at + kAddressAt, 8)};
        if (entry.offset > image_size || entry.size > image_size - entry.offset) {
            const uint64_t field = entry.offset > image_size ? kOffsetAt : kBytesAt;
            throw DecodeError(at + field, name + " at [" + to_hex(entry.offset) + ", +" + std::to_string(entry.size) +
                                              " bytes) lies outside the image of " + std::to_string(image_size) +
                                              " bytes");
        }
        const uint64_t padding_start = expected_offset;
        expected_offset = align_up(expected_offset);
        if (entry.offset != expected_offset) {
            throw DecodeError(at + kOffsetAt, name + " starts at " + to_hex(entry.offset) + ", expected " +
                                                  to_hex(expected_offset) +
                                                  " (sections follow the table in order, 64-byte aligned)");
        }
        // Zero padding keeps one byte sequence per image, so disassembling and reassembling is exact.
        for (uint64_t pad = padding_start; pad < entry.offset; ++pad) {
            if (in.bytes[pad] != 0) throw DecodeError(pad, "nonzero padding byte before " + name);
        }
        const bool words = wanted == SectionType::kEngines || wanted == SectionType::kCode;
        if (words && entry.size % kInstructionBytes != 0) {
            throw DecodeError(at + kBytesAt,
                              name + " size " + std::to_string(entry.size) + " is not a multiple of 64 bytes");
        }
        if (wanted == SectionType::kEngines && entry.address != 0) {
            throw DecodeError(at + kAddressAt, name + " is not loaded; its address must be 0");
        }
        entries.push_back(entry);
        expected_offset = entry.offset + entry.size;
    }
    if (expected_offset != image_size) {
        throw DecodeError(expected_offset,
                          std::to_string(image_size - expected_offset) + " bytes after the last section");
    }
    return entries;
}

std::vector<EngineBinding> read_engines(const Reader& in, const SectionEntry& entry) {
    std::vector<EngineBinding> engines;
    for (uint64_t at = entry.offset; at < entry.offset + entry.size; at += kEngineRecordBytes) {
        const char* name = reinterpret_cast<const char*>(in.bytes.data() + at + 1);
        const size_t length = strnlen(name, kMaxInstanceNameBytes);
        for (size_t i = length; i < kMaxInstanceNameBytes; ++i) {
            if (name[i] != 0) throw DecodeError(at + 1 + i, "engine record: nonzero byte after the instance name");
        }
        engines.push_back({in.bytes[at], std::string(name, length)});
    }
    return engines;
}

uint64_t fault_offset(const ImageFault& fault, const ProgramImage& image, const std::vector<SectionEntry>& entries) {
    switch (fault.place) {
        case ImageFault::Place::kEngine:
            return entries[kEngineSection].offset + fault.index * kEngineRecordBytes;
        case ImageFault::Place::kInstruction: {
            uint64_t at = entries[kCodeSection].offset + fault.index * kInstructionBytes;
            if (fault.operand < 0) return at;
            const OpcodeSpec& spec = image.code[fault.index].spec();
            return at + spec.operand_offset(spec.operands[static_cast<size_t>(fault.operand)].name);
        }
        case ImageFault::Place::kSection:
            return kHeaderBytes + fault.index * kSectionEntryBytes;
    }
    return 0;
}

}  // namespace

const char* section_type_name(SectionType type) {
    switch (type) {
        case SectionType::kEngines:
            return "engines";
        case SectionType::kCode:
            return "code";
        case SectionType::kWeights:
            return "weights";
        case SectionType::kConstants:
            return "constants";
    }
    return "unknown";
}

bool is_valid_instance_name(const std::string& name) {
    if (name.empty() || name.size() > kMaxInstanceNameBytes) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
               c == '-';
    });
}

std::optional<ImageFault> find_fault(const ProgramImage& image) {
    if (auto fault = engine_fault(image)) return fault;
    if (auto fault = code_fault(image)) return fault;
    return data_fault(image);
}

void validate(const ProgramImage& image) {
    if (auto fault = find_fault(image)) throw std::invalid_argument(fault->message);
}

std::vector<uint8_t> encode_image(const ProgramImage& image) {
    validate(image);
    const std::vector<SectionBlock> blocks = sections_of(image);
    uint64_t offset = kHeaderBytes + blocks.size() * kSectionEntryBytes;
    std::vector<uint64_t> offsets;
    for (const SectionBlock& block : blocks) {
        offset = align_up(offset);
        offsets.push_back(offset);
        offset += block.bytes.size();
    }
    std::vector<uint8_t> bytes(offset, 0);
    std::memcpy(bytes.data() + kMagicAt, kImageMagic, sizeof kImageMagic);
    store_le(bytes.data() + kVersionAt, 2, kImageVersion);
    store_le(bytes.data() + kSectionCountAt, 2, blocks.size());
    store_le(bytes.data() + kWordBytesAt, 4, kInstructionBytes);
    store_le(bytes.data() + kSizeAt, 8, bytes.size());
    for (size_t i = 0; i < blocks.size(); ++i) {
        uint8_t* entry = bytes.data() + kHeaderBytes + i * kSectionEntryBytes;
        store_le(entry + kTypeAt, 4, uint32_t(blocks[i].type));
        store_le(entry + kOffsetAt, 8, offsets[i]);
        store_le(entry + kBytesAt, 8, blocks[i].bytes.size());
        store_le(entry + kAddressAt, 8, blocks[i].address);
        std::copy(blocks[i].bytes.begin(), blocks[i].bytes.end(), bytes.begin() + offsets[i]);
    }
    store_le(bytes.data() + kCrcAt, 4, crc32(bytes.data() + kHeaderBytes, bytes.size() - kHeaderBytes));
    return bytes;
}

ImageLayout decode_layout(const std::vector<uint8_t>& bytes) {
    const Reader in{bytes};
    check_header(in);
    return {uint32_t(in.u(kCrcAt, 4)), read_section_table(in)};
}

ProgramImage decode_image(const std::vector<uint8_t>& bytes) {
    const Reader in{bytes};
    const std::vector<SectionEntry> entries = decode_layout(bytes).sections;
    ProgramImage image;
    image.engines = read_engines(in, entries[kEngineSection]);
    const SectionEntry& code = entries[kCodeSection];
    image.code_address = code.address;
    for (uint64_t at = code.offset; at < code.offset + code.size; at += kInstructionBytes) {
        image.code.push_back(decode_instruction(bytes.data() + at, at));
    }
    for (size_t i = kFirstDataSection; i < entries.size(); ++i) {
        const auto first = bytes.begin() + entries[i].offset;
        image.data.push_back({entries[i].type, entries[i].address, {first, first + entries[i].size}});
    }
    if (auto fault = find_fault(image)) throw DecodeError(fault_offset(*fault, image, entries), fault->message);
    return image;
}

std::vector<uint8_t> read_file_bytes(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw std::runtime_error(path + ": error: cannot open the file");
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

void write_file_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream file(path, std::ios::binary);
    file.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!file) throw std::runtime_error(path + ": error: cannot write the file");
}

}  // namespace cimvp::isa
