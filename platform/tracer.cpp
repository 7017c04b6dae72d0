#include "platform/tracer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "platform/netlist.h"
#include "platform/params.h"
#include "platform/units.h"

namespace cimvp {

namespace {

int64_t to_ps(const sc_core::sc_time& time) { return static_cast<int64_t>(std::llround(time.to_seconds() * 1e12)); }

double parse_time(const YAML::Node& value, const std::string& file, const std::string& what) {
    std::string why;
    const auto parsed = parse_quantity(value.Scalar(), Dimension::Time, &why);
    if (!parsed) throw ConfigError(location_of(value, file), what + ": " + why);
    if (*parsed < 0) throw ConfigError(location_of(value, file), what + ": must not be negative");
    return *parsed;
}

}  // namespace

TraceConfig TraceConfig::defaults() {
    TraceConfig config;
    config.perfetto = true;
    config.vcd_all = true;
    config.power_interval_ns = 1000.0;
    return config;
}

TraceConfig parse_trace_config(const YAML::Node& node, const std::string& file) {
    TraceConfig config;
    if (!node.IsDefined() || node.IsNull()) return config;
    if (!node.IsMap()) throw ConfigError(location_of(node, file), "'trace' must be a map");
    reject_unknown_keys(node, {"vcd", "perfetto", "window", "power_interval"}, file, "trace");
    if (const YAML::Node vcd = node["vcd"]) {
        if (vcd.IsScalar() && vcd.Scalar() == "all") {
            config.vcd_all = true;
        } else if (vcd.IsSequence()) {
            for (const auto& instance : vcd) config.vcd.insert(instance.Scalar());
        } else {
            throw ConfigError(location_of(vcd, file), "'vcd' must be a list of instance names or 'all'");
        }
    }
    if (const YAML::Node perfetto = node["perfetto"]) {
        const std::string text = perfetto.Scalar();
        if (text != "true" && text != "false") {
            throw ConfigError(location_of(perfetto, file), "'perfetto' must be true or false");
        }
        config.perfetto = text == "true";
    }
    if (const YAML::Node window = node["window"]) {
        if (!window.IsSequence() || window.size() != 2) {
            throw ConfigError(location_of(window, file), "'window' must be [START, END], e.g. [0us, 200us]");
        }
        config.window_start_ns = parse_time(window[0], file, "window start");
        config.window_end_ns = parse_time(window[1], file, "window end");
        if (config.window_end_ns <= config.window_start_ns) {
            throw ConfigError(location_of(window, file), "'window' must end after it starts");
        }
    }
    if (const YAML::Node interval = node["power_interval"]) {
        config.power_interval_ns = parse_time(interval, file, "power_interval");
        if (config.power_interval_ns <= 0) {
            throw ConfigError(location_of(interval, file), "'power_interval' must be positive");
        }
    }
    return config;
}

std::pair<int, bool> Tracer::NameIds::find_or_add(std::string_view instance, std::string_view name, size_t next) {
    auto of_instance = ids_.find(instance);
    if (of_instance == ids_.end()) of_instance = ids_.try_emplace(std::string(instance)).first;
    const auto found = of_instance->second.find(name);
    if (found != of_instance->second.end()) return {found->second, false};
    const int id = static_cast<int>(next);
    of_instance->second.emplace(std::string(name), id);
    return {id, true};
}

int Tracer::track(const std::string& instance, const std::string& name) {
    const auto [id, added] = track_ids_.find_or_add(instance, name, tracks_.size());
    if (added) {
        tracks_.push_back({instance, name});
        last_slice_of_track_.push_back(-1);
    }
    return id;
}

bool Tracer::in_window(int64_t start_ps, int64_t end_ps) const {
    return static_cast<double>(end_ps) > config_.window_start_ns * 1e3 &&
           static_cast<double>(start_ps) < config_.window_end_ns * 1e3;
}

bool Tracer::keeps_slice(const sc_core::sc_time& start, const sc_core::sc_time& end) const {
    const int64_t start_ps = to_ps(start), end_ps = to_ps(end);
    return end_ps > start_ps && in_window(start_ps, end_ps);
}

int Tracer::slice(int track, const std::string& name, const sc_core::sc_time& start, const sc_core::sc_time& end,
                  nlohmann::json args) {
    if (!keeps_slice(start, end)) return -1;
    int64_t start_ps = to_ps(start), end_ps = to_ps(end);
    // Clip to the window so that busy time in the trace is busy time inside the window.
    start_ps = std::max<int64_t>(start_ps, window_start_ps_);
    if (std::isfinite(config_.window_end_ns)) {
        end_ps = std::min<int64_t>(end_ps, static_cast<int64_t>(std::llround(config_.window_end_ns * 1e3)));
    }
    int& last = last_slice_of_track_[static_cast<size_t>(track)];
    if (last >= 0 && args.is_null()) {
        Slice& previous = slices_[static_cast<size_t>(last)];
        if (previous.end_ps == start_ps && previous.name == name && previous.args.is_null()) {
            previous.end_ps = end_ps;
            return last;
        }
    }
    last = static_cast<int>(slices_.size());
    slices_.push_back({track, name, start_ps, end_ps, std::move(args)});
    return last;
}

void Tracer::flow(int from_slice, int to_slice) {
    if (from_slice >= 0 && to_slice >= 0) flows_.emplace_back(from_slice, to_slice);
}

std::optional<Tracer::Issue> Tracer::take_issue(uint64_t descriptor_address) {
    const auto found = issues_.find(descriptor_address);
    if (found == issues_.end()) return std::nullopt;
    const Issue issue = found->second;
    issues_.erase(found);
    return issue;
}

int Tracer::take_completed(const std::string& instance) {
    const auto found = completed_.find(instance);
    if (found == completed_.end()) return -1;
    const int slice = found->second;
    completed_.erase(found);
    return slice;
}

void Tracer::counter(std::string_view instance, std::string_view name, const sc_core::sc_time& when, double value) {
    counter(counter_id(instance, name), when, value);
}

int Tracer::counter_id(std::string_view instance, std::string_view name) {
    const auto [id, added] = counter_ids_.find_or_add(instance, name, counter_names_.size());
    if (added) counter_names_.push_back(std::string(instance) + " " + std::string(name));
    return id;
}

void Tracer::counter(int id, const sc_core::sc_time& when, double value) {
    const int64_t when_ps = to_ps(when);
    if (in_window(when_ps, when_ps + 1)) counters_.push_back({id, when_ps, value});
}

void Tracer::signal(std::string_view instance, std::string_view name, int width, const sc_core::sc_time& when,
                    double value) {
    if (!config_.vcd_wants(instance)) return;
    const int64_t when_ps = to_ps(when);
    if (keeps_change(when_ps)) record_change(signal_id(instance, name, width), when_ps, value);
}

void Tracer::signal(SignalHandle& handle, const sc_core::sc_time& when, double value) {
    if (handle.tracer_ != this) {
        handle.tracer_ = this;
        handle.id_ = config_.vcd_wants(handle.instance_) ? SignalHandle::kUnresolved : SignalHandle::kNotTraced;
    }
    if (handle.id_ == SignalHandle::kNotTraced) return;
    const int64_t when_ps = to_ps(when);
    if (!keeps_change(when_ps)) return;
    if (handle.id_ == SignalHandle::kUnresolved) handle.id_ = signal_id(handle.instance_, handle.name_, handle.width_);
    record_change(handle.id_, when_ps, value);
}

int Tracer::signal_id(std::string_view instance, std::string_view name, int width) {
    const auto [id, added] = signal_ids_.find_or_add(instance, name, signals_.size());
    if (added) signals_.push_back({std::string(instance), std::string(name), width});
    return id;
}

void Tracer::record_change(int signal, int64_t when_ps, double value) {
    if (when_ps < window_start_ps_) {
        Change& entry = value_at_window_start_[signal];
        if (when_ps >= entry.when_ps) entry = {when_ps, signal, value};
        return;
    }
    changes_.push_back({when_ps, signal, value});
}

std::map<std::string, double> Tracer::busy_ns_by_instance() const {
    std::map<std::string, double> busy;
    for (const Slice& slice : slices_) {
        const Track& track = tracks_[static_cast<size_t>(slice.track)];
        if (track.name == "busy") busy[track.instance] += static_cast<double>(slice.end_ps - slice.start_ps) / 1e3;
    }
    return busy;
}

void Tracer::write_perfetto(const std::string& path, const std::string& chip_name) const {
    // Chrome trace-event JSON: times in microseconds; one process for the chip, one thread per track.
    nlohmann::json events = nlohmann::json::array();
    events.push_back({{"ph", "M"}, {"pid", 1}, {"name", "process_name"}, {"args", {{"name", chip_name}}}});
    for (size_t id = 0; id < tracks_.size(); ++id) {
        const std::string label =
            tracks_[id].name == "busy" ? tracks_[id].instance : tracks_[id].instance + "." + tracks_[id].name;
        events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", id + 1}, {"name", "thread_name"}, {"args", {{"name", label}}}});
        events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", id + 1}, {"name", "thread_sort_index"},
                          {"args", {{"sort_index", id}}}});
    }
    // Every timed event, then one stable sort by time, so viewers and checks see them in order.
    std::vector<std::pair<int64_t, nlohmann::json>> timed;
    for (const Slice& slice : slices_) {
        nlohmann::json event = {{"ph", "X"},
                                {"pid", 1},
                                {"tid", slice.track + 1},
                                {"name", slice.name},
                                {"ts", static_cast<double>(slice.start_ps) / 1e6},
                                {"dur", static_cast<double>(slice.end_ps - slice.start_ps) / 1e6}};
        if (!slice.args.is_null()) event["args"] = slice.args;
        timed.emplace_back(slice.start_ps, std::move(event));
    }
    // Flow arrows bind to the slices enclosing their timestamps: the producer's start and the
    // consumer's start; viewers draw them from the producer's end.
    for (size_t id = 0; id < flows_.size(); ++id) {
        const Slice& from = slices_[static_cast<size_t>(flows_[id].first)];
        const Slice& to = slices_[static_cast<size_t>(flows_[id].second)];
        timed.emplace_back(from.start_ps, nlohmann::json{{"ph", "s"}, {"pid", 1}, {"tid", from.track + 1},
                                                          {"name", "unblocks"}, {"cat", "dependency"}, {"id", id + 1},
                                                          {"ts", static_cast<double>(from.start_ps) / 1e6}});
        timed.emplace_back(to.start_ps, nlohmann::json{{"ph", "f"}, {"bp", "e"}, {"pid", 1}, {"tid", to.track + 1},
                                                        {"name", "unblocks"}, {"cat", "dependency"}, {"id", id + 1},
                                                        {"ts", static_cast<double>(to.start_ps) / 1e6}});
    }
    for (const Counter& sample : counters_) {
        timed.emplace_back(sample.when_ps,
                           nlohmann::json{{"ph", "C"}, {"pid", 1}, {"name", counter_names_[static_cast<size_t>(sample.id)]},
                                          {"ts", static_cast<double>(sample.when_ps) / 1e6},
                                          {"args", {{"value", sample.value}}}});
    }
    std::stable_sort(timed.begin(), timed.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [when, event] : timed) events.push_back(std::move(event));
    std::ofstream(path) << nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ns"}}.dump() << "\n";
}

