// The scheduler's driver for `dma_engine`: one `dma` instruction becomes one descriptor in the
// command RAM. The engine runs one chain at a time, so a new copy waits until the last one ended.
#include "firmware/scheduler/engine_driver.h"
#include "models/memory/dma_engine.h"

namespace cimvp {
namespace {

class DmaDriver : public EngineDriver {
public:
    bool accepts(isa::Opcode opcode) const override { return opcode == isa::Opcode::kDma; }

    void issue(FirmwareBus& bus, uint64_t base, const isa::Instruction& instruction) override {
        while (!idle(bus, base)) bus.pause();
        const DmaDescriptor descriptor{instruction.value("src"),        instruction.value("dst"),
                                       instruction.value("row_bytes"),  instruction.value("rows"),
                                       instruction.value("src_stride"), instruction.value("dst_stride"),
                                       0,                               0};
        const uint64_t slot = bus.put_descriptor(reinterpret_cast<const uint8_t*>(&descriptor));
        acknowledge(bus, base);
        bus.write64(base + dma_reg::kDescriptor, slot);
        bus.write64(base + dma_reg::kControl, 1);
        running_ = true;
    }

    bool idle(FirmwareBus& bus, uint64_t base) override {
        if (!running_) return true;
        const uint64_t status = bus.read64(base + dma_reg::kStatus);
        if ((status & dma_reg::kStatusBusy) != 0) return false;
        // An error stays visible to fault() until the next issue acknowledges it.
        running_ = false;
        last_status_ = status;
        return true;
    }

    std::string fault(FirmwareBus& bus, uint64_t base) override {
        if ((last_status_ & dma_reg::kStatusError) == 0) return "";
        char text[96];
        std::snprintf(text, sizeof text, "DMA error at address 0x%llx",
                      static_cast<unsigned long long>(bus.read64(base + dma_reg::kErrorAddress)));
        return text;
    }

private:
    void acknowledge(FirmwareBus& bus, uint64_t base) {
        bus.write64(base + dma_reg::kStatus, dma_reg::kStatusDone | dma_reg::kStatusError);
        last_status_ = 0;
    }

    bool running_ = false;
    uint64_t last_status_ = 0;
};

}  // namespace

CIMVP_REGISTER_ENGINE_DRIVER("dma_engine", DmaDriver);

}  // namespace cimvp
