// Errors that point at the input that caused them: `FILE:LINE:COL: error: MESSAGE`.
#pragma once

#include <stdexcept>
#include <string>

namespace cimvp {

// A position in a YAML or text file; line and column are 1-based, 0 when unknown.
struct SourceLocation {
    std::string file;
    int line = 0;
    int column = 0;

    std::string to_string() const;
};

class ConfigError : public std::runtime_error {
public:
    ConfigError(const SourceLocation& where, const std::string& message);
    const SourceLocation& where() const { return where_; }
    const std::string& message() const { return message_; }

private:
    SourceLocation where_;
    std::string message_;
};

// A failure while simulating (a TLM error response, a firmware fault), as opposed to bad input.
class SimulationError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace cimvp
