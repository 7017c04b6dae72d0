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

    void issue(FirmwareBus& bus, const EngineRef& engine, const isa::Instruction& instruction) override {
        if (bits_per_cell_ == 0) bits_per_cell_ = bus.read64(engine.base + engine_reg::kInfo + 8 * cim_info::kBitsPerCell);
        CommandEngineDriver::issue(bus, engine, instruction);
    }

protected:
    void translate(const isa::Instruction& instruction, uint8_t* descriptor) const override {
        using isa::Opcode;
        // ISA weights are always signed: two's complement, or +-1 at weight_bits = 1 (docs/isa.md).
        if (instruction.opcode == Opcode::kWeightWrite) {
            static const struct {
                isa::OperandIndex weight_bits{Opcode::kWeightWrite, "weight_bits"},
                    channel_offset{Opcode::kWeightWrite, "channel_offset"}, rows{Opcode::kWeightWrite, "rows"},
                    src{Opcode::kWeightWrite, "src"}, channels{Opcode::kWeightWrite, "channels"},
                    row_offset{Opcode::kWeightWrite, "row_offset"}, mask{Opcode::kWeightWrite, "mask"};
            } operand;
            CimWeightWriteCommand command{};
            command.opcode = cim_opcode::kWeightWrite;
            command.weight_bits = static_cast<uint8_t>(operand.weight_bits.of(instruction));
            command.flags = cim_flag::kSignedWeights;
            command.rows = static_cast<uint32_t>(operand.rows.of(instruction));
            command.source = operand.src.of(instruction);
            command.channels = static_cast<uint32_t>(operand.channels.of(instruction));
            command.row_offset = static_cast<uint32_t>(operand.row_offset.of(instruction));
            command.column_offset =
                static_cast<uint32_t>(operand.channel_offset.of(instruction) * weight_columns(command.weight_bits));
            command.mask_address = operand.mask.of(instruction);
            std::memcpy(descriptor, &command, sizeof command);
            return;
        }
        static const struct {
            isa::OperandIndex weight_bits{Opcode::kMvm, "weight_bits"}, channel_offset{Opcode::kMvm, "channel_offset"},
                input_bits{Opcode::kMvm, "input_bits"}, input_signed{Opcode::kMvm, "input_signed"},
                accumulate{Opcode::kMvm, "accumulate"}, vectors{Opcode::kMvm, "vectors"}, input{Opcode::kMvm, "input"},
                input_stride{Opcode::kMvm, "input_stride"}, output{Opcode::kMvm, "output"},
                output_stride{Opcode::kMvm, "output_stride"}, row_offset{Opcode::kMvm, "row_offset"},
                rows{Opcode::kMvm, "rows"}, channels{Opcode::kMvm, "channels"};
        } operand;
        CimMvmCommand command{};
        command.opcode = cim_opcode::kMvm;
        command.input_bits = static_cast<uint8_t>(operand.input_bits.of(instruction));
        command.weight_bits = static_cast<uint8_t>(operand.weight_bits.of(instruction));
        command.flags = cim_flag::kSignedWeights |
                        (operand.input_signed.of(instruction) != 0 ? cim_flag::kSignedInputs : 0) |
                        (operand.accumulate.of(instruction) != 0 ? cim_flag::kAccumulate : 0);
        command.vectors = static_cast<uint32_t>(operand.vectors.of(instruction));
        command.input = operand.input.of(instruction);
        command.input_stride = operand.input_stride.of(instruction);
        command.output = operand.output.of(instruction);
        command.output_stride = operand.output_stride.of(instruction);
        command.row_offset = static_cast<uint32_t>(operand.row_offset.of(instruction));
        command.rows = static_cast<uint32_t>(operand.rows.of(instruction));
        command.column_offset =
            static_cast<uint32_t>(operand.channel_offset.of(instruction) * weight_columns(command.weight_bits));
        command.channels = static_cast<uint32_t>(operand.channels.of(instruction));
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
