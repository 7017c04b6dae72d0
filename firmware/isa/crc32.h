// CRC-32 as used by zlib, PNG and Ethernet (reflected polynomial 0xEDB88320, initial value and final
// XOR 0xFFFFFFFF), which protects a program image against corruption between compiler and chip.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cimvp::isa {

uint32_t crc32(const uint8_t* data, size_t size);

}  // namespace cimvp::isa
