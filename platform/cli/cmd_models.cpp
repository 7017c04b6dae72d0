// `cimvp models`: every registered model and workload type with its parameters, generated from
// the same declarations the netlist reader uses.
#include <iostream>

#include "platform/cli/command.h"
#include "platform/registry.h"
#include "platform/workload.h"

namespace cimvp::cli {
namespace {

const char* kUsage =
    "usage: cimvp models [TYPE]\n"
    "\n"
    "Lists every model type a netlist can instantiate and every workload type a scenario can run,\n"
    "with each parameter's kind, unit, default and meaning. With TYPE, lists only that type.\n";

void print_params(const std::vector<ParamSpec>& specs) {
    for (const ParamSpec& spec : specs) {
        std::string kind = spec.kind;
        if (!spec.unit.empty()) kind += " [" + spec.unit + "]";
        if (!spec.choices.empty()) {
            kind += " {";
            for (size_t i = 0; i < spec.choices.size(); ++i) kind += (i ? "|" : "") + spec.choices[i];
            kind += "}";
        }
        const std::string value = spec.required ? "(required)" : "default " + spec.default_text;
        std::cout << "    " << spec.name << std::string(spec.name.size() < 20 ? 20 - spec.name.size() : 1, ' ')
                  << kind << ", " << value << "\n"
                  << "    " << std::string(20, ' ') << spec.meaning << "\n";
    }
}

int models(const std::vector<std::string>& args) {
    const std::string only = args.empty() ? "" : args[0];
    bool found = false;
    std::cout << "model types (netlist `type:`):\n";
    for (const auto& [type, model] : ModelRegistry::instance().all()) {
        if (!only.empty() && only != type) continue;
        found = true;
        std::cout << "\n  " << type << ": " << model.summary << "\n";
        print_params(model.describe());
    }
    std::cout << "\nworkload types (scenario `workload: {type:}`):\n";
    for (const auto& [type, workload] : WorkloadRegistry::instance().all()) {
        if (!only.empty() && only != type) continue;
        found = true;
        std::cout << "\n  " << type << ": " << workload.summary << "\n";
        print_params(workload.describe());
    }
    if (!found) {
        std::cerr << "cimvp models: error: no model or workload type '" << only << "'\n";
        return 1;
    }
    return 0;
}

}  // namespace

CIMVP_REGISTER_COMMAND("models", "list model and workload types with their parameters", kUsage, models);

}  // namespace cimvp::cli
