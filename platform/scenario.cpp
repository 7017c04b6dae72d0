#include "platform/scenario.h"

#include <filesystem>

#include "platform/params.h"
#include "platform/scenario_override.h"
#include "platform/units.h"

namespace cimvp {

bool is_scenario_file(const YAML::Node& root) { return root.IsMap() && root["scenario"].IsDefined(); }

namespace {

double time_field(const YAML::Node& root, const std::string& key, const char* default_text, const std::string& file) {
    const YAML::Node value = root[key];
    const std::string text = value ? value.Scalar() : default_text;
    std::string why;
    const auto parsed = parse_quantity(text, Dimension::Time, &why);
    if (!parsed || *parsed <= 0) {
        throw ConfigError(location_of(value, file), "'" + key + "': " + (parsed ? "must be positive" : why));
    }
    return *parsed;
}

}  // namespace

Scenario load_scenario(const std::string& path, const std::vector<ScenarioOverride>& overrides) {
    YAML::Node root = load_yaml_file(path);
    if (!is_scenario_file(root)) {
        throw ConfigError(SourceLocation{path, 1, 1}, "not a scenario: the file has no 'scenario:' field");
    }
    // A change below `platform.` goes into the netlist's own file when the platform is one, once
    // that is loaded; every other change goes into the scenario now.
    const bool platform_file = static_cast<const YAML::Node&>(root)["platform"].IsScalar();
    std::vector<const ScenarioOverride*> netlist_overrides;
    for (const ScenarioOverride& change : overrides) {
        if (platform_file && change.path.size() > 1 && change.path[0] == "platform") {
            netlist_overrides.push_back(&change);
        } else {
            apply_override(root, change);
        }
    }
    reject_unknown_keys(root, {"scenario", "description", "platform", "quantum", "time_limit", "host", "workload", "trace"},
                        path, "the scenario");
    Scenario scenario;
    scenario.file = path;
    for (const ScenarioOverride& change : overrides) scenario.overrides.push_back(change.text);
    scenario.name = required_scalar(root, "scenario", path, "the scenario");
    scenario.description = root["description"] ? root["description"].Scalar() : "";
    scenario.quantum_ns = time_field(root, "quantum", "1us", path);
    scenario.time_limit_ns = time_field(root, "time_limit", "10s", path);
    if (root["host"]) scenario.host = root["host"].Scalar();

    const YAML::Node platform = root["platform"];
    if (!platform) throw ConfigError(location_of(root, path), "the scenario needs a 'platform' (a netlist path or map)");
    if (platform.IsScalar()) {
        const std::filesystem::path netlist_path =
            std::filesystem::path(path).parent_path() / std::filesystem::path(platform.Scalar());
        const std::string netlist_file = netlist_path.lexically_normal().string();
        YAML::Node netlist_root;
        try {
            netlist_root = load_yaml_file(netlist_file);
        } catch (const ConfigError& error) {
            if (error.where().line != 0 || error.where().file != netlist_file) throw;
            // The netlist file itself is missing: point at the line that names it.
            throw ConfigError(location_of(platform, path), "cannot open platform netlist '" + netlist_file + "'");
        }
        for (const ScenarioOverride* change : netlist_overrides) apply_override(netlist_root, *change, 1);
        scenario.netlist = parse_netlist(netlist_root, netlist_file);
    } else {
        scenario.netlist = parse_netlist(platform, path);
    }

    const YAML::Node trace = root["trace"];
    scenario.trace = trace ? parse_trace_config(trace, path)
                           : parse_trace_config(child_or_undefined(scenario.netlist.root, "trace"), scenario.netlist.file);

    const YAML::Node workload = root["workload"];
    if (!workload || !workload.IsMap()) {
        throw ConfigError(location_of(workload ? workload : root, path), "the scenario needs a 'workload:' map");
    }
    reject_unknown_keys(workload, {"type", "params"}, path, "the workload");
    scenario.workload_type = required_scalar(workload, "type", path, "the workload");
    scenario.workload_params = child_or_undefined(workload, "params");
    scenario.workload_where = location_of(workload, path);
    return scenario;
}

}  // namespace cimvp