void Tracer::write_vcd(const std::string& path) const {
    std::ofstream out(path);
    out << "$date cimvp $end\n$version cimvp VCD writer $end\n$timescale 1ps $end\n";
    // Identifiers are printable ASCII 33..126, base 94.
    auto identifier = [](int index) {
        std::string id;
        do {
            id += static_cast<char>(33 + index % 94);
            index /= 94;
        } while (index > 0);
        return id;
    };
    std::map<std::string, std::vector<int>> by_instance;
    for (size_t id = 0; id < signals_.size(); ++id) by_instance[signals_[id].instance].push_back(static_cast<int>(id));
    out << "$scope module chip $end\n";
    for (const auto& [instance, ids] : by_instance) {
        out << "$scope module " << instance << " $end\n";
        for (int id : ids) {
            const Signal& signal = signals_[static_cast<size_t>(id)];
            if (signal.width == 0) {
                out << "$var real 64 " << identifier(id) << " " << signal.name << " $end\n";
            } else {
                out << "$var wire " << signal.width << " " << identifier(id) << " " << signal.name;
                if (signal.width > 1) out << " [" << signal.width - 1 << ":0]";
                out << " $end\n";
            }
        }
        out << "$upscope $end\n";
    }
    out << "$upscope $end\n$enddefinitions $end\n";

    std::vector<Change> ordered;
    for (const auto& [id, change] : value_at_window_start_) ordered.push_back({window_start_ps_, id, change.value});
    ordered.insert(ordered.end(), changes_.begin(), changes_.end());
    std::stable_sort(ordered.begin(), ordered.end(), [](const Change& a, const Change& b) { return a.when_ps < b.when_ps; });
    // Of several changes of one signal at one time, only the last is the signal's value.
    std::vector<bool> last_at_time(ordered.size(), true);
    std::map<int, size_t> latest;  // signal -> its last change within the current time
    for (size_t i = 0; i < ordered.size(); ++i) {
        if (i > 0 && ordered[i].when_ps != ordered[i - 1].when_ps) latest.clear();
        const auto [previous, inserted] = latest.emplace(ordered[i].signal, i);
        if (!inserted) {
            last_at_time[previous->second] = false;
            previous->second = i;
        }
    }
    int64_t current = -1;
    for (size_t i = 0; i < ordered.size(); ++i) {
        if (!last_at_time[i]) continue;
        const Change& change = ordered[i];
        if (change.when_ps != current) {
            out << "#" << change.when_ps << "\n";
            current = change.when_ps;
        }
        const Signal& signal = signals_[static_cast<size_t>(change.signal)];
        if (signal.width == 0) {
            char text[40];
            std::snprintf(text, sizeof text, "r%.9g ", change.value);
            out << text << identifier(change.signal) << "\n";
        } else if (signal.width == 1) {
            out << (change.value != 0 ? '1' : '0') << identifier(change.signal) << "\n";
        } else {
            const auto value = static_cast<uint64_t>(change.value);
            std::string bits;
            for (int bit = signal.width - 1; bit >= 0; --bit) bits += ((value >> bit) & 1) ? '1' : '0';
            const size_t first_one = bits.find('1');
            out << "b" << (first_one == std::string::npos ? "0" : bits.substr(first_one)) << " "
                << identifier(change.signal) << "\n";
        }
    }
}

nlohmann::json Tracer::write(const std::string& directory, const std::string& chip_name) const {
    nlohmann::json summary = {{"tracks", tracks_.size()}, {"slices", slices_.size()}, {"flows", flows_.size()}, {"counter_samples", counters_.size()},
                              {"vcd_signals", signals_.size()}, {"vcd_changes", changes_.size()},
                              {"window_ns", {config_.window_start_ns,
                                             std::isfinite(config_.window_end_ns) ? nlohmann::json(config_.window_end_ns)
                                                                                  : nlohmann::json(nullptr)}}};
    if (config_.perfetto) {
        write_perfetto(directory + "/trace.json", chip_name);
        summary["perfetto"] = directory + "/trace.json";
    }
    if (config_.vcd_all || !config_.vcd.empty()) {
        write_vcd(directory + "/waves.vcd");
        summary["vcd"] = directory + "/waves.vcd";
    }
    nlohmann::json busy = nlohmann::json::object();
    for (const auto& [instance, ns] : busy_ns_by_instance()) busy[instance] = ns;
    summary["busy_ns"] = busy;
    return summary;
}

}  // namespace cimvp
