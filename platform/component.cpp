#include "platform/component.h"

namespace cimvp {

Component::Component(const ComponentContext& context)
    : sc_core::sc_module(), context_(context), type_(context.type) {}

void Component::map_window(const std::string& socket, uint64_t, uint64_t, const std::string&,
                           const SourceLocation& where) {
    throw ConfigError(where, "'" + context_.name + "." + socket + "' is not a router port: 'at:' is not allowed here");
}

}  // namespace cimvp
