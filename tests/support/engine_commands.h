// Driving a command engine (models/common/command_engine.h) from the host the way software does:
// descriptors in memory, a doorbell, then the status registers. Shared by the engine tests.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "firmware/isa/instruction.h"
#include "models/common/command_engine.h"
#include "models/soc/host.h"

namespace cimvp::testing {

using Descriptor = std::array<uint8_t, 64>;

// The 64-byte word of an ISA instruction, which is the descriptor of the engines that take the ISA.
inline Descriptor word(const isa::Instruction& instruction) {
    Descriptor bytes{};
    isa::encode_instruction(instruction, bytes.data());
    return bytes;
}

struct Completion {
    uint64_t status, error_code, error_address;
};

// Places `commands` at `commands_address`, rings the doorbell of the engine at `base`, waits until
// its queue drains (for its interrupt when `irq_wired`, else by polling), then acknowledges.
inline Completion run_commands(Host& host, uint64_t base, uint64_t commands_address,
                               const std::vector<Descriptor>& commands, bool irq_wired) {
    for (size_t i = 0; i < commands.size(); ++i) host.load(commands_address + 64 * i, commands[i].data(), 64);
    host.write64(base + engine_reg::kCommandAddress, commands_address);
    host.write64(base + engine_reg::kDoorbell, commands.size());
    if (irq_wired) {
        host.wait_for_interrupt();
    } else {
        while ((host.read64(base + engine_reg::kStatus) & engine_reg::kStatusBusy) != 0) {
            sc_core::wait(50, sc_core::SC_NS);
        }
    }
    const Completion completion{host.read64(base + engine_reg::kStatus), host.read64(base + engine_reg::kErrorCode),
                                host.read64(base + engine_reg::kErrorAddress)};
    host.write64(base + engine_reg::kStatus, completion.status);
    return completion;
}

inline void expect_done(const Completion& completion) {
    EXPECT_EQ(completion.status, engine_reg::kStatusDone);
    EXPECT_EQ(completion.error_code, engine_error::kNone) << std::hex << completion.error_address;
}

}  // namespace cimvp::testing
