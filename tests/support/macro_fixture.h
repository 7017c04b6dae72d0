// One SRAM CIM macro behind a router with a 256 KiB buffer, driven from the host: the memory map,
// the netlist, and the macro's own command structs as descriptors. Shared by the macro tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "models/cim/sram_cim_macro.h"
#include "tests/support/engine_commands.h"

namespace cimvp::testing {

constexpr uint64_t kMacro = 0x100, kBuffer = 0x100000;
constexpr uint64_t kCommands = kBuffer, kWeights = kBuffer + 0x1000, kMask = kBuffer + 0x9000;
constexpr uint64_t kInputs = kBuffer + 0xA000, kOutputs = kBuffer + 0x20000;

// `macro_params` is the body of the macro's params map, e.g. "max_active_wl: 16".
inline std::string macro_netlist(const std::string& macro_params) {
    return R"(
platform: t
modules:
  - {name: host, type: host}
  - {name: noc, type: router}
  - {name: buf, type: sram_buffer, params: {size: 256KiB}}
  - {name: macro, type: sram_cim_macro, params: {)" +
           macro_params + R"(}}
connections:
  - {from: host.mem, to: noc.in}
  - {from: macro.mem, to: noc.in}
  - {from: noc.out, to: macro.cfg, at: 0x100}
  - {from: noc.out, to: buf.tgt, at: 0x100000}
  - {from: macro.irq, to: host.irq}
)";
}

// A macro command struct as its 64-byte descriptor.
template <class Command>
Descriptor descriptor_of(const Command& command) {
    Descriptor bytes{};
    std::memcpy(bytes.data(), &command, sizeof command);
    return bytes;
}

// Weights read from kWeights (and a MARS mask from `mask_address`, 0 for none).
inline CimWeightWriteCommand weight_write(int rows, int channels, int weight_bits, bool is_signed, int row_offset = 0,
                                          int column_offset = 0, uint64_t mask_address = 0) {
    CimWeightWriteCommand command{};
    command.opcode = cim_opcode::kWeightWrite;
    command.weight_bits = static_cast<uint8_t>(weight_bits);
    command.flags = is_signed ? cim_flag::kSignedWeights : 0;
    command.rows = static_cast<uint32_t>(rows);
    command.source = kWeights;
    command.channels = static_cast<uint32_t>(channels);
    command.row_offset = static_cast<uint32_t>(row_offset);
    command.column_offset = static_cast<uint32_t>(column_offset);
    command.mask_address = mask_address;
    return command;
}

// `vectors` input vectors from kInputs, sums to kOutputs.
inline CimMvmCommand mvm(int vectors, int rows, int channels, int input_bits, int weight_bits, uint8_t flags,
                         int row_offset = 0, int column_offset = 0) {
    CimMvmCommand command{};
    command.opcode = cim_opcode::kMvm;
    command.input_bits = static_cast<uint8_t>(input_bits);
    command.weight_bits = static_cast<uint8_t>(weight_bits);
    command.flags = flags;
    command.vectors = static_cast<uint32_t>(vectors);
    command.input = kInputs;
    command.output = kOutputs;
    command.row_offset = static_cast<uint32_t>(row_offset);
    command.rows = static_cast<uint32_t>(rows);
    command.column_offset = static_cast<uint32_t>(column_offset);
    command.channels = static_cast<uint32_t>(channels);
    return command;
}

// Runs the descriptors on the macro, whose interrupt is wired to the host.
inline Completion run_macro_commands(Host& host, const std::vector<Descriptor>& commands) {
    return run_commands(host, kMacro, kCommands, commands, true);
}

}  // namespace cimvp::testing
