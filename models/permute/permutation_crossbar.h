// The permutation crossbar: N input and N output ports that route int32 vectors through a source
// table, as CIMPool sends the dot products of one input slice with every pool vector to the output
// channels that index them. It is a command engine (models/common/command_engine.h) whose
// descriptor IS the 64-byte ISA word of `permute` (docs/isa.md). Per command the table is read
// once from memory into the switch configuration, then the vectors stream through: read over
// `mem`, routed one per cycle behind the network's pipeline latency, written (or added) back.
// Three topologies differ in what they can route and in their closed-form cost (docs/models.md):
// a full crossbar and a Beneš network route (partial) permutations only, a multicast crossbar lets
// one input feed many outputs.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "firmware/isa/instruction.h"
#include "models/common/command_engine.h"
#include "models/permute/benes_network.h"

namespace cimvp {

namespace permute_error {
// A table entry is neither 0xFFFF nor below `inputs`; kErrorAddress is the entry's address.
constexpr uint64_t kSourceOutOfRange = engine_error::kFirstEngineSpecific;
// A table entry repeats a source of an earlier output, which a crossbar or Beneš topology cannot
// route; kErrorAddress is the entry's address.
constexpr uint64_t kRepeatedSource = engine_error::kFirstEngineSpecific + 1;
// A routed value does not fit in `element_bits`; kErrorAddress is the source element's address.
constexpr uint64_t kValueTooWide = engine_error::kFirstEngineSpecific + 2;
}  // namespace permute_error

// Words of the info registers (engine_reg::kInfo + 8 * index).
namespace permute_info {
constexpr unsigned kPorts = 0;
constexpr unsigned kTopology = 1;  // a PermuteTopology value
constexpr unsigned kElementBits = 2;
}  // namespace permute_info

enum class PermuteTopology : uint64_t { kCrossbar = 0, kBenes = 1, kMulticast = 2 };
const char* topology_name(PermuteTopology topology);

class PermutationCrossbar : public CommandEngine {
public:
    static constexpr uint16_t kNoSource = 0xFFFF;

    struct Params {
        EngineParams engine;
        int64_t ports;
        int64_t element_bits;
        PermuteTopology topology;
        bool detailed;
        int64_t configure_cycles;
        int64_t benes_stages_per_cycle;
        double crosspoint_area_um2;
        double benes_switch_area_um2;
        double wire_energy_pj;  // per bit per port a signal spans
        double table_entry_pj;
        double add_pj;
        explicit Params(ParamReader& reader);
    };

    explicit PermutationCrossbar(const ComponentContext& context);

    // The closed forms of docs/models.md for this instance.
    uint32_t pipeline_cycles() const;          // from a vector entering to its outputs leaving
    double traversal_energy_pj() const;        // one element from its input to its output
    uint64_t switch_hops_per_element() const;  // crosspoints (1) or 2x2 switches (Beneš stages) passed
    double area_um2() const override;

    void add_to_report(nlohmann::json& entry) const override;
    const Params& params() const { return params_; }

protected:
    uint64_t info(unsigned index) const override;
    std::string command_name(const uint8_t* descriptor) const override;

private:
    PermutationCrossbar(const ComponentContext& context, const Params& params);
    Outcome execute(const uint8_t* descriptor, const sc_core::sc_time& start) override;
    Outcome rejected_operand(const isa::Instruction& instruction, const char* name) const;
    // Reads the table into sources_ (-1 for no source) and checks it against the topology.
    Outcome load_table(uint64_t table, uint32_t inputs, uint32_t ports, sc_core::sc_time& when);
    // Fill out_ with `count` routed vectors of `ports` from in_ (rows of `inputs`), counting the
    // elements, hops and traversal energy: fast gathers, detailed walks the switches.
    void route_fast(uint64_t count, uint32_t inputs, uint32_t ports);
    void route_detailed(uint64_t count, uint32_t inputs, uint32_t ports);

    Params params_;
    std::unique_ptr<BenesNetwork> benes_;  // the switch settings of the current table (detailed Beneš)
    std::vector<uint8_t> crosspoints_;     // closed crosspoints, output-major (detailed crossbars)
    std::vector<int32_t> sources_;         // the current table, -1 for no source
    std::vector<int32_t> in_, out_, old_, lines_, routed_lines_;
    EnergyLedger::Handle traversal_energy_;
    EnergyLedger::Handle table_energy_;
    EnergyLedger::Handle add_energy_;
    uint64_t& vectors_;
    uint64_t& elements_routed_;
    uint64_t& switch_hops_;
    uint64_t& table_entries_;
    uint64_t& accumulate_adds_;
    uint64_t& route_cycles_;
};

}  // namespace cimvp
