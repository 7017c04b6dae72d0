// The scheduler's driver for `dma_engine`: one `dma` instruction becomes one copy descriptor.
#include <cstring>

#include "firmware/scheduler/command_engine_driver.h"
#include "models/memory/dma_engine.h"

namespace cimvp {
namespace {

class DmaDriver : public CommandEngineDriver {
public:
    bool accepts(isa::Opcode opcode) const override { return opcode == isa::Opcode::kDma; }

protected:
    void translate(const isa::Instruction& instruction, uint8_t* descriptor) const override {
        const DmaDescriptor copy{instruction.value("src"),        instruction.value("dst"),
                                 instruction.value("row_bytes"),  instruction.value("rows"),
                                 instruction.value("src_stride"), instruction.value("dst_stride"),
                                 {0, 0}};
        std::memcpy(descriptor, &copy, sizeof copy);
    }
};

}  // namespace

CIMVP_REGISTER_ENGINE_DRIVER("dma_engine", DmaDriver);

}  // namespace cimvp
