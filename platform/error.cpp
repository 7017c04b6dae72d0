#include "platform/error.h"

namespace cimvp {

std::string SourceLocation::to_string() const {
    std::string text = file.empty() ? "<input>" : file;
    if (line > 0) text += ":" + std::to_string(line);
    if (line > 0 && column > 0) text += ":" + std::to_string(column);
    return text;
}

ConfigError::ConfigError(const SourceLocation& where, const std::string& message)
    : std::runtime_error(where.to_string() + ": error: " + message), where_(where), message_(message) {}

}  // namespace cimvp
