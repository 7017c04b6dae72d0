// Little-endian loads and stores of 1 to 8 bytes: the byte order of every field in a program image,
// independent of the host's.
#pragma once

#include <cstdint>
#include <cstring>

namespace cimvp::isa {

inline uint64_t load_le(const uint8_t* bytes, unsigned width) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    // The host's order: one load for the operand widths the ISA uses (the scheduler decodes every
    // instruction it runs this way).
    switch (width) {
        case 1: return bytes[0];
        case 2: { uint16_t v; std::memcpy(&v, bytes, 2); return v; }
        case 4: { uint32_t v; std::memcpy(&v, bytes, 4); return v; }
        case 8: { uint64_t v; std::memcpy(&v, bytes, 8); return v; }
        default: break;
    }
#endif
    uint64_t value = 0;
    for (unsigned i = 0; i < width; ++i) value |= uint64_t{bytes[i]} << (8 * i);
    return value;
}

inline void store_le(uint8_t* bytes, unsigned width, uint64_t value) {
    for (unsigned i = 0; i < width; ++i) bytes[i] = uint8_t(value >> (8 * i));
}

}  // namespace cimvp::isa
