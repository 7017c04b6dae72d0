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
    if (tracer_ != nullptr) return record_traced_busy(start.value(), end.value(), what, std::move(args));
    busy_.add(start.value(), end.value(), [](uint64_t, uint64_t) {});
    return -1;
}

int Component::record_traced_busy(uint64_t start, uint64_t end, const char* what, nlohmann::json args) {
    int first_slice = -1;
    busy_.add(start, end, [&](uint64_t from_units, uint64_t to_units) {
        const sc_core::sc_time from = sc_core::sc_time::from_value(from_units);
        const sc_core::sc_time to = sc_core::sc_time::from_value(to_units);
        tracer_->signal(busy_signal_, from, 1);
        tracer_->signal(busy_signal_, to, 0);
        // A span of one command is one part, so its arguments stay with it.
        const int slice = tracer_->slice(busy_track_, what, from, to, first_slice < 0 ? std::move(args) : nlohmann::json(nullptr));
        if (first_slice < 0) first_slice = slice;
    });
    return first_slice;
}

}  // namespace cimvp
