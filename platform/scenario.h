// A runnable scenario: a platform netlist, a workload, and run options.
//
//   scenario: dma-stream
//   description: ...
//   platform: platforms/dma-soc.yaml     # a path relative to this file, or an inline netlist map
//   quantum: 1us                         # loosely-timed quantum
//   time_limit: 10s                      # simulated time after which the run is declared hung
//   workload: {type: dma_stream, params: {...}}
//   trace: {vcd: [dma, dram], perfetto: true, window: [0us, 200us], power_interval: 1us}   # optional
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "platform/netlist.h"
#include "platform/scenario_override.h"
#include "platform/tracer.h"

namespace cimvp {

struct Scenario {
    std::string file;
    std::string name;
    std::string description;
    Netlist netlist;
    double quantum_ns = 1000.0;
    double time_limit_ns = 1e10;
    std::string workload_type;
    YAML::Node workload_params;
    SourceLocation workload_where;
    std::string host = "host";  // the instance that runs the workload
    TraceConfig trace;          // the scenario's `trace:`, else the netlist's
    std::vector<std::string> overrides;  // the --set changes made to it, as given
};

// True when the YAML file is a scenario (has `scenario:`) rather than a bare netlist.
bool is_scenario_file(const YAML::Node& root);

// Loads the scenario at `path`, with `overrides` (cimvp run --set) applied to its YAML, or to its
// netlist file's, before either is parsed.
Scenario load_scenario(const std::string& path, const std::vector<ScenarioOverride>& overrides = {});

}  // namespace cimvp
