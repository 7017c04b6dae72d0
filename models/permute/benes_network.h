// A Beneš network of N = 2^m ports: 2m - 1 stages of N/2 two-by-two switches, each either straight
// or crossed. It is rearrangeably non-blocking: any permutation routes once all switches are set
// together, which route() does with the looping algorithm. The network is built recursively: the
// first stage's switch i takes inputs 2i and 2i+1 and sends its upper output to line i of the upper
// half-size network and its lower output to line i of the lower one (crossed swaps them); the last
// stage mirrors that onto outputs 2j and 2j+1. propagate() walks elements through those switches
// and wires one stage at a time, so it checks the settings rather than trusting them.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace cimvp {

// A table the network cannot route; `output` is the index of the offending entry.
class BenesRoutingError : public std::runtime_error {
public:
    BenesRoutingError(uint32_t output, const std::string& message) : std::runtime_error(message), output_(output) {}
    uint32_t output() const { return output_; }

private:
    uint32_t output_;
};

class BenesNetwork {
public:
    // An output with no source (a partial permutation leaves it free).
    static constexpr int32_t kNoSource = -1;

    // `ports` must be a power of two, at least 2; std::invalid_argument otherwise.
    explicit BenesNetwork(uint32_t ports);

    uint32_t ports() const { return ports_; }
    uint32_t stages() const { return stages_; }
    uint32_t switches() const { return stages_ * (ports_ / 2); }

    // `sources[o]` is the input that output o receives, or kNoSource; there may be fewer entries
    // than ports (the rest are free). Throws BenesRoutingError naming the first entry (in output
    // order) that is out of range or repeats a source used by an earlier output.
    static void check(const std::vector<int32_t>& sources, uint32_t ports);

    // The same table with every free output given one of the unused inputs, in increasing order,
    // so that it becomes a full permutation of `ports` (the table is checked first).
    static std::vector<int32_t> complete(const std::vector<int32_t>& sources, uint32_t ports);

    // Sets every switch so that output o receives input sources[o] (a partial table is completed).
    void route(const std::vector<int32_t>& sources);

    // The setting of switch `index` (0 at the top) in `stage` (0 at the inputs).
    bool crossed(uint32_t stage, uint32_t index) const { return crossed_[stage * (ports_ / 2) + index]; }

    // Moves `ports` elements from the inputs to the outputs through the switches as set.
    void propagate(const int32_t* inputs, int32_t* outputs) const;

private:
    void route_block(const std::vector<int32_t>& permutation, uint32_t first_line, uint32_t stage);
    void propagate_block(int32_t* lines, uint32_t first_line, uint32_t size, uint32_t stage,
                         std::vector<int32_t>& scratch) const;
    void set(uint32_t stage, uint32_t line, bool crossed) { crossed_[stage * (ports_ / 2) + line / 2] = crossed; }
    void apply(uint32_t stage, int32_t* lines, uint32_t first_line, uint32_t size) const;

    uint32_t ports_;
    uint32_t stages_;
    std::vector<bool> crossed_;  // stage-major, N/2 per stage
};

}  // namespace cimvp
