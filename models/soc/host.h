// The host CPU of a platform: it runs the scenario's workload (a C++ program standing in for
// driver software) and reaches the chip through its `mem` socket, like firmware on a core would.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>

#include <functional>
#include <string>

#include "platform/component.h"
#include "platform/payload_pool.h"
#include "platform/workload.h"

namespace cimvp {

class Host : public Component, public ProgramRunner {
public:
    struct Params {
        double clock_hz;
        explicit Params(ParamReader& reader);
    };

    explicit Host(const ComponentContext& context);
    SC_HAS_PROCESS(Host);

    tlm_utils::simple_initiator_socket<Host> mem;
    sc_core::sc_in<bool> irq;

    void set_program(std::function<void()> program) override { program_ = std::move(program); }
    bool finished() const override { return finished_; }
    const std::string& failure() const override { return failure_; }

    // Timed accesses (b_transport); a TLM error response throws SimulationError naming the address.
    void write(uint64_t address, const void* data, unsigned int length);
    void read(uint64_t address, void* data, unsigned int length);
    void write64(uint64_t address, uint64_t value) { write(address, &value, 8); }
    uint64_t read64(uint64_t address) {
        uint64_t value = 0;
        read(address, &value, 8);
        return value;
    }

    // Untimed loader access (debug transport), for placing images and checking results.
    void load(uint64_t address, const void* data, uint64_t length);
    void peek(uint64_t address, void* data, uint64_t length);

    // Blocks until the interrupt line is high.
    void wait_for_interrupt();
    // Blocks until the line is low again, after software acknowledged the interrupt at its source.
    void wait_for_interrupt_clear();

private:
    void run();
    void access(tlm::tlm_command command, uint64_t address, void* data, unsigned int length);
    void debug_access(tlm::tlm_command command, uint64_t address, void* data, uint64_t length);

    Params params_;
    std::function<void()> program_;
    bool finished_ = false;
    std::string failure_;
    PayloadPool payloads_;
    uint64_t& accesses_;
};

}  // namespace cimvp
