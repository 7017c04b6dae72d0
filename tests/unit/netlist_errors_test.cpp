// Every netlist mistake the issue lists gives one FILE:LINE:COL error naming the field, before
// anything is simulated.
#include <gtest/gtest.h>

#include "platform/netlist.h"
#include "tests/support/platform_fixture.h"
#include "tests/support/temp_files.h"

using cimvp::testing::build_platform;
using cimvp::testing::config_error_of;

namespace {

// A valid two-module netlist; tests replace one line to make exactly one mistake.
std::string netlist(const std::string& modules_extra = "", const std::string& connections_extra = "",
                    const std::string& buffer_params = "{size: 64KiB}") {
    return "platform: t\n"                                                            // line 1
           "clock: 1GHz\n"                                                            // line 2
           "modules:\n"                                                               // line 3
           "  - {name: host, type: host}\n"                                           // line 4
           "  - {name: noc, type: router}\n"                                          // line 5
           "  - {name: buf, type: sram_buffer, params: " + buffer_params + "}\n" +   // line 6
           modules_extra +                                                            // line 7...
           "connections:\n"
           "  - {from: host.mem, to: noc.in}\n"
           "  - {from: noc.out, to: buf.tgt, at: 0x1000}\n" +
           connections_extra;
}

std::string error_of(const std::string& text) {
    return config_error_of([&] { build_platform(text); });
}

}  // namespace

TEST(NetlistErrors, ValidNetlistBuilds) { EXPECT_EQ(error_of(netlist()), ""); }

TEST(NetlistErrors, YamlSyntaxErrorNamesLineAndColumn) {
    const std::string path = cimvp::testing::temp_path("broken.yaml");
    FILE* file = std::fopen(path.c_str(), "w");
    std::fputs("platform: t\nmodules:\n  - {name: host, type: host\n", file);
    std::fclose(file);
    const std::string message = config_error_of([&] { cimvp::load_yaml_file(path); });
    EXPECT_EQ(message.rfind(path + ":4:1: error: YAML syntax", 0), 0u) << message;
}

TEST(NetlistErrors, UnknownModelType) {
    const std::string message = error_of(netlist("  - {name: x, type: warp_drive}\n"));
    EXPECT_EQ(message.rfind("test.yaml:7:21: error: unknown model type 'warp_drive' (known: ", 0), 0u) << message;
}

TEST(NetlistErrors, UnknownParameterListsTheKnownOnes) {
    const std::string message = error_of(netlist("", "", "{size: 64KiB, colour: red}"));
    EXPECT_EQ(message.rfind("test.yaml:6:58: error: unknown parameter 'colour' (known: size, banks, width", 0), 0u)
        << message;
}

TEST(NetlistErrors, MissingRequiredParameterPointsAtItsOwner) {
    // No model in the catalogue has a required parameter yet; the reader every model uses does.
    const std::string message = config_error_of([] {
        cimvp::ParamReader reader(YAML::Load("{banks: 4}"), "test.yaml", {"test.yaml", 3, 5});
        reader.integer("banks", 8, 1, 64, "banks");
        reader.bytes("size", nullptr, "capacity");
    });
    EXPECT_EQ(message, "test.yaml:3:5: error: missing required parameter 'size' (capacity)");
}

TEST(NetlistErrors, ValueWithMissingUnit) {
    EXPECT_EQ(error_of(netlist("", "", "{size: 65536}")),
              "test.yaml:6:51: error: parameter 'size': missing unit: a size needs one, e.g. 1B");
}

TEST(NetlistErrors, ValueWithWrongUnit) {
    const std::string message = error_of(netlist("", "", "{size: 64ns}"));
    EXPECT_EQ(message.rfind("test.yaml:6:51: error: parameter 'size': unit 'ns' is not a size unit", 0), 0u)
        << message;
}

TEST(NetlistErrors, ZeroSize) {
    EXPECT_EQ(error_of(netlist("", "", "{size: 0KiB}")),
              "test.yaml:6:51: error: parameter 'size': must be greater than zero, got '0KiB'");
}

// Each test builds one platform: SystemC elaborates once per process.
TEST(NetlistErrors, NegativeSize) {
    EXPECT_EQ(error_of(netlist("", "", "{size: -4KiB}")),
              "test.yaml:6:51: error: parameter 'size': must not be negative, got '-4KiB'");
}

TEST(NetlistErrors, ConnectionToUnknownInstance) {
    EXPECT_EQ(error_of(netlist("", "  - {from: ghost.mem, to: noc.in}\n")),
              "test.yaml:10:12: error: unknown instance 'ghost'");
}

TEST(NetlistErrors, ConnectionToUnknownSocketListsTheRealOnes) {
    EXPECT_EQ(error_of(netlist("", "  - {from: noc.out, to: buf.port9, at: 0x90000}\n")),
              "test.yaml:10:25: error: 'buf' has no target socket 'port9' (target sockets: tgt)");
}

TEST(NetlistErrors, SocketBoundTwice) {
    EXPECT_EQ(error_of(netlist("", "  - {from: host.mem, to: noc.in}\n")),
              "test.yaml:10:12: error: socket 'host.mem' is bound twice");
}

TEST(NetlistErrors, RequiredSocketLeftUnbound) {
    EXPECT_EQ(error_of(netlist("  - {name: buf2, type: sram_buffer}\n")),
              "test.yaml:7:5: error: socket 'buf2.tgt' is not connected");
}

TEST(NetlistErrors, OverlappingAddressWindows) {
    const std::string message =
        error_of(netlist("  - {name: buf2, type: sram_buffer, params: {size: 4KiB}}\n",
                         "  - {from: noc.out, to: buf2.tgt, at: 0x8000}\n"));
    EXPECT_EQ(message, "test.yaml:11:5: error: window [0x8000, 0x9000) overlaps [0x1000, 0x11000) of 'buf' (line 10)");
}

TEST(NetlistErrors, DuplicateInstanceName) {
    EXPECT_EQ(error_of(netlist("  - {name: buf, type: sram_buffer}\n")),
              "test.yaml:7:12: error: duplicate instance name 'buf'");
}

TEST(NetlistErrors, RouterOutputWithoutWindow) {
    EXPECT_EQ(error_of(netlist("  - {name: buf2, type: sram_buffer}\n", "  - {from: noc.out, to: buf2.tgt}\n")),
              "test.yaml:11:5: error: 'noc.out' needs an address window: add 'at:' (and 'size:')");
}

TEST(NetlistErrors, UnknownTopLevelField) {
    EXPECT_EQ(error_of("platform: t\nmodule:\n  - {name: host, type: host}\n"),
              "test.yaml:2:1: error: unknown field 'module' in the netlist (known: platform, description, clock, "
              "modules, connections, trace, cores)");
}

TEST(NetlistErrors, ParameterGivenTwice) {
    EXPECT_EQ(error_of(netlist("", "", "{size: 64KiB, size: 1MiB}")),
              "test.yaml:6:58: error: parameter 'size' is given twice");
}
