#include "models/memory/dma_engine.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "platform/registry.h"

namespace cimvp {

CIMVP_REGISTER_MODEL("dma_engine", DmaEngine, "descriptor-driven 1-D/2-D strided DMA with an interrupt line");

DmaEngine::Params::Params(ParamReader& reader) : engine(reader, "1GHz") {
    energy_per_byte_pj = reader.energy_pj("energy_per_byte", "2.5pJ",
                                          "staging-buffer energy per byte copied (8KB SRAM write + read)");
    area_um2 = reader.area_um2("area", "0um2", "silicon area of the engine");
}

DmaEngine::DmaEngine(const ComponentContext& context) : DmaEngine(context, read_params<Params>(context)) {}

DmaEngine::DmaEngine(const ComponentContext& context, const Params& params)
    : CommandEngine(context, params.engine),
      params_(params),
      byte_energy_(energy().declare("copy_byte", params.energy_per_byte_pj)),
      bytes_copied_(counters()["bytes_copied"]) {
    staging_[0].resize(params_.engine.burst_bytes);
    staging_[1].resize(params_.engine.burst_bytes);
}

CommandEngine::Outcome DmaEngine::execute(const uint8_t* bytes, const sc_core::sc_time& start) {
    DmaDescriptor descriptor;
    std::memcpy(&descriptor, bytes, sizeof descriptor);
    if (descriptor.row_bytes == 0) return rejected(offsetof(DmaDescriptor, row_bytes));
    if (descriptor.rows == 0) return rejected(offsetof(DmaDescriptor, rows));
    if (descriptor.reserved[0] != 0 || descriptor.reserved[1] != 0) return rejected(offsetof(DmaDescriptor, reserved));

    const uint64_t burst = params_.engine.burst_bytes;
    sc_core::sc_time read_done = start, write_done = start;
    int buffer = 0;
    for (uint64_t row = 0; row < descriptor.rows; ++row) {
        for (uint64_t offset = 0; offset < descriptor.row_bytes; offset += burst) {
            const uint64_t chunk = std::min(burst, descriptor.row_bytes - offset);
            uint8_t* staging = staging_[buffer].data();
            buffer ^= 1;
            // The read of this burst overlaps the write of the previous one (two staging buffers).
            if (!read_block(descriptor.source + row * descriptor.source_stride + offset, staging, chunk, read_done)) {
                return bus_error();
            }
            sc_core::sc_time write_at = std::max(read_done, write_done);
            if (!write_block(descriptor.destination + row * descriptor.destination_stride + offset, staging, chunk,
                             write_at)) {
                return bus_error();
            }
            write_done = write_at;
            bytes_copied_ += chunk;
            byte_energy_.add(chunk);
            keep_quantum(read_done);
        }
    }
    return finished_at(std::max(read_done, write_done));
}

}  // namespace cimvp
