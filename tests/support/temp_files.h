// Temporary files and folders for tests, unique to the test process: ctest runs test cases in
// parallel, and two cases writing the same file would read each other's output.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
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

// A new, empty folder in the test's temporary folder, unique to this process.
inline std::string temp_directory(const std::string& name) {
    const std::string path = temp_path(name);
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
    return path;
}

}  // namespace cimvp::testing
