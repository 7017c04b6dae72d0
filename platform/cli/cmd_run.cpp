// `cimvp run SCENARIO.yaml [--out DIR] [--set KEY=VALUE]...`: simulate a scenario and write report.json.
#include <filesystem>

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "platform/cli/command.h"
#include "platform/error.h"
#include "platform/report.h"
#include "platform/scenario.h"
#include "platform/simulation.h"

namespace cimvp::cli {
namespace {

const char* kUsage =
    "usage: cimvp run SCENARIO.yaml [--out DIR] [--set KEY=VALUE]... [--trace] [--html] [--quiet]\n"
    "\n"
    "Builds the scenario's platform, runs its workload to the end, checks the results, and writes\n"
    "DIR/report.json (default DIR: out/<scenario name>). Prints a per-component table of busy time,\n"
    "energy, bytes and area, then the totals.\n"
    "\n"
    "  --out DIR   where report.json (and trace files) go\n"
    "  --set KEY=VALUE\n"
    "              change one field of the scenario before it is read (repeatable; the report\n"
    "              lists them under `overrides`). KEY is a dotted path; `platform.` reaches into the\n"
    "              netlist, and a module is picked by its name. VALUE is YAML. For example:\n"
    "                --set quantum=10us --set workload.params.sparsity=0.75\n"
    "                --set platform.modules.dram.params.standard=LPDDR4-3200\n"
    "  --trace     record a Perfetto timeline (DIR/trace.json), waveforms of every instance\n"
    "              (DIR/waves.vcd) and power every 1us, overriding the scenario's `trace:`\n"
    "  --html      also write DIR/report.html and PNG charts (scripts/plot_report.py, needs\n"
    "              /usr/bin/python3 with python3-matplotlib)\n"
    "  --quiet     print nothing but errors (no table, no progress)\n"
    "\n"
    "Progress goes to stderr while the run lasts more than a few seconds.\n"
    "\n"
    "Exit status: 0 when the run finished and every check passed, 1 on any error or failed check.\n";

// The workload's check first, then its other figures one per line.
void print_workload(const nlohmann::json& results) {
    if (results.contains("check")) {
        const auto& check = results["check"];
        std::cout << "check: " << (check.value("outputs_match", false) ? "outputs match" : "OUTPUTS DIFFER") << " ("
                  << check.value("compared", 0) << " compared";
        if (check.contains("mismatched")) std::cout << ", " << check["mismatched"] << " mismatched";
        std::cout << ")\n";
    }
    for (const auto& [key, value] : results.items()) {
        if (key == "check" || value.is_structured()) continue;
        std::cout << "  " << key << ": " << (value.is_string() ? value.get<std::string>() : value.dump()) << "\n";
    }
}

// Renders the report with the plotting script; a missing Python or matplotlib is a warning, since
// the simulation itself succeeded.
void write_html(const std::string& report_path, const std::string& out_dir, bool quiet) {
    const std::string script = std::string(CIMVP_SOURCE_DIR) + "/scripts/plot_report.py";
    const std::string command = "/usr/bin/python3 '" + script + "' '" + report_path + "' --out '" + out_dir + "'" +
                                (quiet ? " > /dev/null" : " | tail -n 1 | sed 's/^/html: /'");
    if (std::system(command.c_str()) != 0) {
        std::cerr << "cimvp run: warning: could not render " << out_dir
                  << "/report.html (is python3-matplotlib installed?)\n";
    }
}

int run(const std::vector<std::string>& args) {
    std::string scenario_path, out_dir;
    bool quiet = false;
    bool trace = false;
    bool html = false;
    std::vector<std::string> sets;
    for (size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--out" && i + 1 < args.size()) {
            out_dir = args[++i];
        } else if (args[i] == "--set" && i + 1 < args.size()) {
            sets.push_back(args[++i]);
        } else if (args[i] == "--trace") {
            trace = true;
        } else if (args[i] == "--html") {
            html = true;
        } else if (args[i] == "--quiet") {
            quiet = true;
        } else if (!args[i].empty() && args[i][0] == '-') {
            std::cerr << "cimvp run: error: unknown option '" << args[i] << "' (see cimvp run --help)\n";
            return 2;
        } else if (scenario_path.empty()) {
            scenario_path = args[i];
        } else {
            std::cerr << "cimvp run: error: more than one scenario given\n";
            return 2;
        }
    }
    if (scenario_path.empty()) {
        std::cerr << kUsage;
        return 2;
    }
    try {
        std::vector<ScenarioOverride> overrides;
        for (const std::string& set : sets) overrides.push_back(parse_override(set));
        const Scenario scenario = load_scenario(scenario_path, overrides);
        if (out_dir.empty()) out_dir = "out/" + scenario.name;
        Simulation simulation(scenario);
        if (!quiet) std::cerr << "cimvp: running " << scenario.name << " (" << scenario_path << ")\n";
        std::filesystem::create_directories(out_dir);
        RunOptions options;
        options.out_dir = out_dir;
        options.progress = !quiet;
        if (trace) options.trace = TraceConfig::defaults();
        simulation.run(options);
        const nlohmann::json& report = simulation.report();
        const std::string report_path = out_dir + "/report.json";
        std::ofstream(report_path) << report.dump(2) << "\n";
        if (!quiet) {
            std::cout << "scenario " << scenario.name << ": " << scenario.description << "\n\n"
                      << summary_table(report) << "\n";
            if (report.contains("workload")) print_workload(report["workload"]);
            if (report.contains("timeline_summary")) {
                const auto& timeline = report["timeline_summary"];
                if (timeline.contains("perfetto")) {
                    std::cout << "timeline: " << timeline["perfetto"].get<std::string>()
                              << " (open in https://ui.perfetto.dev)\n";
                }
                if (timeline.contains("vcd")) {
                    std::cout << "waveforms: " << timeline["vcd"].get<std::string>() << " (open in GTKWave)\n";
                }
            }
            std::cout << "report: " << report_path << "\n";
        }
        if (html) write_html(report_path, out_dir, quiet);
        if (!simulation.checks_passed()) {
            std::cerr << "cimvp run: error: the workload's output check failed (see " << report_path << ")\n";
            return 1;
        }
        return 0;
    } catch (const ConfigError& error) {
        std::cerr << error.what() << "\n";
    } catch (const SimulationError& error) {
        std::cerr << "cimvp run: simulation error: " << error.what() << "\n";
    }
    return 1;
}

}  // namespace

CIMVP_REGISTER_COMMAND("run", "simulate a scenario and write report.json", kUsage, run);

}  // namespace cimvp::cli
