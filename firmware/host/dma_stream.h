// Workload `dma_stream`: the host moves a buffer DRAM -> SRAM -> DRAM through the DMA engine,
// tile by tile, then checks that the destination equals the source. With `order: random` the
// tiles are visited in a random order, so each tile opens a new DRAM row (the row-miss case).
#pragma once

#include <vector>

#include "models/soc/host.h"
#include "platform/workload.h"

namespace cimvp {

class DmaEngine;
class DramController;

class DmaStream : public Workload {
public:
    struct Params {
        std::string dram;  // instance, for peak bandwidth and row statistics
        std::string dma;
        uint64_t dma_registers;
        uint64_t source;
        uint64_t destination;
        uint64_t descriptors;
        uint64_t buffer;
        uint64_t bytes;
        uint64_t tile;
        std::string order;
        int64_t seed;
        explicit Params(ParamReader& reader);
    };

    explicit DmaStream(const WorkloadContext& context);
    void run() override;
    bool report(nlohmann::json& results) const override;
    std::string progress() const override;
    double fraction_done() const override;

private:
    std::vector<uint64_t> tile_order() const;

    Params params_;
    Host& host_;
    DramController& dram_;
    const DmaEngine& dma_;  // its descriptor counter tells progress
    std::vector<uint8_t> source_data_;
    uint64_t mismatched_bytes_ = 0;
    uint64_t dram_bytes_before_ = 0;
    uint64_t dram_bytes_after_ = 0;
    double copy_ns_ = 0.0;
    bool verified_ = false;
};

}  // namespace cimvp
