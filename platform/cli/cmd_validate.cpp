// `cimvp validate FILE.yaml`: check a netlist or scenario completely without simulating.
#include <cstdio>
#include <iostream>

#include "platform/cli/command.h"
#include "platform/error.h"
#include "platform/platform.h"
#include "platform/router.h"
#include "platform/simulation.h"

namespace cimvp::cli {
namespace {

const char* kUsage =
    "usage: cimvp validate NETLIST_OR_SCENARIO.yaml\n"
    "\n"
    "Parses the file, instantiates every module with its parameters, binds every socket, checks\n"
    "the address map and (for a scenario) the workload's parameters. Simulates nothing.\n"
    "Prints the address map on success; prints FILE:LINE:COL: error: ... and exits 1 otherwise.\n";

void print_address_map(const Platform& platform) {
    for (const auto& component : platform.components()) {
        const auto* router = dynamic_cast<const Router*>(component.get());
        if (router == nullptr) continue;
        std::cout << "address map of " << router->name() << ":\n";
        for (const auto& window : router->windows()) {
            std::printf("  0x%012llx - 0x%012llx  %s\n", static_cast<unsigned long long>(window.base),
                        static_cast<unsigned long long>(window.base + window.size - 1), window.target.c_str());
        }
    }
}

int validate(const std::vector<std::string>& args) {
    if (args.size() != 1) {
        std::cerr << kUsage;
        return 2;
    }
    const std::string& path = args[0];
    try {
        const YAML::Node root = load_yaml_file(path);
        if (is_scenario_file(root)) {
            Simulation simulation(load_scenario(path));
            print_address_map(simulation.platform());
            std::cout << path << ": ok (scenario, " << simulation.platform().components().size() << " modules)\n";
        } else {
            Platform platform(parse_netlist(root, path));
            print_address_map(platform);
            std::cout << path << ": ok (netlist, " << platform.components().size() << " modules)\n";
        }
        return 0;
    } catch (const ConfigError& error) {
        std::cerr << error.what() << "\n";
        return 1;
    }
}

}  // namespace

CIMVP_REGISTER_COMMAND("validate", "check a netlist or scenario without simulating", kUsage, validate);

}  // namespace cimvp::cli
