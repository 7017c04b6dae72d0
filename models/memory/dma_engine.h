// A descriptor-driven DMA engine on the shared command-engine base (models/common/command_engine.h):
// software writes 64-byte copy descriptors to memory, points the `cfg` window at them and rings the
// doorbell with their count; the engine copies each 1-D or 2-D strided block through its `mem`
// initiator, a burst of data at a time (short rows gathered and scattered with byte enables), and
// raises `irq` when its queue drains (or a copy fails).
#pragma once

#include <vector>

#include "models/common/command_engine.h"

namespace cimvp {

// One copy as it sits in memory: eight 64-bit little-endian words.
struct DmaDescriptor {
    uint64_t source;
    uint64_t destination;
    uint64_t row_bytes;
    uint64_t rows;  // 1 for a 1-D copy
    uint64_t source_stride;  // bytes between row starts
    uint64_t destination_stride;
    uint64_t reserved[2];  // must be 0
};
static_assert(sizeof(DmaDescriptor) == 64, "descriptor layout is part of the software interface");

class DmaEngine : public CommandEngine {
public:
    struct Params {
        EngineParams engine;
        double energy_per_byte_pj;
        double area_um2;
        explicit Params(ParamReader& reader);
    };

    explicit DmaEngine(const ComponentContext& context);

    double area_um2() const override { return params_.area_um2; }

private:
    DmaEngine(const ComponentContext& context, const Params& params);
    Outcome execute(const uint8_t* descriptor, const sc_core::sc_time& start) override;
    std::string command_name(const uint8_t*) const override { return "copy"; }

    Params params_;
    std::vector<uint8_t> staging_[2];  // double buffer: one burst is written while the next is read
    EnergyLedger::Handle byte_energy_;
    uint64_t& bytes_copied_;
};

}  // namespace cimvp
