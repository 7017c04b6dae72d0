// Collects a program while the back end walks the network: instructions, engine bindings, and the
// weights and constants they point at. Data addresses are not known until the code is complete
// (the code comes first in memory and its size grows as layers are emitted), so instructions refer
// to data by offset into its section and finish() turns the offsets into addresses.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "firmware/isa/program_image.h"
#include "platform/program_annotations.h"

namespace cimvp::backend {

enum class DataKind { kWeights, kConstants };

// A location in a data section, resolved to an address by finish().
struct DataRef {
    DataKind kind = DataKind::kWeights;
    uint64_t offset = 0;
};

class ProgramBuilder {
public:
    // The id of `instance` in the engine table, binding it on first use.
    uint8_t engine(const std::string& instance);

    // Appends bytes to a section, 64-byte aligned, and returns where they start.
    DataRef add_data(DataKind kind, const std::vector<uint8_t>& bytes);
    // Little-endian int32 values as constants (requantization tables).
    DataRef add_int32_constants(const std::vector<int32_t>& values);

    // An address operand that must point at `ref` plus `extra` bytes.
    struct Patch {
        std::string operand;
        DataRef ref;
        uint64_t extra = 0;
    };
    void emit(const isa::Instruction& instruction);
    void emit(isa::Instruction instruction, const std::string& operand, const DataRef& ref, uint64_t extra = 0);
    void emit_patched(isa::Instruction instruction, const std::vector<Patch>& patches);
    // Keeps the next instruction's place for one that can only be written later (fill), such as a
    // preload at the start of the program whose size is known at the end.
    size_t reserve();
    void fill(size_t slot, isa::Instruction instruction, const std::vector<Patch>& patches = {});

    // Debug information for the timeline: what the instructions emitted from now on work on, and
    // the bytes of a buffer allocated from an instruction on (a later call for the same instruction
    // and buffer replaces the earlier).
    void label(const std::string& layer, const std::string& tile = "") { label_ = {layer, tile}; }
    void allocate(const std::string& buffer, uint64_t bytes) { allocate_at(code_.size(), buffer, bytes); }
    void allocate_at(size_t instruction, const std::string& buffer, uint64_t bytes);
    // Keyed by instruction address once finish() has placed the code.
    const ProgramAnnotations& annotations() const { return annotations_; }

    size_t instruction_count() const { return code_.size(); }
    uint64_t data_bytes(DataKind kind) const { return sections_.at(kind).size(); }
    // Bytes of the code section once halt is added.
    uint64_t code_bytes() const { return (code_.size() + 1) * isa::kInstructionBytes; }

    // Ends the program with halt and lays it out from `base`: code, then weights, then constants,
    // each 64-byte aligned. Returns the image; `end` receives the first free address after it.
    isa::ProgramImage finish(uint64_t base, uint64_t* end);

private:
    struct Fixup {
        size_t instruction;
        int operand;
        DataRef ref;
        uint64_t extra;
    };
    std::vector<isa::EngineBinding> engines_;
    std::vector<isa::Instruction> code_;
    std::vector<Fixup> fixups_;
    std::map<DataKind, std::vector<uint8_t>> sections_{{DataKind::kWeights, {}}, {DataKind::kConstants, {}}};
    ProgramAnnotations::Label label_;
    ProgramAnnotations annotations_;  // by instruction index until finish()
};

uint64_t align_up(uint64_t value, uint64_t alignment);

}  // namespace cimvp::backend
