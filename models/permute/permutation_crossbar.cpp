#include "models/permute/permutation_crossbar.h"

#include <algorithm>

#include "firmware/isa/decode_error.h"
#include "firmware/isa/little_endian.h"
#include "platform/registry.h"

namespace cimvp {

CIMVP_REGISTER_MODEL("permutation_crossbar", PermutationCrossbar,
                     "permutation crossbar (full, Beneš or multicast): routes int32 vectors through a source table");

const char* topology_name(PermuteTopology topology) {
    switch (topology) {
        case PermuteTopology::kCrossbar:
            return "crossbar";
        case PermuteTopology::kBenes:
            return "benes";
        case PermuteTopology::kMulticast:
            return "multicast";
    }
    return "unknown";
}

namespace {

PermuteTopology parse_topology(const std::string& name) {
    if (name == "benes") return PermuteTopology::kBenes;
    if (name == "multicast") return PermuteTopology::kMulticast;
    return PermuteTopology::kCrossbar;
}

bool is_power_of_two(int64_t value) { return value >= 2 && (value & (value - 1)) == 0; }

uint32_t benes_stages(int64_t ports) {
    uint32_t log2_ports = 0;
    while ((int64_t{1} << log2_ports) < ports) ++log2_ports;
    return 2 * log2_ports - 1;
}

}  // namespace

PermutationCrossbar::Params::Params(ParamReader& reader)
    : engine(reader, "1GHz", "crossbar clock: one vector enters the switches per cycle (SWIFT, ~1 GHz at 65 nm)") {
    ports = reader.integer("ports", 128, 1, 65535, "input and output ports (CIMPool: one per macro column, 128)");
    element_bits =
        reader.integer("element_bits", 32, 1, 32,
                       "bits per routed element: the int32 partial sums (a narrower datapath must fit them)");
    topology = parse_topology(reader.choice("topology", "crossbar", {"crossbar", "benes", "multicast"},
                                            "crossbar and benes route permutations, multicast any table"));
    detailed =
        reader.choice("fidelity", "fast", {"fast", "detailed"},
                      "fast gathers directly; detailed routes each element through the switch settings") == "detailed";
    configure_cycles = reader.integer("configure_cycles", 1, 0, 1 << 20,
                                      "cycles to load a read table into the switch configuration (assumption)");
    benes_stages_per_cycle =
        reader.integer("benes_stages_per_cycle", 1, 1, 64,
                       "Beneš stages a vector crosses per cycle (assumption: a register per stage)");
    crosspoint_area_um2 = reader.area_um2("crosspoint_area", "5.34um2",
                                          "per crosspoint per bit (SWIFT, 65 nm: 0.35 mm2 / (32 x 32 x 64))");
    benes_switch_area_um2 = reader.area_um2("benes_switch_area", "21.4um2",
                                            "per 2x2 switch per bit (four SWIFT crosspoints, an assumption)");
    wire_energy_pj = reader.energy_pj("wire_energy", "4.23fJ",
                                      "per bit per port spanned (SWIFT, 65 nm: 1 / 7.39 Tb/s/W over 32 ports)");
    table_entry_pj = reader.energy_pj("table_entry_energy", "2.5pJ",
                                      "per 16-bit table entry loaded (Horowitz 2014, 45 nm: 10 pJ / 64 bits x 16)");
    add_pj = reader.energy_pj("add_energy", "0.1pJ", "per accumulate add (Horowitz 2014, 32-bit add, 45 nm)");
    reader.require(topology != PermuteTopology::kBenes || is_power_of_two(ports), "ports",
                   "a benes topology needs a power-of-two number of ports, at least 2");
}

PermutationCrossbar::PermutationCrossbar(const ComponentContext& context)
    : PermutationCrossbar(context, read_params<Params>(context)) {}

PermutationCrossbar::PermutationCrossbar(const ComponentContext& context, const Params& params)
    : CommandEngine(context, params.engine),
      params_(params),
      traversal_energy_(energy().declare("switch_traversal", traversal_energy_pj())),
      table_energy_(energy().declare("table_read", params.table_entry_pj)),
      add_energy_(energy().declare("accumulate_add", params.add_pj)),
      vectors_(counters()["vectors"]),
      elements_routed_(counters()["elements_routed"]),
      switch_hops_(counters()["switch_hops"]),
      table_entries_(counters()["table_entries"]),
      accumulate_adds_(counters()["accumulate_adds"]),
      route_cycles_(counters()["route_cycles"]) {
    if (params_.topology == PermuteTopology::kBenes) {
        benes_ = std::make_unique<BenesNetwork>(static_cast<uint32_t>(params_.ports));
    }
}

uint32_t PermutationCrossbar::pipeline_cycles() const {
    if (params_.topology != PermuteTopology::kBenes) return 1;
    const auto per_cycle = static_cast<uint32_t>(params_.benes_stages_per_cycle);
    return (benes_stages(params_.ports) + per_cycle - 1) / per_cycle;
}

uint64_t PermutationCrossbar::switch_hops_per_element() const {
    return params_.topology == PermuteTopology::kBenes ? benes_stages(params_.ports) : 1;
}

double PermutationCrossbar::traversal_energy_pj() const {
    const double bits = static_cast<double>(params_.element_bits);
    // A crossbar element runs along its input row and down its output column, both ~N ports long;
    // a Beneš element crosses one radix-2 switch per stage.
    const double ports_spanned = params_.topology == PermuteTopology::kBenes
                                     ? 2.0 * static_cast<double>(benes_stages(params_.ports))
                                     : static_cast<double>(params_.ports);
    return bits * ports_spanned * params_.wire_energy_pj;
}

double PermutationCrossbar::area_um2() const {
    const double bits = static_cast<double>(params_.element_bits), ports = static_cast<double>(params_.ports);
    if (params_.topology == PermuteTopology::kBenes) {
        return ports / 2 * benes_stages(params_.ports) * bits * params_.benes_switch_area_um2;
    }
    return ports * ports * bits * params_.crosspoint_area_um2;
}

void PermutationCrossbar::add_to_report(nlohmann::json& entry) const {
    entry["topology"] = topology_name(params_.topology);
    entry["fidelity"] = params_.detailed ? "detailed" : "fast";
    entry["ports"] = params_.ports;
    entry["element_bits"] = params_.element_bits;
    entry["pipeline_cycles"] = pipeline_cycles();
    entry["traversal_energy_pj"] = traversal_energy_pj();
    entry["area_um2"] = area_um2();
}

uint64_t PermutationCrossbar::info(unsigned index) const {
    switch (index) {
        case permute_info::kPorts:
            return static_cast<uint64_t>(params_.ports);
        case permute_info::kTopology:
            return static_cast<uint64_t>(params_.topology);
        case permute_info::kElementBits:
            return static_cast<uint64_t>(params_.element_bits);
        default:
            return 0;
    }
}

std::string PermutationCrossbar::command_name(const uint8_t* descriptor) const {
    return isa::load_le(descriptor, 2) == static_cast<uint16_t>(isa::Opcode::kPermute) ? "permute" : "bad command";
}

CommandEngine::Outcome PermutationCrossbar::rejected_operand(const isa::Instruction& instruction, const char* name) const {
    return rejected(instruction.spec().operand_offset(name));
}

CommandEngine::Outcome PermutationCrossbar::load_table(uint64_t table, uint32_t inputs, uint32_t ports,
                                                       sc_core::sc_time& when) {
    std::vector<uint8_t> bytes(2 * static_cast<size_t>(ports));
    if (!read_block(table, bytes.data(), bytes.size(), when)) return bus_error();
    table_entries_ += ports;
    table_energy_.add(ports);
    sources_.assign(ports, BenesNetwork::kNoSource);
    for (uint32_t output = 0; output < ports; ++output) {
        const auto source = static_cast<uint32_t>(isa::load_le(bytes.data() + 2 * output, 2));
        if (source == kNoSource) continue;
        if (source >= inputs) {
            return Outcome{sc_core::SC_ZERO_TIME, permute_error::kSourceOutOfRange, table + 2 * output};
        }
        sources_[output] = static_cast<int32_t>(source);
    }
    const auto repeated_at = [&](uint32_t output) {
        return Outcome{sc_core::SC_ZERO_TIME, permute_error::kRepeatedSource, table + 2 * output};
    };
    const auto all_ports = static_cast<uint32_t>(params_.ports);
    if (params_.detailed && params_.topology == PermuteTopology::kBenes) {
        // The network itself decides: the looping algorithm refuses a source used twice.
        try {
            benes_->route(sources_);
        } catch (const BenesRoutingError& error) {
            return repeated_at(error.output());
        }
    } else if (params_.detailed) {
        // Close one crosspoint per routed output; a unicast crossbar drives each input row once.
        crosspoints_.assign(static_cast<size_t>(all_ports) * all_ports, 0);
        std::vector<uint8_t> row_used(all_ports, 0);
        for (uint32_t output = 0; output < ports; ++output) {
            const int32_t source = sources_[output];
            if (source == BenesNetwork::kNoSource) continue;
            if (params_.topology == PermuteTopology::kCrossbar && row_used[source]) return repeated_at(output);
            row_used[source] = 1;
            crosspoints_[static_cast<size_t>(output) * all_ports + source] = 1;
        }
    } else if (params_.topology != PermuteTopology::kMulticast) {
        std::vector<uint8_t> used(inputs, 0);
        for (uint32_t output = 0; output < ports; ++output) {
            const int32_t source = sources_[output];
            if (source == BenesNetwork::kNoSource) continue;
            if (used[source]) return repeated_at(output);
            used[source] = 1;
        }
    }
    return finished_at(when);
}

void PermutationCrossbar::route_fast(uint64_t count, uint32_t inputs, uint32_t ports) {
    for (uint64_t v = 0; v < count; ++v) {
        const int32_t* in = in_.data() + v * inputs;
        int32_t* out = out_.data() + v * ports;
        for (uint32_t output = 0; output < ports; ++output) {
            const int32_t source = sources_[output];
            out[output] = source == BenesNetwork::kNoSource ? 0 : in[source];
        }
    }
    uint64_t routed = 0;
    for (int32_t source : sources_) routed += source != BenesNetwork::kNoSource;
    elements_routed_ += routed * count;
    switch_hops_ += routed * count * switch_hops_per_element();
    traversal_energy_.add(routed * count);
}

void PermutationCrossbar::route_detailed(uint64_t count, uint32_t inputs, uint32_t ports) {
    const auto all_ports = static_cast<uint32_t>(params_.ports);
    lines_.assign(all_ports, 0);
    routed_lines_.resize(all_ports);
    for (uint64_t v = 0; v < count; ++v) {
        std::copy_n(in_.begin() + static_cast<std::ptrdiff_t>(v * inputs), inputs, lines_.begin());
        int32_t* out = out_.data() + v * ports;
        uint64_t routed = 0;
        if (benes_ != nullptr) {
            benes_->propagate(lines_.data(), routed_lines_.data());
            for (uint32_t output = 0; output < ports; ++output) {
                // A free output's line carries whatever input completed the permutation; it is gated to 0.
                const bool has_source = sources_[output] != BenesNetwork::kNoSource;
                out[output] = has_source ? routed_lines_[output] : 0;
                routed += has_source;
            }
        } else {
            for (uint32_t output = 0; output < ports; ++output) {
                const uint8_t* column = crosspoints_.data() + static_cast<size_t>(output) * all_ports;
                out[output] = 0;
                for (uint32_t input = 0; input < all_ports; ++input) {
                    if (column[input] == 0) continue;
                    out[output] = lines_[input];
                    ++routed;
                }
            }
        }
        elements_routed_ += routed;
        switch_hops_ += routed * switch_hops_per_element();
        traversal_energy_.add(routed);
    }
}

CommandEngine::Outcome PermutationCrossbar::execute(const uint8_t* descriptor, const sc_core::sc_time& start) {
    isa::Instruction instruction;
    try {
        instruction = isa::decode_instruction(descriptor, 0);
    } catch (const isa::DecodeError& error) {
        return rejected(error.offset());
    }
    if (instruction.opcode != isa::Opcode::kPermute) return rejected(0);  // an instruction for another engine
    const auto inputs = static_cast<uint32_t>(instruction.value("inputs"));
    const auto ports = static_cast<uint32_t>(instruction.value("ports"));
    const uint64_t vectors = instruction.value("vectors");
    const uint64_t src = instruction.value("src"), dst = instruction.value("dst");
    const uint64_t src_stride = instruction.value("src_stride"), dst_stride = instruction.value("dst_stride");
    const bool accumulate = instruction.value("accumulate") != 0;
    const uint64_t in_row = 4 * uint64_t{inputs}, out_row = 4 * uint64_t{ports};
    if (inputs > params_.ports) return rejected_operand(instruction, "inputs");
    if (ports > params_.ports) return rejected_operand(instruction, "ports");
    // Overlapping output rows would make the result depend on the order rows are written.
    if (vectors > 1 && dst_stride < out_row) return rejected_operand(instruction, "dst_stride");

    sc_core::sc_time when = start;
    Outcome table = load_table(instruction.value("table"), inputs, ports, when);
    if (table.error != engine_error::kNone) return table;
    const sc_core::sc_time configured = when + cycle() * static_cast<double>(params_.configure_cycles);

    // Vectors move in chunks of about one burst; two input buffers let chunk k+1 load while k routes.
    const uint64_t chunk = std::max<uint64_t>(1, engine_params().burst_bytes / std::max(in_row, out_row));
    const int64_t high = (int64_t{1} << (params_.element_bits - 1)) - 1, low = -high - 1;
    std::vector<uint8_t> bytes;
    sc_core::sc_time read_done = configured, compute_start = configured, compute_done = configured;
    sc_core::sc_time write_done = configured;
    for (uint64_t first = 0; first < vectors; first += chunk) {
        const uint64_t count = std::min(chunk, vectors - first);
        sc_core::sc_time read_at = std::max(read_done, compute_start);
        bytes.resize(count * in_row);
        if (!read_rows(src + first * src_stride, in_row, count, src_stride, bytes.data(), read_at)) return bus_error();
        in_.resize(count * inputs);
        for (size_t i = 0; i < in_.size(); ++i) in_[i] = static_cast<int32_t>(isa::load_le(bytes.data() + 4 * i, 4));
        for (uint64_t v = 0; v < count; ++v) {
            for (uint32_t output = 0; output < ports; ++output) {
                const int32_t source = sources_[output];
                if (source == BenesNetwork::kNoSource) continue;
                const int32_t value = in_[v * inputs + source];
                if (value < low || value > high) {
                    return Outcome{sc_core::SC_ZERO_TIME, permute_error::kValueTooWide,
                                   src + (first + v) * src_stride + 4 * uint64_t(source)};
                }
            }
        }
        out_.resize(count * ports);
        if (params_.detailed) {
            route_detailed(count, inputs, ports);
        } else {
            route_fast(count, inputs, ports);
        }
        read_done = read_at;
        compute_start = std::max(read_at, compute_done);
        compute_done = compute_start + cycle() * static_cast<double>(count);
        route_cycles_ += count;
        sc_core::sc_time write_at =
            std::max(compute_done + cycle() * static_cast<double>(pipeline_cycles()), write_done);
        if (accumulate) {
            bytes.resize(count * out_row);
            if (!read_rows(dst + first * dst_stride, out_row, count, dst_stride, bytes.data(), write_at)) {
                return bus_error();
            }
            for (size_t i = 0; i < out_.size(); ++i) {
                // int32 partial sums wrap, as in the reference interpreter.
                out_[i] = static_cast<int32_t>(static_cast<uint32_t>(out_[i]) +
                                               static_cast<uint32_t>(isa::load_le(bytes.data() + 4 * i, 4)));
            }
            accumulate_adds_ += out_.size();
            add_energy_.add(out_.size());
        }
        bytes.resize(count * out_row);
        for (size_t i = 0; i < out_.size(); ++i) isa::store_le(bytes.data() + 4 * i, 4, static_cast<uint32_t>(out_[i]));
        if (!write_rows(dst + first * dst_stride, out_row, count, dst_stride, bytes.data(), write_at)) {
            return bus_error();
        }
        write_done = write_at;
        keep_quantum(compute_done);
    }
    vectors_ += vectors;
    return finished_at(write_done);
}

}  // namespace cimvp
