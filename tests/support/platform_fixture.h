// Builds a platform from netlist text and runs a script on its `host`, for tests that need real
// initiators and targets wired through the netlist builder.
#pragma once

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <memory>
#include <string>

#include "models/soc/host.h"
#include "platform/platform.h"

namespace cimvp::testing {

inline std::unique_ptr<Platform> build_platform(const std::string& netlist_text) {
    return std::make_unique<Platform>(parse_netlist(YAML::Load(netlist_text), "test.yaml"));
}

// Runs `script` on the instance `host` until it returns; fails the test on an access error.
inline void run_on_host(Platform& platform, const std::function<void(Host&)>& script,
                        const sc_core::sc_time& quantum = sc_core::sc_time(1, sc_core::SC_US)) {
    Host& host = platform.get<Host>("host", "test");
    host.set_program([&host, &script] { script(host); });
    tlm::tlm_global_quantum::instance().set(quantum);
    sc_core::sc_start();
    ASSERT_TRUE(host.finished());
    ASSERT_EQ(host.failure(), "");
}

// The message of the ConfigError thrown by `action`, or "" when none is thrown.
inline std::string config_error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "";
}

}  // namespace cimvp::testing
