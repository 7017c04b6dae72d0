// Runs the built `cimvp` binary as a user would, for command-line tests.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace cimvp::testing {

// A file name in the test's temporary folder, unique to this process.
inline std::string temp_path(const std::string& name) {
    return ::testing::TempDir() + "/cimvp_" + std::to_string(::getpid()) + "_" + name;
}

inline std::string read_text(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

inline std::string write_temp(const std::string& name, const std::string& text) {
    const std::string path = temp_path(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

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
