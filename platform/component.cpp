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
    int slice = -1;
    busy_.add(start.value(), end.value(), [&](uint64_t from, uint64_t to) {
        if (tracer_ == nullptr) return;
        // The arguments go with the first part; a span of one command is one part.
        const int traced = trace_busy(from, to, what, slice < 0 ? std::move(args) : nlohmann::json(nullptr));
        if (slice < 0) slice = traced;
    });
    return slice;
}

int Component::trace_busy(uint64_t from_units, uint64_t end_units, const char* what, nlohmann::json args) {
    const sc_core::sc_time from = sc_core::sc_time::from_value(from_units);
    const sc_core::sc_time end = sc_core::sc_time::from_value(end_units);
    tracer_->signal(name(), "busy", 1, from, 1);
    tracer_->signal(name(), "busy", 1, end, 0);
    return tracer_->slice(busy_track_, what, from, end, std::move(args));
}

}  // namespace cimvp
