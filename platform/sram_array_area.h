// The area of a plain SRAM array (an on-chip buffer, the scheduler's command RAM): bits x bit-cell
// area / array efficiency, the rest of the array being decoders, sense amplifiers and I/O. Every
// model with such an array reads the same two parameters here, so that their defaults and sources
// (docs/models.md, `sram_buffer`) stay one.
#pragma once

#include <cstdint>
#include <string>

#include "platform/params.h"

namespace cimvp {

struct SramArrayArea {
    double bitcell_area_um2 = 0.0;
    double array_efficiency = 1.0;

    SramArrayArea() = default;
    // `array` names the array in the parameters' meanings ("the buffer", "the command RAM").
    SramArrayArea(ParamReader& reader, const std::string& array)
        : bitcell_area_um2(reader.area_um2("bitcell_area", "0.127um2", "area of one 6T bit cell of " + array)),
          array_efficiency(reader.number("array_efficiency", 0.7, 0.05, 1.0,
                                         "fraction of " + array + "'s area that is bit cells")) {}

    double of_bytes(uint64_t bytes) const {
        return static_cast<double>(bytes) * 8.0 * bitcell_area_um2 / array_efficiency;
    }
};

}  // namespace cimvp
