// The vector unit: element-wise add, ReLU, max and average pooling and per-channel
// requantization on tensors in on-chip buffers, driven by command descriptors (see CommandEngine
// for the register window). A descriptor IS the 64-byte ISA instruction word of `vadd`, `vrelu`,
// `vmaxpool`, `vavgpool` or `vrequant` (docs/isa.md), so firmware copies the word and rings the
// doorbell. Operands stream in over `mem` in tiles of about one burst; `lanes` element operations
// run per cycle behind a fixed pipeline latency. docs/models.md gives the timing and energy model.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "firmware/isa/instruction.h"
#include "models/common/command_engine.h"
#include "models/vector/vector_kernels.h"

namespace cimvp {

namespace vector_error {
// A vrequant table entry is out of range (a multiplier above 32767 or a shift outside 1..62);
// kErrorAddress is the entry's address.
constexpr uint64_t kBadTable = engine_error::kFirstEngineSpecific;
}  // namespace vector_error

class VectorUnit : public CommandEngine {
public:
    struct Params {
        EngineParams engine;
        int64_t lanes;
        int64_t pipeline_latency;
        uint64_t line_buffer_bytes;
        double add_pj;
        double compare_pj;
        double multiply_pj;
        double area_um2;
        explicit Params(ParamReader& reader);
    };

    explicit VectorUnit(const ComponentContext& context);

    double area_um2() const override { return params_.area_um2; }
    void add_to_report(nlohmann::json& entry) const override;
    const Params& params() const { return params_; }

private:
    // When each stage of a command's tile stream is free: tiles are read into one of two input
    // buffers while the previous tile computes, and written once their results leave the pipeline.
    struct Stream {
        sc_core::sc_time read_done, compute_start, compute_done, write_done;
        explicit Stream(const sc_core::sc_time& start)
            : read_done(start), compute_start(start), compute_done(start), write_done(start) {}
    };

    VectorUnit(const ComponentContext& context, const Params& params);
    Outcome execute(const uint8_t* descriptor, const sc_core::sc_time& start) override;
    std::string command_name(const uint8_t* descriptor) const override;
    Outcome add(const isa::Instruction& instruction, const sc_core::sc_time& start);
    Outcome relu(const isa::Instruction& instruction, const sc_core::sc_time& start);
    Outcome requantize(const isa::Instruction& instruction, const sc_core::sc_time& start);
    Outcome pool(const isa::Instruction& instruction, const sc_core::sc_time& start);

    // The ISA operand `name` is rejected (a bad descriptor error at its byte in the word).
    Outcome rejected_operand(const isa::Instruction& instruction, const char* name) const;
    // Checks out_min <= out_max inside the range of `out_type`; false after setting `outcome`.
    bool check_clamp(const isa::Instruction& instruction, const char* out_type, vector::Clamp& clamp,
                     Outcome& outcome) const;
    // Elements per tile: about one burst of the widest operand, a whole number of lane groups.
    uint64_t tile_elements(unsigned widest_bytes) const;
    // The tile stream of an element-wise command: `read` loads a tile's operands (false on a bus
    // error), `kernel` fills out_ with its `count` results; the results go to the `dst` operand.
    using TileReader = std::function<bool(uint64_t first, uint64_t count, sc_core::sc_time& when)>;
    using TileKernel = std::function<vector::OpCounts(uint64_t first, uint64_t count)>;
    Outcome stream_elementwise(const isa::Instruction& instruction, const sc_core::sc_time& start, uint64_t tile,
                               isa::ElementType out_type, const TileReader& read, const TileKernel& kernel);
    // Starts a tile's compute after its read and the previous tile's compute; books its cycles
    // and operations, and returns when its results may be written.
    sc_core::sc_time compute(Stream& stream, const sc_core::sc_time& read_end, uint64_t lane_operations,
                             const vector::OpCounts& ops);
    bool read_elements(uint64_t address, isa::ElementType type, uint64_t first, uint64_t count,
                       std::vector<int32_t>& values, sc_core::sc_time& when);
    bool write_elements(uint64_t address, isa::ElementType type, uint64_t first, const std::vector<int32_t>& values,
                        sc_core::sc_time& when);

    Params params_;
    std::vector<uint8_t> bytes_;
    std::vector<int32_t> a_, b_, out_;
    EnergyLedger::Handle add_energy_;
    EnergyLedger::Handle compare_energy_;
    EnergyLedger::Handle multiply_energy_;
    uint64_t& elements_;
    uint64_t& add_ops_;
    uint64_t& compare_ops_;
    uint64_t& multiply_ops_;
    uint64_t& compute_cycles_;
};

}  // namespace cimvp
