#include "platform/report.h"

#include <cstdio>
#include <sstream>

#include "platform/platform.h"
#include "platform/scenario.h"
#include "platform/units.h"

namespace cimvp {


nlohmann::json make_report(const Scenario& scenario, const Platform& platform, double sim_time_ns,
                           double wall_time_s) {
    nlohmann::json report;
    report["schema"] = 1;
    report["scenario"] = scenario.name;
    if (!scenario.overrides.empty()) report["overrides"] = scenario.overrides;
    report["platform"] = platform.netlist().platform;
    report["sim_time_ns"] = sim_time_ns;
    report["wall_time_s"] = wall_time_s;
    nlohmann::json components = nlohmann::json::object();
    double total_energy_pj = 0.0;
    for (const auto& component : platform.components()) {
        nlohmann::json entry;
        entry["type"] = component->type_name();
        nlohmann::json energy = nlohmann::json::object();
        for (const auto& [kind, event] : component->energy().events()) energy[kind] = event.total_pj();
        entry["energy_pj"] = energy;
        entry["energy_pj_total"] = component->energy().total_pj();
        entry["area_um2"] = component->area_um2();
        const double busy_ns = component->busy().busy().to_seconds() * 1e9;
        entry["busy_ns"] = busy_ns;
        entry["utilization"] = sim_time_ns > 0 ? busy_ns / sim_time_ns : 0.0;
        nlohmann::json counters = nlohmann::json::object();
        for (const auto& [name, value] : component->counters().all()) counters[name] = value;
        entry["counters"] = counters;
        entry["bytes_moved"] = component->bytes_moved();
        component->add_to_report(entry);
        total_energy_pj += component->energy().total_pj();
        components[component->name()] = entry;
    }
    report["components"] = components;
    report["totals"] = {{"energy_pj", total_energy_pj},
                        {"area_mm2", platform.area_um2() / 1e6},
                        {"latency_ns", sim_time_ns}};
    return report;
}

std::string summary_table(const nlohmann::json& report) {
    std::ostringstream out;
    char line[256];
    std::snprintf(line, sizeof line, "%-14s %-16s %12s %6s %14s %12s %12s\n", "component", "type", "busy", "util",
                  "energy", "bytes", "area");
    out << line << std::string(92, '-') << "\n";
    for (const auto& [name, entry] : report["components"].items()) {
        std::snprintf(line, sizeof line, "%-14s %-16s %12s %5.1f%% %14s %12s %12s\n", name.c_str(),
                      entry["type"].get<std::string>().c_str(),
                      format_quantity(entry["busy_ns"].get<double>(), Dimension::Time).c_str(),
                      100.0 * entry["utilization"].get<double>(),
                      format_quantity(entry["energy_pj_total"].get<double>(), Dimension::Energy).c_str(),
                      format_quantity(static_cast<double>(entry["bytes_moved"].get<uint64_t>()), Dimension::Bytes).c_str(),
                      format_quantity(entry["area_um2"].get<double>(), Dimension::Area).c_str());
        out << line;
    }
    out << std::string(92, '-') << "\n";
    const auto& totals = report["totals"];
    std::snprintf(line, sizeof line, "total: latency %s, energy %s, area %s, simulated in %.2f s wall\n",
                  format_quantity(totals["latency_ns"].get<double>(), Dimension::Time).c_str(),
                  format_quantity(totals["energy_pj"].get<double>(), Dimension::Energy).c_str(),
                  format_quantity(totals["area_mm2"].get<double>() * 1e6, Dimension::Area).c_str(),
                  report["wall_time_s"].get<double>());
    out << line;
    return out.str();
}

}  // namespace cimvp
