#include "firmware/host/dma_stream.h"

#include <algorithm>
#include <limits>
#include <random>

#include "models/memory/dma_engine.h"
#include "models/memory/dram_controller.h"
#include "platform/platform.h"

namespace cimvp {

CIMVP_REGISTER_WORKLOAD("dma_stream", DmaStream,
                        "copies a buffer DRAM -> SRAM -> DRAM in tiles through the DMA engine and checks every byte");

namespace {
constexpr int64_t kMaxAddress = std::numeric_limits<int64_t>::max();
}

DmaStream::Params::Params(ParamReader& reader) {
    dram = reader.text("dram", std::string("dram"), "DRAM controller instance (for bandwidth and row statistics)");
    dma = reader.text("dma", std::string("dma"), "DMA engine instance");
    dma_registers = static_cast<uint64_t>(reader.integer("dma_registers", std::nullopt, 0, kMaxAddress,
                                                         "address of the DMA engine's register window"));
    source = static_cast<uint64_t>(reader.integer("source", std::nullopt, 0, kMaxAddress, "source address (DRAM)"));
    destination = static_cast<uint64_t>(
        reader.integer("destination", std::nullopt, 0, kMaxAddress, "destination address (DRAM)"));
    descriptors = static_cast<uint64_t>(
        reader.integer("descriptors", std::nullopt, 0, kMaxAddress, "where the copy descriptors are placed"));
    buffer = static_cast<uint64_t>(
        reader.integer("buffer", std::nullopt, 0, kMaxAddress, "address of two tile slots in on-chip SRAM"));
    bytes = reader.bytes("bytes", "64MiB", "bytes to move");
    tile = reader.bytes("tile", "64KiB", "bytes per tile (one DRAM->SRAM and one SRAM->DRAM descriptor)");
    order = reader.choice("order", "sequential", {"sequential", "random"}, "order in which tiles are visited");
    seed = reader.integer("seed", 1, 0, kMaxAddress, "seed of the data pattern and of the random order");
    reader.require(bytes % tile == 0, "bytes", "must be a whole number of tiles");
    reader.require(source + bytes <= destination || destination + bytes <= source, "destination",
                   "source and destination ranges overlap");
}

DmaStream::DmaStream(const WorkloadContext& context)
    : params_(read_params_of<Params>(context)),
      host_(context.platform.get<Host>(context.host, "workload dma_stream")),
      dram_(context.platform.get<DramController>(params_.dram, "workload dma_stream")),
      dma_(context.platform.get<DmaEngine>(params_.dma, "workload dma_stream")) {}

double DmaStream::fraction_done() const {
    const double total = 2.0 * static_cast<double>(params_.bytes / params_.tile);
    return static_cast<double>(dma_.counters().get("commands")) / total;
}

std::string DmaStream::progress() const {
    return "descriptor " + std::to_string(dma_.counters().get("commands")) + " of " +
           std::to_string(2 * (params_.bytes / params_.tile));
}

std::vector<uint64_t> DmaStream::tile_order() const {
    std::vector<uint64_t> order(params_.bytes / params_.tile);
    for (uint64_t i = 0; i < order.size(); ++i) order[i] = i;
    if (params_.order == "random") {
        std::mt19937_64 generator(static_cast<uint64_t>(params_.seed) ^ 0x5eedULL);
        std::shuffle(order.begin(), order.end(), generator);
    }
    return order;
}

void DmaStream::run() {
    // The loader places the data and the copy descriptors; only the copies themselves are timed.
    source_data_.resize(params_.bytes);
    std::mt19937_64 generator(static_cast<uint64_t>(params_.seed));
    for (uint64_t i = 0; i < params_.bytes; i += 8) {
        const uint64_t word = generator();
        std::memcpy(source_data_.data() + i, &word, std::min<uint64_t>(8, params_.bytes - i));
    }
    host_.load(params_.source, source_data_.data(), params_.bytes);

    const std::vector<uint64_t> order = tile_order();
    std::vector<DmaDescriptor> chain;
    chain.reserve(order.size() * 2);
    for (size_t i = 0; i < order.size(); ++i) {
        const uint64_t offset = order[i] * params_.tile;
        const uint64_t slot = params_.buffer + (i % 2) * params_.tile;  // ping-pong slots
        chain.push_back({params_.source + offset, slot, params_.tile, 1, 0, 0, {0, 0}});
        chain.push_back({slot, params_.destination + offset, params_.tile, 1, 0, 0, {0, 0}});
    }
    host_.load(params_.descriptors, chain.data(), chain.size() * sizeof(DmaDescriptor));

    dram_bytes_before_ = dram_.counters().get("bytes_read") + dram_.counters().get("bytes_written");
    const sc_core::sc_time start = sc_core::sc_time_stamp();
    // The driver's loop: fill the engine's queue, wait for it to drain (irq), acknowledge, repeat.
    const uint64_t registers = params_.dma_registers;
    const uint64_t depth = host_.read64(registers + engine_reg::kQueueDepth);
    for (uint64_t first = 0; first < chain.size(); first += depth) {
        const uint64_t count = std::min<uint64_t>(depth, chain.size() - first);
        host_.write64(registers + engine_reg::kCommandAddress, params_.descriptors + first * sizeof(DmaDescriptor));
        host_.write64(registers + engine_reg::kDoorbell, count);
        host_.wait_for_interrupt();
        const uint64_t status = host_.read64(registers + engine_reg::kStatus);
        host_.write64(registers + engine_reg::kStatus, status);
        if (status & engine_reg::kStatusError) {
            char text[96];
            std::snprintf(text, sizeof text, "DMA stopped with error code 0x%llx at address 0x%llx",
                          static_cast<unsigned long long>(host_.read64(registers + engine_reg::kErrorCode)),
                          static_cast<unsigned long long>(host_.read64(registers + engine_reg::kErrorAddress)));
            throw SimulationError(text);
        }
        host_.wait_for_interrupt_clear();
    }
    copy_ns_ = (sc_core::sc_time_stamp() - start).to_seconds() * 1e9;
    dram_bytes_after_ = dram_.counters().get("bytes_read") + dram_.counters().get("bytes_written");

    std::vector<uint8_t> copied(params_.bytes);
    host_.peek(params_.destination, copied.data(), params_.bytes);
    for (uint64_t i = 0; i < params_.bytes; ++i) mismatched_bytes_ += copied[i] != source_data_[i];
    verified_ = mismatched_bytes_ == 0;
}

bool DmaStream::report(nlohmann::json& results) const {
    const double dram_bytes = static_cast<double>(dram_bytes_after_ - dram_bytes_before_);
    const double achieved = copy_ns_ > 0 ? dram_bytes / (copy_ns_ * 1e-9) : 0.0;
    const double peak = dram_.peak_bandwidth_bytes_per_s();
    const auto& counters = dram_.counters();
    const double accesses =
        static_cast<double>(counters.get("row_hits") + counters.get("row_misses") + counters.get("row_conflicts"));
    results = {{"type", "dma_stream"},
               {"order", params_.order},
               {"bytes", params_.bytes},
               {"tile_bytes", params_.tile},
               {"check", {{"outputs_match", verified_}, {"compared", params_.bytes}, {"mismatched", mismatched_bytes_}}},
               {"copy_ns", copy_ns_},
               {"dram_bytes", dram_bytes},
               {"dram_bandwidth_gbps", achieved / 1e9},
               {"dram_peak_gbps", peak / 1e9},
               {"dram_bandwidth_fraction", peak > 0 ? achieved / peak : 0.0},
               {"dram_row_hit_rate", accesses > 0 ? static_cast<double>(counters.get("row_hits")) / accesses : 0.0}};
    return verified_;
}

}  // namespace cimvp
