// The chip as the compiler back end sees it: which engines exist, how they group into cores, and
// where memories sit. Built from an elaborated platform, so the compiler reads the same netlist,
// parameters and address map that the simulation runs.
//
// A core is the unit the back end maps a layer's output channels onto: its CIM macros, the
// activation buffer they read inputs from and write partial sums to, and the DMA engine and vector
// unit that serve that buffer. The netlist's optional `cores:` list names them (docs/netlist.md);
// without it the whole chip is one core.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/cim/cim_array.h"
#include "platform/platform.h"

namespace cimvp::backend {

struct MemoryRegion {
    std::string instance;
    uint64_t base = 0;
    uint64_t size = 0;
};

struct MacroTarget {
    std::string instance;
    CimGeometry geometry;
};

struct CoreTarget {
    std::string name;
    std::vector<MacroTarget> macros;
    MemoryRegion buffer;          // activations, partial sums and staging
    MemoryRegion weight_buffer;   // optional (size 0: none): weight tiles kept on chip for the whole run
    std::string dma;
    std::string vector_unit;
    // CIMPool hardware (both or neither): a macro that holds the network's weight pool, one pool
    // vector per column, and the crossbar that routes its column results to output channels.
    std::optional<MacroTarget> pool_macro;
    std::string crossbar;
};

struct Target {
    std::string file;  // the netlist, for messages
    std::string scheduler;
    MemoryRegion dram;
    std::vector<CoreTarget> cores;

    int macro_count() const;
    // True when every core has a pool macro and a crossbar, so weight-pool layers run in pool mode.
    bool has_pool_hardware() const;
    // For each macro index (core by core, as the back end numbers them), the index of its core.
    std::vector<int> core_of_macro() const;
    // Every macro of the chip shares one geometry (checked by describe_target).
    const CimGeometry& geometry() const { return cores.front().macros.front().geometry; }
};

// Throws ConfigError at the netlist (and its `cores:` entry) when something the back end needs is
// missing or of the wrong type: no scheduler, DRAM, macro, buffer, DMA engine or vector unit, an
// instance that is not mapped, macros of different geometry, or a pool macro without a crossbar.
Target describe_target(const Platform& platform);

}  // namespace cimvp::backend
