// Entry point of the `cimvp` tool: dispatches to the registered subcommands.
#include <cstdlib>
#include <exception>
#include <iostream>

#include <systemc>

#include "platform/cli/command.h"

namespace cimvp::cli {

std::map<std::string, Command>& command_table() {
    static std::map<std::string, Command> table;
    return table;
}

CommandRegistrar::CommandRegistrar(Command command) {
    const std::string name = command.name;
    command_table().emplace(name, std::move(command));
}

bool wants_help(const std::vector<std::string>& args) {
    for (const auto& arg : args) {
        if (arg == "-h" || arg == "--help") return true;
    }
    return false;
}

static void print_overview() {
    std::cout << "cimvp: a SystemC/TLM-2.0 virtual platform for compute-in-memory accelerators\n\n"
              << "usage: cimvp COMMAND [ARGS...]\n\ncommands:\n";
    for (const auto& [name, command] : command_table()) {
        std::cout << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ') << command.summary
                  << "\n";
    }
    std::cout << "\n`cimvp COMMAND --help` describes one command.\n";
}

}  // namespace cimvp::cli

// SystemC's own main() calls sc_main after initialising the kernel.
int sc_main(int argc, char** argv) {
    using namespace cimvp::cli;
    // Informational kernel messages ("simulation stopped by user") are not for our users.
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
    if (argc < 2 || std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help") {
        print_overview();
        return argc < 2 ? 2 : 0;
    }
    const auto found = command_table().find(argv[1]);
    if (found == command_table().end()) {
        std::cerr << "cimvp: error: unknown command '" << argv[1] << "' (see cimvp --help)\n";
        return 2;
    }
    std::vector<std::string> args(argv + 2, argv + argc);
    if (wants_help(args)) {
        std::cout << found->second.usage;
        return 0;
    }
    try {
        return found->second.run(args);
    } catch (const std::exception& error) {
        std::cerr << error.what() << "\n";
        return 1;
    }
}
