// Opt-in recording of what happened when: Perfetto/Chrome trace-event slices, counters and flows,
// and VCD waveforms, limited to chosen instances and a time window so long runs stay small.
//
// Loosely-timed models know the start and end of their work only as annotated future times, which
// sc_trace cannot see (it samples values at delta cycles). The tracer therefore records each change
// with its own timestamp and sorts everything when it writes the files.
#pragma once

#include <systemc>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/error.h"
#include "platform/program_annotations.h"

namespace cimvp {

struct TraceConfig {
    bool perfetto = false;
    bool vcd_all = false;             // `vcd: all`
    std::set<std::string, std::less<>> vcd;  // instances whose signals go into the VCD
    double window_start_ns = 0.0;
    double window_end_ns = std::numeric_limits<double>::infinity();
    double power_interval_ns = 0.0;   // 0: no power sampling

    bool enabled() const { return perfetto || vcd_all || !vcd.empty(); }
    bool vcd_wants(std::string_view instance) const { return vcd_all || vcd.find(instance) != vcd.end(); }

    // The set `--trace` switches on: a timeline, every instance in the VCD, power every microsecond.
    static TraceConfig defaults();
};

// Reads `trace: {vcd: [a, b] | all, perfetto: true, window: [0us, 200us], power_interval: 1us}`.
TraceConfig parse_trace_config(const YAML::Node& node, const std::string& file);

class Tracer {
public:
    explicit Tracer(TraceConfig config)
        : config_(std::move(config)), window_start_ps_(std::llround(config_.window_start_ns * 1e3)) {}

    const TraceConfig& config() const { return config_; }

    // A timeline track (one row in Perfetto) of `instance`; the same pair gives the same id.
    int track(const std::string& instance, const std::string& name);

    // A slice of work on `track`. Back-to-back slices of the same name without arguments merge, so a
    // burst-by-burst stream becomes one slice. Returns a handle for flow(), or -1 when the slice
    // lies outside the window.
    int slice(int track, const std::string& name, const sc_core::sc_time& start, const sc_core::sc_time& end,
              nlohmann::json args = nullptr);
    // Whether slice() keeps work from `start` to `end`: it lasts, and overlaps the window. A caller
    // that builds arguments for a slice can skip that otherwise, as most of a long run's slices lie
    // outside a short window.
    bool keeps_slice(const sc_core::sc_time& start, const sc_core::sc_time& end) const;

    // An arrow from the slice that produced something to the slice it unblocked (handles from
    // slice(); a -1 end drops the arrow).
    void flow(int from_slice, int to_slice);

    // A counter track sample (power, bandwidth, occupancy).
    void counter(std::string_view instance, std::string_view name, const sc_core::sc_time& when, double value);
    // The same for a counter sampled often: its id from counter_id(), found once.
    int counter_id(std::string_view instance, std::string_view name);
    void counter(int id, const sc_core::sc_time& when, double value);

    // The width of an unsigned VCD signal that can show every value up to `largest`.
    static int width_for(uint64_t largest) {
        int bits = 1;
        while (bits < 64 && largest >> bits != 0) ++bits;
        return bits;
    }

    // A VCD signal change of `instance`; `width` 0 declares a real-valued signal.
    void signal(std::string_view instance, std::string_view name, int width, const sc_core::sc_time& when,
                double value);

    // A signal that changes often, looked up on its first change only (as signal() would create it)
    // and then known by its id, or as not traced. A model keeps one per signal; a handle used with
    // another tracer is looked up again.
    class SignalHandle {
    public:
        SignalHandle(std::string instance, std::string name, int width)
            : instance_(std::move(instance)), name_(std::move(name)), width_(width) {}

    private:
        friend class Tracer;
        static constexpr int kUnresolved = -2, kNotTraced = -1;
        std::string instance_, name_;
        int width_;
        const Tracer* tracer_ = nullptr;  // the tracer id_ belongs to
        int id_ = kUnresolved;
    };
    void signal(SignalHandle& handle, const sc_core::sc_time& when, double value);

    // Debug information of the running program, keyed by instruction address.
    void annotate_program(ProgramAnnotations annotations) { program_ = std::move(annotations); }
    const ProgramAnnotations& program() const { return program_; }

    // The hand-off that links a firmware instruction to the engine command it issued: the scheduler
    // records the command under its descriptor's address, the engine takes it when it runs it.
    struct Issue {
        int slice = -1;        // the issuing instruction's slice
        uint64_t command = 0;  // the scheduler's running count of issued commands, from 1
        const ProgramAnnotations::Label* label = nullptr;
    };
    void issued(uint64_t descriptor_address, const Issue& issue) { issues_[descriptor_address] = issue; }
    std::optional<Issue> take_issue(uint64_t descriptor_address);
    // The last finished command of each engine, until a sync or barrier that waited for it takes it.
    void completed(const std::string& instance, int slice) { completed_[instance] = slice; }
    int take_completed(const std::string& instance);

    // Writes `trace.json` (Chrome trace-event JSON, opens in ui.perfetto.dev) and/or `waves.vcd`
    // into `directory`; returns the summary that goes into report.json.
    nlohmann::json write(const std::string& directory, const std::string& chip_name) const;

    // Total duration of the slices on each instance's busy track, in ns (for checks and reports).
    std::map<std::string, double> busy_ns_by_instance() const;

private:
    struct Track {
        std::string instance;
        std::string name;
    };
    struct Slice {
        int track;
        std::string name;
        int64_t start_ps;
        int64_t end_ps;
        nlohmann::json args;
    };
    struct Counter {
        int id;  // into counter_names_
        int64_t when_ps;
        double value;
    };
    struct Change {
        int64_t when_ps;
        int signal;
        double value;
    };
    struct Signal {
        std::string instance;
        std::string name;
        int width;
    };

    // Ids of (instance, name) pairs in the order they were first asked for, found without building
    // strings: a traced run asks millions of times.
    class NameIds {
    public:
        // The pair's id, and whether it is new (then it is `next`).
        std::pair<int, bool> find_or_add(std::string_view instance, std::string_view name, size_t next);

    private:
        std::map<std::string, std::map<std::string, int, std::less<>>, std::less<>> ids_;
    };

    bool in_window(int64_t start_ps, int64_t end_ps) const;
    // Whether a signal change is kept: inside the window, or before it, as the value the signal
    // enters the window with (so a late window shows every signal's level from its first instant).
    bool keeps_change(int64_t when_ps) const { return when_ps < window_start_ps_ || in_window(when_ps, when_ps + 1); }
    // The signal's id, created on its first change (so the VCD lists signals in that order).
    int signal_id(std::string_view instance, std::string_view name, int width);
    // Records a change keeps_change() accepts.
    void record_change(int signal, int64_t when_ps, double value);
    void write_perfetto(const std::string& path, const std::string& chip_name) const;
    void write_vcd(const std::string& path) const;

    TraceConfig config_;
    int64_t window_start_ps_;
    std::vector<Track> tracks_;
    NameIds track_ids_;
    std::vector<Slice> slices_;
    std::vector<int> last_slice_of_track_;
    std::vector<std::pair<int, int>> flows_;
    std::vector<Counter> counters_;
    std::vector<std::string> counter_names_;  // "instance name", by id
    NameIds counter_ids_;
    std::vector<Signal> signals_;
    NameIds signal_ids_;
    std::vector<Change> changes_;
    std::map<int, Change> value_at_window_start_;  // by signal: its last change before the window
    ProgramAnnotations program_;
    std::map<uint64_t, Issue> issues_;
    std::map<std::string, int> completed_;
};

}  // namespace cimvp
