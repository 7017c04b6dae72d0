// `cimvp run --set KEY=VALUE`: how a key walks the scenario's YAML (maps, modules by name, list
// entries by position, new keys), how a change reaches a netlist in its own file, and the errors.
#include "platform/scenario_override.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "platform/error.h"
#include "platform/scenario.h"
#include "tests/support/temp_files.h"

using namespace cimvp;

namespace {

std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "no error";
}

const char* kNetlist = R"(platform: p
modules:
  - {name: host, type: host}
  - {name: noc, type: router}
  - {name: dram, type: dram_controller, params: {standard: DDR4-2400, size: 1MiB}}
  - {name: buf, type: sram_buffer}
connections:
  - {from: host.mem, to: noc.in}
  - {from: noc.out, to: dram.tgt, at: 0x0}
  - {from: noc.out, to: buf.tgt, at: 0x1000_0000}
)";

}  // namespace

TEST(ScenarioOverride, SetsExistingFieldsAddsMissingOnesAndPicksModulesByName) {
    YAML::Node root = YAML::Load(std::string("quantum: 1us\nworkload: {type: t}\nplatform:\n") +
                                 "  modules:\n    - {name: a, type: x}\n    - {name: b, type: y, params: {n: 1}}\n");
    apply_override(root, parse_override("quantum=10us"));
    apply_override(root, parse_override("workload.params.sparsity=0.75"));
    apply_override(root, parse_override("platform.modules.b.params.n=[2, 3]"));
    apply_override(root, parse_override("platform.modules.0.params.size=4KiB"));
    EXPECT_EQ(root["quantum"].Scalar(), "10us");
    EXPECT_EQ(root["workload"]["type"].Scalar(), "t");  // its neighbours stay
    EXPECT_EQ(root["workload"]["params"]["sparsity"].as<double>(), 0.75);
    EXPECT_EQ(root["platform"]["modules"][1]["params"]["n"][1].as<int>(), 3);
    EXPECT_EQ(root["platform"]["modules"][1]["type"].Scalar(), "y");
    EXPECT_EQ(root["platform"]["modules"][0]["params"]["size"].Scalar(), "4KiB");
    EXPECT_EQ(root["platform"]["modules"].size(), 2u);
}

TEST(ScenarioOverride, ErrorsNameTheOptionAndWhatIsWrong) {
    YAML::Node root = YAML::Load("quantum: 1us\nplatform: {modules: [{name: a}, {name: b}]}\n");
    EXPECT_EQ(error_of([] { parse_override("quantum"); }), "--set quantum: error: expected KEY=VALUE, e.g. quantum=10us");
    EXPECT_EQ(error_of([] { parse_override("workload..x=1"); }),
              "--set workload..x=1: error: the key 'workload..x' has an empty part");
    EXPECT_EQ(error_of([] { parse_override("quantum=[1"); }),
              "--set quantum=[1: error: the value is not YAML: end of sequence flow not found");
    EXPECT_EQ(error_of([&] { apply_override(root, parse_override("platform.modules.c.params.x=1")); }),
              "--set platform.modules.c.params.x=1: error: no entry named 'c' in the list (a, b)");
    EXPECT_EQ(error_of([&] { apply_override(root, parse_override("platform.modules.2.type=x")); }),
              "--set platform.modules.2.type=x: error: '2' is past the end of a list of 2");
    EXPECT_EQ(error_of([&] { apply_override(root, parse_override("quantum.unit=ns")); }),
              "--set quantum.unit=ns: error: 'quantum' is a value, not a map or a list");
}

TEST(ScenarioOverride, ReachesANetlistInItsOwnFileAndIsCheckedLikeTheFile) {
    const std::string folder = cimvp::testing::temp_directory("override");
    cimvp::testing::write_temp("override/p.yaml", kNetlist);
    const std::string scenario = cimvp::testing::write_temp(
        "override/s.yaml", "scenario: s\nplatform: p.yaml\nquantum: 1us\nworkload: {type: dma_stream}\n");
    const Scenario changed =
        load_scenario(scenario, {parse_override("platform.modules.dram.params.standard=LPDDR4-3200"),
                                 parse_override("platform.modules.buf.params.size=64KiB"),
                                 parse_override("quantum=250ns")});
    EXPECT_EQ(changed.quantum_ns, 250.0);
    EXPECT_EQ(changed.overrides, (std::vector<std::string>{"platform.modules.dram.params.standard=LPDDR4-3200",
                                                           "platform.modules.buf.params.size=64KiB",
                                                           "quantum=250ns"}));
    const YAML::Node& modules = changed.netlist.root["modules"];
    EXPECT_EQ(modules[2]["params"]["standard"].Scalar(), "LPDDR4-3200");
    EXPECT_EQ(modules[2]["params"]["size"].Scalar(), "1MiB");
    EXPECT_EQ(modules[3]["params"]["size"].Scalar(), "64KiB");
    EXPECT_EQ(load_scenario(scenario).netlist.root["modules"][2]["params"]["standard"].Scalar(), "DDR4-2400");
    // A value from the command line is checked like one in the file, which the error names.
    EXPECT_EQ(error_of([&] { load_scenario(scenario, {parse_override("quantum=-1us")}); }),
              scenario + ": error: 'quantum': must be positive");
    EXPECT_EQ(error_of([&] { load_scenario(scenario, {parse_override("platform.modules.nope.type=x")}); }),
              "--set platform.modules.nope.type=x: error: no entry named 'nope' in the list (host, noc, dram, buf)");
}
