// The scheduler's driver for `vector_unit`: the engine's descriptor is the ISA instruction word
// itself, so a vector instruction is copied into a command slot unchanged and the engine decodes it
// with the same decoder the scheduler uses. There is no second descriptor format to keep in step.
#include "firmware/scheduler/command_engine_driver.h"

namespace cimvp {
namespace {

class VectorUnitDriver : public CommandEngineDriver {
public:
    bool accepts(isa::Opcode opcode) const override {
        switch (opcode) {
            case isa::Opcode::kVectorAdd:
            case isa::Opcode::kVectorRelu:
            case isa::Opcode::kVectorMaxPool:
            case isa::Opcode::kVectorAvgPool:
            case isa::Opcode::kVectorRequantize:
                return true;
            default:
                return false;
        }
    }

protected:
    void translate(const isa::Instruction& instruction, uint8_t* descriptor) const override {
        isa::encode_instruction(instruction, descriptor);
    }
};

}  // namespace

CIMVP_REGISTER_ENGINE_DRIVER("vector_unit", VectorUnitDriver);

}  // namespace cimvp
