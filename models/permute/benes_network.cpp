#include "models/permute/benes_network.h"

#include <algorithm>
#include <utility>

namespace cimvp {

BenesNetwork::BenesNetwork(uint32_t ports) : ports_(ports) {
    if (ports < 2 || (ports & (ports - 1)) != 0) {
        throw std::invalid_argument("a Beneš network needs a power-of-two number of ports (at least 2), not " +
                                    std::to_string(ports));
    }
    uint32_t log2_ports = 0;
    while ((1u << log2_ports) < ports) ++log2_ports;
    stages_ = 2 * log2_ports - 1;
    crossed_.assign(static_cast<size_t>(stages_) * (ports / 2), false);
}

void BenesNetwork::check(const std::vector<int32_t>& sources, uint32_t ports) {
    if (sources.size() > ports) {
        throw BenesRoutingError(ports, "the table has " + std::to_string(sources.size()) + " entries for " +
                                           std::to_string(ports) + " outputs");
    }
    std::vector<int32_t> user(ports, kNoSource);  // the output that took each input
    for (uint32_t output = 0; output < sources.size(); ++output) {
        const int32_t source = sources[output];
        if (source == kNoSource) continue;
        if (source < 0 || static_cast<uint32_t>(source) >= ports) {
            throw BenesRoutingError(output, "output " + std::to_string(output) + " asks for input " +
                                                std::to_string(source) + " of a " + std::to_string(ports) +
                                                "-port network");
        }
        if (user[source] != kNoSource) {
            throw BenesRoutingError(output, "output " + std::to_string(output) + " repeats input " +
                                                std::to_string(source) + " (already routed to output " +
                                                std::to_string(user[source]) +
                                                "): a Beneš network routes only permutations");
        }
        user[source] = static_cast<int32_t>(output);
    }
}

std::vector<int32_t> BenesNetwork::complete(const std::vector<int32_t>& sources, uint32_t ports) {
    check(sources, ports);
    std::vector<int32_t> full(sources);
    full.resize(ports, kNoSource);
    std::vector<bool> used(ports, false);
    for (int32_t source : full) {
        if (source != kNoSource) used[source] = true;
    }
    uint32_t next_unused = 0;
    for (int32_t& source : full) {
        if (source != kNoSource) continue;
        while (used[next_unused]) ++next_unused;
        source = static_cast<int32_t>(next_unused);
        used[next_unused] = true;
    }
    return full;
}

void BenesNetwork::route(const std::vector<int32_t>& sources) { route_block(complete(sources, ports_), 0, 0); }

// The looping algorithm on one block of `permutation.size()` lines starting at `first_line`, whose
// outer switches sit in `stage` and stages() - 1 - stage. Outputs 2j and 2j+1 share a last-stage
// switch, so they must use different halves; so must inputs 2i and 2i+1. Starting from a free
// output switch, its upper output takes the upper half; the partner input of the lower output's
// source must then take the upper half too, which fixes its output, and so on until the chain
// returns to where it started.
void BenesNetwork::route_block(const std::vector<int32_t>& permutation, uint32_t first_line, uint32_t stage) {
    const auto size = static_cast<uint32_t>(permutation.size());
    if (size == 2) {
        set(stage, first_line, permutation[0] == 1);
        return;
    }
    std::vector<uint32_t> output_of(size);
    for (uint32_t output = 0; output < size; ++output) output_of[permutation[output]] = output;

    std::vector<int8_t> half_of_output(size, -1);  // 0 upper, 1 lower
    for (uint32_t start = 0; start < size; start += 2) {
        uint32_t output = start;
        while (half_of_output[output] < 0) {
            half_of_output[output] = 0;
            half_of_output[output ^ 1] = 1;
            output = output_of[static_cast<uint32_t>(permutation[output ^ 1]) ^ 1];
        }
    }

    const uint32_t half = size / 2, last_stage = stages_ - 1 - stage;
    std::vector<int32_t> upper(half), lower(half);
    for (uint32_t pair = 0; pair < half; ++pair) {
        set(last_stage, first_line + 2 * pair, half_of_output[2 * pair] == 1);
        set(stage, first_line + 2 * pair, half_of_output[output_of[2 * pair]] == 1);
        for (uint32_t output : {2 * pair, 2 * pair + 1}) {
            (half_of_output[output] == 0 ? upper : lower)[pair] = permutation[output] / 2;
        }
    }
    route_block(upper, first_line, stage + 1);
    route_block(lower, first_line + half, stage + 1);
}

void BenesNetwork::apply(uint32_t stage, int32_t* lines, uint32_t first_line, uint32_t size) const {
    for (uint32_t line = first_line; line < first_line + size; line += 2) {
        if (crossed(stage, line / 2)) std::swap(lines[line], lines[line + 1]);
    }
}

void BenesNetwork::propagate_block(int32_t* lines, uint32_t first_line, uint32_t size, uint32_t stage,
                                   std::vector<int32_t>& scratch) const {
    apply(stage, lines, first_line, size);
    if (size == 2) return;
    const uint32_t half = size / 2;
    int32_t* block = lines + first_line;
    // Upper switch outputs go to the upper half-network, lower ones to the lower half.
    for (uint32_t i = 0; i < half; ++i) {
        scratch[i] = block[2 * i];
        scratch[half + i] = block[2 * i + 1];
    }
    std::copy(scratch.begin(), scratch.begin() + size, block);
    propagate_block(lines, first_line, half, stage + 1, scratch);
    propagate_block(lines, first_line + half, half, stage + 1, scratch);
    for (uint32_t j = 0; j < half; ++j) {
        scratch[2 * j] = block[j];
        scratch[2 * j + 1] = block[half + j];
    }
    std::copy(scratch.begin(), scratch.begin() + size, block);
    apply(stages_ - 1 - stage, lines, first_line, size);
}

void BenesNetwork::propagate(const int32_t* inputs, int32_t* outputs) const {
    std::copy(inputs, inputs + ports_, outputs);
    std::vector<int32_t> scratch(ports_);
    propagate_block(outputs, 0, ports_, 0, scratch);
}

}  // namespace cimvp
