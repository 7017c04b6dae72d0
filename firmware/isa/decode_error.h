// A malformed program image or instruction word, located by the byte offset of the offending field.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "firmware/isa/hex.h"

namespace cimvp::isa {

class DecodeError : public std::runtime_error {
public:
    DecodeError(uint64_t offset, const std::string& message)
        : std::runtime_error("byte " + to_hex(offset) + ": error: " + message), offset_(offset), message_(message) {}
    uint64_t offset() const { return offset_; }
    const std::string& message() const { return message_; }

private:
    uint64_t offset_;
    std::string message_;
};

}  // namespace cimvp::isa
