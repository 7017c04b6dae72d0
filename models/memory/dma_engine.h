// A descriptor-driven DMA engine. Software writes the address of a chain of descriptors to the
// register window and starts it; the engine copies 1-D or 2-D strided blocks between any mapped
// addresses through its initiator socket, in large bursts, and raises `irq` when the chain ends.
#pragma once

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <vector>

#include "platform/component.h"
#include "platform/payload_pool.h"

namespace cimvp {

// Register map of the `cfg` window: 64-bit little-endian registers.
namespace dma_reg {
constexpr uint64_t kControl = 0x00;     // write 1: start the chain at kDescriptor
constexpr uint64_t kStatus = 0x08;      // bit0 busy, bit1 done, bit2 error; write 1 to clear done/error and irq
constexpr uint64_t kDescriptor = 0x10;  // address of the first descriptor
constexpr uint64_t kCompleted = 0x18;   // descriptors completed since start (read-only)
constexpr uint64_t kErrorAddress = 0x20;  // address of the access that failed (read-only)
constexpr uint64_t kWindowSize = 0x28;
constexpr uint64_t kStatusBusy = 1, kStatusDone = 2, kStatusError = 4;
}  // namespace dma_reg

// One descriptor as it sits in memory: eight 64-bit little-endian words.
struct DmaDescriptor {
    uint64_t source;
    uint64_t destination;
    uint64_t row_bytes;
    uint64_t rows;              // 1 for a 1-D copy
    uint64_t source_stride;     // bytes between row starts
    uint64_t destination_stride;
    uint64_t next;              // address of the next descriptor, 0 to end the chain
    uint64_t flags;             // reserved, must be 0
};
static_assert(sizeof(DmaDescriptor) == 64, "descriptor layout is part of the software interface");

class DmaEngine : public Component {
public:
    struct Params {
        double clock_hz;
        uint64_t burst_bytes;
        double setup_cycles;
        double energy_per_byte_pj;
        double area_um2;
        explicit Params(ParamReader& reader);
    };

    explicit DmaEngine(const ComponentContext& context);
    SC_HAS_PROCESS(DmaEngine);

    tlm_utils::simple_target_socket<DmaEngine> cfg;
    tlm_utils::simple_initiator_socket<DmaEngine> mem;
    sc_core::sc_out<bool> irq;

    uint64_t address_span() const override { return dma_reg::kWindowSize; }
    double area_um2() const override { return params_.area_um2; }

private:
    void register_access(tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    void run_chains();
    // Runs one descriptor; returns false after recording an error.
    bool copy(const DmaDescriptor& descriptor);
    // One timed transfer issued at absolute time `when`; on success `when` becomes its completion
    // time, on failure the error address is recorded and false returned.
    bool transfer(tlm::tlm_command command, uint64_t address, uint8_t* data, unsigned int length,
                  sc_core::sc_time& when);
    void finish(uint64_t status_bit);
    // The only process that writes `irq`: software clears it from the host's thread, the engine
    // raises it from its own, and a signal may have one driver.
    void drive_irq() { irq.write((status_ & (dma_reg::kStatusDone | dma_reg::kStatusError)) != 0); }

    Params params_;
    sc_core::sc_time cycle_;
    sc_core::sc_event start_event_;
    sc_core::sc_event irq_changed_;
    PayloadPool payloads_;
    std::vector<uint8_t> staging_[2];  // double buffer: one chunk is written while the next is read
    uint64_t status_ = 0;
    uint64_t descriptor_address_ = 0;
    uint64_t completed_ = 0;
    uint64_t error_address_ = 0;
    EnergyLedger::Handle byte_energy_;
    uint64_t& bytes_copied_;
    uint64_t& descriptors_;
    uint64_t& transactions_;
};

}  // namespace cimvp
