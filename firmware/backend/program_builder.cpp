#include "firmware/backend/program_builder.h"

#include <cstring>
#include <stdexcept>

namespace cimvp::backend {

uint64_t align_up(uint64_t value, uint64_t alignment) { return (value + alignment - 1) / alignment * alignment; }

uint8_t ProgramBuilder::engine(const std::string& instance) {
    for (const isa::EngineBinding& binding : engines_) {
        if (binding.instance == instance) return binding.id;
    }
    if (engines_.size() >= 256) throw std::runtime_error("the program needs more than 256 engines");
    engines_.push_back({static_cast<uint8_t>(engines_.size()), instance});
    return engines_.back().id;
}

DataRef ProgramBuilder::add_data(DataKind kind, const std::vector<uint8_t>& bytes) {
    std::vector<uint8_t>& section = sections_.at(kind);
    section.resize(align_up(section.size(), isa::kSectionAlignment), 0);
    const DataRef ref{kind, section.size()};
    section.insert(section.end(), bytes.begin(), bytes.end());
    return ref;
}

DataRef ProgramBuilder::add_int32_constants(const std::vector<int32_t>& values) {
    std::vector<uint8_t> bytes(values.size() * 4);
    for (size_t i = 0; i < values.size(); ++i) {
        const auto value = static_cast<uint32_t>(values[i]);
        for (int b = 0; b < 4; ++b) bytes[4 * i + b] = static_cast<uint8_t>(value >> (8 * b));
    }
    return add_data(DataKind::kConstants, bytes);
}

void ProgramBuilder::emit(const isa::Instruction& instruction) { code_.at(reserve()) = instruction; }

void ProgramBuilder::emit(isa::Instruction instruction, const std::string& operand, const DataRef& ref,
                          uint64_t extra) {
    emit_patched(std::move(instruction), {{operand, ref, extra}});
}

void ProgramBuilder::emit_patched(isa::Instruction instruction, const std::vector<Patch>& patches) {
    fill(reserve(), std::move(instruction), patches);
}

size_t ProgramBuilder::reserve() {
    std::map<uint64_t, ProgramAnnotations::Label>& labels = annotations_.labels;
    if (labels.empty() || !(labels.rbegin()->second == label_)) labels[code_.size()] = label_;
    code_.push_back(isa::Instruction(isa::Opcode::kHalt));  // replaced by fill()
    return code_.size() - 1;
}

void ProgramBuilder::allocate_at(size_t instruction, const std::string& buffer, uint64_t bytes) {
    auto [first, last] = annotations_.occupancy.equal_range(instruction);
    for (auto entry = first; entry != last; ++entry) {
        if (entry->second.buffer == buffer) {
            entry->second.bytes = bytes;
            return;
        }
    }
    annotations_.occupancy.emplace(instruction, ProgramAnnotations::Occupancy{buffer, bytes});
}

void ProgramBuilder::fill(size_t slot, isa::Instruction instruction, const std::vector<Patch>& patches) {
    for (const Patch& patch : patches) {
        const int index = instruction.spec().operand_index(patch.operand);
        if (index < 0) throw std::logic_error("instruction has no operand '" + patch.operand + "'");
        fixups_.push_back({slot, index, patch.ref, patch.extra});
    }
    code_.at(slot) = std::move(instruction);
}

isa::ProgramImage ProgramBuilder::finish(uint64_t base, uint64_t* end) {
    code_.push_back(isa::Instruction(isa::Opcode::kHalt));
    isa::ProgramImage image;
    image.engines = engines_;
    image.code_address = base;
    uint64_t next = align_up(base + code_.size() * isa::kInstructionBytes, isa::kSectionAlignment);
    std::map<DataKind, uint64_t> addresses;
    for (const auto& [kind, bytes] : sections_) {
        addresses[kind] = next;
        if (bytes.empty()) continue;
        image.data.push_back({kind == DataKind::kWeights ? isa::SectionType::kWeights : isa::SectionType::kConstants,
                              next, bytes});
        next = align_up(next + bytes.size(), isa::kSectionAlignment);
    }
    for (const Fixup& fixup : fixups_) {
        code_[fixup.instruction].operands[fixup.operand] = addresses[fixup.ref.kind] + fixup.ref.offset + fixup.extra;
    }
    image.code = code_;
    annotations_ = annotations_.placed(base, isa::kInstructionBytes);
    if (end != nullptr) *end = next;
    return image;
}

}  // namespace cimvp::backend
