// Debug information about a loaded program, written by its compiler and read only by the tracer:
// the chip never sees it, as a CPU never reads the symbols a debugger loads. It names the layer
// and tile each instruction works on, so that timeline slices carry them, and says how many bytes
// of each on-chip buffer the program has allocated from a given instruction on.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace cimvp {

struct ProgramAnnotations {
    struct Label {
        std::string layer;
        std::string tile;
        bool operator==(const Label& other) const { return layer == other.layer && tile == other.tile; }
    };
    struct Occupancy {
        std::string buffer;  // the buffer instance
        uint64_t bytes = 0;
    };
    // Each label covers the instructions from its key up to the next key. Keys are instruction
    // indices while the compiler builds the program and instruction addresses once it is placed.
    std::map<uint64_t, Label> labels;
    // Allocations that change when the instruction at the key runs.
    std::multimap<uint64_t, Occupancy> occupancy;

    // The label covering `key`, or nullptr before the first one.
    const Label* label_at(uint64_t key) const {
        auto after = labels.upper_bound(key);
        return after == labels.begin() ? nullptr : &std::prev(after)->second;
    }
    // The same annotations keyed by address: instruction i sits at base + i * instruction_bytes.
    ProgramAnnotations placed(uint64_t base, uint64_t instruction_bytes) const {
        ProgramAnnotations result;
        for (const auto& [index, label] : labels) result.labels.emplace(base + index * instruction_bytes, label);
        for (const auto& [index, change] : occupancy) result.occupancy.emplace(base + index * instruction_bytes, change);
        return result;
    }
};

}  // namespace cimvp
