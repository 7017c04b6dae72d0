// Reading a run's report.json in tests: a layer by name, a counter summed over components, and a
// scenario run through the command line (SystemC elaborates once per process, so a test that
// compares two runs runs them as the user would).
#pragma once

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/support/cli.h"
#include "tests/support/temp_files.h"

namespace cimvp::testing {

inline const nlohmann::json& layer_named(const nlohmann::json& layers, const std::string& name) {
    for (const nlohmann::json& layer : layers) {
        if (layer["name"] == name) return layer;
    }
    throw std::runtime_error("no layer " + name);
}

// `counter` summed over the components of model `type` whose names start with `prefix`.
inline uint64_t sum_counter(const nlohmann::json& report, const std::string& type, const std::string& counter,
                            const std::string& prefix = "") {
    uint64_t total = 0;
    for (const auto& [name, component] : report["components"].items()) {
        if (component["type"] == type && name.rfind(prefix, 0) == 0) {
            total += component["counters"][counter].get<uint64_t>();
        }
    }
    return total;
}

// Every output of the run (`compared` of them) matched the reference interpreter.
inline void expect_outputs_match(const nlohmann::json& report, int compared) {
    EXPECT_TRUE(report["workload"]["check"]["outputs_match"].get<bool>());
    EXPECT_EQ(report["workload"]["check"]["compared"].get<int>(), compared);
}

// A layer that ran on `replicas` copies of its weights, against the same layer run without copies:
// the same bands, done sooner.
inline void expect_layer_copied(const nlohmann::json& copied, const nlohmann::json& alone, int64_t replicas) {
    EXPECT_EQ(alone["replicas"].get<int64_t>(), 1);
    EXPECT_EQ(copied["replicas"].get<int64_t>(), replicas);
    EXPECT_EQ(copied["bands"].get<int64_t>(), alone["bands"].get<int64_t>());
    EXPECT_LT(copied["latency_ns"].get<double>(), alone["latency_ns"].get<double>());
}

// `cimvp run SCENARIO OPTIONS --out <temp>/NAME --quiet`, and its report.
inline nlohmann::json run_report(const std::string& scenario, const std::string& options, const std::string& name) {
    const std::string out = temp_directory(name);
    const CliOutcome outcome = run_cimvp("run " + scenario + " " + options + " --out " + out + " --quiet");
    EXPECT_EQ(outcome.exit_code, 0) << outcome.output();
    return nlohmann::json::parse(read_text(out + "/report.json"));
}

}  // namespace cimvp::testing
