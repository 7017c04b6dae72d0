// The scheduler's driver for `sram_cim_macro`: `weight_write` and `mvm` become the macro's
// WEIGHT_WRITE and MVM descriptors. The ISA counts output channels; the macro places channel c at
// column_offset + c * weight_columns, so the driver reads the macro's bits per cell once from its
// info registers and converts.
#include "firmware/scheduler/command_engine_driver.h"
#include "models/cim/sram_cim_macro.h"

#include <cstring>

namespace cimvp {
namespace {

class SramCimMacroDriver : public CommandEngineDriver {
public:
    bool accepts(isa::Opcode opcode) const override {
        return opcode == isa::Opcode::kWeightWrite || opcode == isa::Opcode::kMvm;
    }

    void issue(FirmwareBus& bus, uint64_t base, const isa::Instruction& instruction) override {
        if (bits_per_cell_ == 0) bits_per_cell_ = bus.read64(base + engine_reg::kInfo + 8 * cim_info::kBitsPerCell);
        CommandEngineDriver::issue(bus, base, instruction);
    }

protected:
    void translate(const isa::Instruction& instruction, uint8_t* descriptor) const override {
        // ISA weights are always signed: two's complement, or +-1 at weight_bits = 1 (docs/isa.md).
        const auto weight_bits = static_cast<uint8_t>(instruction.value("weight_bits"));
        const uint64_t column_offset = instruction.value("channel_offset") * weight_columns(weight_bits);
        if (instruction.opcode == isa::Opcode::kWeightWrite) {
            CimWeightWriteCommand command{};
            command.opcode = cim_opcode::kWeightWrite;
            command.weight_bits = weight_bits;
            command.flags = cim_flag::kSignedWeights;
            command.rows = static_cast<uint32_t>(instruction.value("rows"));
            command.source = instruction.value("src");
            command.channels = static_cast<uint32_t>(instruction.value("channels"));
            command.row_offset = static_cast<uint32_t>(instruction.value("row_offset"));
            command.column_offset = static_cast<uint32_t>(column_offset);
            command.mask_address = instruction.value("mask");
            std::memcpy(descriptor, &command, sizeof command);
            return;
        }
        CimMvmCommand command{};
        command.opcode = cim_opcode::kMvm;
        command.input_bits = static_cast<uint8_t>(instruction.value("input_bits"));
        command.weight_bits = weight_bits;
        command.flags = cim_flag::kSignedWeights | (instruction.value("input_signed") ? cim_flag::kSignedInputs : 0) |
                        (instruction.value("accumulate") ? cim_flag::kAccumulate : 0);
        command.vectors = static_cast<uint32_t>(instruction.value("vectors"));
        command.input = instruction.value("input");
        command.input_stride = instruction.value("input_stride");
        command.output = instruction.value("output");
        command.output_stride = instruction.value("output_stride");
        command.row_offset = static_cast<uint32_t>(instruction.value("row_offset"));
        command.rows = static_cast<uint32_t>(instruction.value("rows"));
        command.column_offset = static_cast<uint32_t>(column_offset);
        command.channels = static_cast<uint32_t>(instruction.value("channels"));
        std::memcpy(descriptor, &command, sizeof command);
    }

private:
    // Columns of one signed weight: a sign column plus the magnitude bits over the cell bits, so
    // one column for a +-1 weight (the same rule as CimArray::weight_columns).
    uint64_t weight_columns(uint64_t weight_bits) const {
        return 1 + (weight_bits - 1 + bits_per_cell_ - 1) / bits_per_cell_;
    }

    uint64_t bits_per_cell_ = 0;
};

}  // namespace

CIMVP_REGISTER_ENGINE_DRIVER("sram_cim_macro", SramCimMacroDriver);

}  // namespace cimvp
