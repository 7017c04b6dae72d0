// Little-endian loads and stores of 1 to 8 bytes: the byte order of every field in a program image,
// independent of the host's.
#pragma once

#include <cstdint>

namespace cimvp::isa {

inline uint64_t load_le(const uint8_t* bytes, unsigned width) {
    uint64_t value = 0;
    for (unsigned i = 0; i < width; ++i) value |= uint64_t{bytes[i]} << (8 * i);
    return value;
}

inline void store_le(uint8_t* bytes, unsigned width, uint64_t value) {
    for (unsigned i = 0; i < width; ++i) bytes[i] = uint8_t(value >> (8 * i));
}

}  // namespace cimvp::isa
