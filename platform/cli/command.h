// Subcommands of the `cimvp` tool register themselves, so adding one touches no central list.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace cimvp::cli {

struct Command {
    std::string name;
    std::string summary;  // one line, shown by `cimvp --help`
    std::string usage;    // full help text, shown by `cimvp NAME --help`
    std::function<int(const std::vector<std::string>& args)> run;  // returns the exit code
};

std::map<std::string, Command>& command_table();

struct CommandRegistrar {
    explicit CommandRegistrar(Command command);
};

// True when args holds -h or --help.
bool wants_help(const std::vector<std::string>& args);

}  // namespace cimvp::cli

#define CIMVP_CLI_CONCAT_INNER(a, b) a##b
#define CIMVP_CLI_CONCAT(a, b) CIMVP_CLI_CONCAT_INNER(a, b)
#define CIMVP_REGISTER_COMMAND(...) \
    static ::cimvp::cli::CommandRegistrar CIMVP_CLI_CONCAT(cimvp_command_, __LINE__)(::cimvp::cli::Command{__VA_ARGS__})
