// report.json (schema 1, documented in docs/report.md) and the short table printed after a run.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace cimvp {

class Platform;
struct Scenario;

nlohmann::json make_report(const Scenario& scenario, const Platform& platform, double sim_time_ns,
                           double wall_time_s);

// Per component: busy time, utilization, energy and bytes moved, then totals.
std::string summary_table(const nlohmann::json& report);

}  // namespace cimvp
