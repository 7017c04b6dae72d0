// One `--set KEY=VALUE` of `cimvp run`: a change to the scenario's YAML made before it is parsed, so
// that a sweep needs no edited copies of the files and every check still applies to the result.
//
// KEY is a dotted path from the scenario's top level: `quantum`, `workload.params.sparsity`. Through
// `platform.` it reaches into the netlist, whether inline or in its own file. In a list of maps with
// `name:` fields (the netlist's modules) a segment picks the entry of that name, and a number picks
// an entry by position: `platform.modules.dram.params.standard`. Missing map keys are added, so a
// module without `params:` can be given one. VALUE is read as YAML: `3`, `10us`, `[1, 2]`.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace cimvp {

struct ScenarioOverride {
    std::vector<std::string> path;  // KEY split at its dots
    YAML::Node value;
    std::string text;  // KEY=VALUE as given, for errors and the report
};

// Parses KEY=VALUE; throws ConfigError naming the option on a missing '=', an empty key or segment,
// or a value that is not YAML.
ScenarioOverride parse_override(const std::string& text);

// Sets root[path...] = value, starting at `first` segments into the path. Throws ConfigError naming
// the option when the path runs into a scalar, or names a list entry that does not exist.
void apply_override(YAML::Node root, const ScenarioOverride& change, size_t first = 0);

}  // namespace cimvp
