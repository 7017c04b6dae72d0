#include "firmware/isa/crc32.h"

#include <zlib.h>

#include <algorithm>
#include <limits>

namespace cimvp::isa {

// zlib's CRC-32 is the same function, computed several bytes per step: a whole-network image is
// megabytes, and the loader checks it before every run.
uint32_t crc32(const uint8_t* data, size_t size) {
    uLong crc = ::crc32(0L, Z_NULL, 0);
    while (size > 0) {
        const size_t step = std::min<size_t>(size, std::numeric_limits<uInt>::max());
        crc = ::crc32(crc, data, static_cast<uInt>(step));
        data += step;
        size -= step;
    }
    return static_cast<uint32_t>(crc);
}

}  // namespace cimvp::isa
