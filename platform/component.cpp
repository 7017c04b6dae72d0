#include "platform/component.h"

namespace cimvp {

Component::Component(const ComponentContext& context)
    : sc_core::sc_module(), context_(context), type_(context.type) {}

void Component::map_window(const std::string& socket, uint64_t, uint64_t, const std::string&,
                           const SourceLocation& where) {
    throw ConfigError(where, "'" + context_.name + "." + socket + "' is not a router port: 'at:' is not allowed here");
}

}  // namespace cimvp

namespace cimvp {

void Component::attach_tracer(Tracer* tracer) {
    tracer_ = tracer;
    busy_track_ = tracer_ != nullptr ? tracer_->track(name(), "busy") : -1;
}

int Component::record_busy(const sc_core::sc_time& start, const sc_core::sc_time& end, const char* what,
                           nlohmann::json args) {
    const sc_core::sc_time from = busy_.add(start, end);
    if (tracer_ == nullptr || from >= end) return -1;
    return trace_busy(from, end, what, std::move(args));
}

int Component::trace_busy(const sc_core::sc_time& from, const sc_core::sc_time& end, const char* what,
                          nlohmann::json args) {
    tracer_->signal(name(), "busy", 1, from, 1);
    tracer_->signal(name(), "busy", 1, end, 0);
    return tracer_->slice(busy_track_, what, from, end, std::move(args));
}

}  // namespace cimvp
