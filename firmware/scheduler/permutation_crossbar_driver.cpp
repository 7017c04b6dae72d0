// The scheduler's driver for `permutation_crossbar`: like the vector unit, the engine's descriptor
// is the `permute` instruction word itself. A fault is described in words (which table entry, and
// why this topology cannot route it) from the engine's error and info registers, so that a
// program's error message says what to fix.
#include <cstdio>

#include "firmware/scheduler/command_engine_driver.h"
#include "models/permute/permutation_crossbar.h"

namespace cimvp {
namespace {

class PermutationCrossbarDriver : public CommandEngineDriver {
public:
    bool accepts(isa::Opcode opcode) const override { return opcode == isa::Opcode::kPermute; }

    std::string fault(FirmwareBus& bus, const EngineRef& engine) override {
        const std::string generic = CommandEngineDriver::fault(bus, engine);
        if (generic.empty()) return generic;
        const uint64_t code = bus.read64(engine.base + engine_reg::kErrorCode);
        const auto topology =
            static_cast<PermuteTopology>(bus.read64(engine.base + engine_reg::kInfo + 8 * permute_info::kTopology));
        const char* reason = nullptr;
        if (code == permute_error::kRepeatedSource) {
            reason = topology == PermuteTopology::kBenes
                         ? "the permute table repeats a source; a benes network routes only permutations"
                         : "the permute table repeats a source; a unicast crossbar routes only permutations";
        } else if (code == permute_error::kSourceOutOfRange) {
            reason = "a permute table entry is not below `inputs` (nor 0xFFFF)";
        } else if (code == permute_error::kValueTooWide) {
            reason = "a routed value does not fit the crossbar's element_bits";
        }
        if (reason == nullptr) return generic;
        char text[256];
        std::snprintf(text, sizeof text, "%s (%s)", reason, generic.c_str());
        return text;
    }

protected:
    void translate(const isa::Instruction& instruction, uint8_t* descriptor) const override {
        isa::encode_instruction(instruction, descriptor);
    }
};

}  // namespace

CIMVP_REGISTER_ENGINE_DRIVER("permutation_crossbar", PermutationCrossbarDriver);

}  // namespace cimvp
