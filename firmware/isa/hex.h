// Hex formatting shared by error messages and the text form: "0x1f", or zero-padded to `digits`.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace cimvp::isa {

inline std::string to_hex(uint64_t value, int digits = 0) {
    char text[24];
    std::snprintf(text, sizeof text, "0x%0*llx", digits, static_cast<unsigned long long>(value));
    return text;
}

}  // namespace cimvp::isa
