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
    // A step moves at most one burst of data: a group of short rows, gathered from the source and
    // scattered to the destination one strided transaction each (read_rows and write_rows), or
    // one burst-sized piece of a long row. The read of a step overlaps the write of the previous
    // one (two staging buffers).
    const uint64_t rows_per_step = std::max<uint64_t>(1, burst / descriptor.row_bytes);
    const uint64_t bytes_per_step = std::min(burst, descriptor.row_bytes);
    sc_core::sc_time read_done = start, write_done = start;
    int buffer = 0;
    for (uint64_t row = 0; row < descriptor.rows; row += rows_per_step) {
        const uint64_t rows = std::min(rows_per_step, descriptor.rows - row);
        const uint64_t source = descriptor.source + row * descriptor.source_stride;
        const uint64_t destination = descriptor.destination + row * descriptor.destination_stride;
        for (uint64_t offset = 0; offset < descriptor.row_bytes; offset += bytes_per_step) {
            const uint64_t bytes = std::min(bytes_per_step, descriptor.row_bytes - offset);
            uint8_t* staging = staging_[buffer].data();
            buffer ^= 1;
            if (!read_rows(source + offset, bytes, rows, descriptor.source_stride, staging, read_done)) {
                return bus_error();
            }
            sc_core::sc_time write_at = std::max(read_done, write_done);
            if (!write_rows(destination + offset, bytes, rows, descriptor.destination_stride, staging, write_at)) {
                return bus_error();
            }
            write_done = write_at;
            bytes_copied_ += rows * bytes;
            byte_energy_.add(rows * bytes);
            keep_quantum(read_done);
        }
    }
    return finished_at(std::max(read_done, write_done));
}

}  // namespace cimvp
