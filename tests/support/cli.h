// Runs the built `cimvp` binary as a user would, for command-line tests.
#pragma once

#include <cstdlib>
#include <string>

#include "tests/support/temp_files.h"

namespace cimvp::testing {

struct CliOutcome {
    int exit_code = -1;
    std::string out;
    std::string err;
    std::string output() const { return out + err; }
};

inline CliOutcome run_cimvp(const std::string& arguments) {
    const std::string out = temp_path("stdout"), err = temp_path("stderr");
    const std::string command = std::string(CIMVP_BINARY_DIR) + "/cimvp " + arguments + " >" + out + " 2>" + err;
    const int status = std::system(command.c_str());
    return {WEXITSTATUS(status), read_text(out), read_text(err)};
}

}  // namespace cimvp::testing
