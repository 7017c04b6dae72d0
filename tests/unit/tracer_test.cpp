// The tracer on its own: which slices it keeps, VCD signals changed by name or through a handle,
// and counters sampled by name or by id. A handle or an id is looked up once; what it records must
// be exactly what the name would.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "platform/tracer.h"
#include "tests/support/temp_files.h"

using namespace cimvp;

namespace {

sc_core::sc_time ns(double value) { return sc_core::sc_time(value, sc_core::SC_NS); }

TraceConfig vcd_of(std::set<std::string, std::less<>> instances, double window_start_ns = 0.0,
                   double window_end_ns = std::numeric_limits<double>::infinity()) {
    TraceConfig config;
    config.vcd = std::move(instances);
    config.window_start_ns = window_start_ns;
    config.window_end_ns = window_end_ns;
    return config;
}

// The VCD's lines after its header, and the tracer's summary.
struct Written {
    std::vector<std::string> declarations;  // "$var ..." lines
    std::vector<std::string> body;          // time stamps and changes
    nlohmann::json summary;
};

Written write(const Tracer& tracer, const std::string& name) {
    const std::string directory = cimvp::testing::temp_directory(name);
    Written written;
    written.summary = tracer.write(directory, "chip");
    std::ifstream vcd(directory + "/waves.vcd");
    bool header = true;
    for (std::string line; std::getline(vcd, line);) {
        if (line.rfind("$var ", 0) == 0) written.declarations.push_back(line);
        if (!header) written.body.push_back(line);
        if (line == "$enddefinitions $end") header = false;
    }
    return written;
}

}  // namespace

TEST(Tracer, KeepsSlicesThatLastAndOverlapTheWindow) {
    const Tracer tracer(vcd_of({}, 10.0, 20.0));
    EXPECT_FALSE(tracer.keeps_slice(ns(5), ns(10)));  // ends where the window starts
    EXPECT_TRUE(tracer.keeps_slice(ns(5), ns(11)));
    EXPECT_TRUE(tracer.keeps_slice(ns(19), ns(30)));
    EXPECT_FALSE(tracer.keeps_slice(ns(20), ns(25)));  // starts where the window ends
    EXPECT_FALSE(tracer.keeps_slice(ns(12), ns(12)));  // lasts no time
}

TEST(Tracer, AHandleAndANameChangeTheSameSignal) {
    Tracer tracer(vcd_of({"macro"}));
    Tracer::SignalHandle rows("macro", "active_rows", 4);
    tracer.signal(rows, ns(5), 3);
    tracer.signal("macro", "active_rows", 4, ns(6), 5);
    tracer.signal(rows, ns(7), 0);
    const Written written = write(tracer, "tracer-handle-and-name");
    ASSERT_EQ(written.declarations, std::vector<std::string>{"$var wire 4 ! active_rows [3:0] $end"});
    EXPECT_EQ(written.body, (std::vector<std::string>{"#5000", "b11 !", "#6000", "b101 !", "#7000", "b0 !"}));
}

TEST(Tracer, AHandleOfAnInstanceOutsideTheVcdRecordsNothing) {
    Tracer tracer(vcd_of({"macro"}));
    Tracer::SignalHandle other("dram", "bank0_state", 2);
    tracer.signal(other, ns(5), 1);
    tracer.signal(other, ns(6), 2);
    const nlohmann::json summary = write(tracer, "tracer-untraced-handle").summary;
    EXPECT_EQ(summary["vcd_signals"], 0);
    EXPECT_EQ(summary["vcd_changes"], 0);
}

TEST(Tracer, AHandleKeepsTheWindowsLevelAtItsStartAndNothingAfterItsEnd) {
    Tracer tracer(vcd_of({"macro"}, 10.0, 20.0));
    Tracer::SignalHandle busy("macro", "busy", 1);
    tracer.signal(busy, ns(5), 1);
    tracer.signal(busy, ns(8), 0);   // the level the window starts with
    tracer.signal(busy, ns(15), 1);
    tracer.signal(busy, ns(25), 0);  // after the window
    const Written written = write(tracer, "tracer-handle-window");
    EXPECT_EQ(written.body, (std::vector<std::string>{"#10000", "0!", "#15000", "1!"}));
    EXPECT_EQ(written.summary["vcd_changes"], 1);  // the one inside the window
}

TEST(Tracer, ACounterByIdIsTheCounterOfItsName) {
    TraceConfig config;
    config.perfetto = true;
    config.window_start_ns = 10.0;
    Tracer tracer(config);
    const int power = tracer.counter_id("dram", "power_mw");
    EXPECT_EQ(tracer.counter_id("dram", "power_mw"), power);
    tracer.counter(power, ns(5), 1.0);  // before the window
    tracer.counter(power, ns(12), 2.0);
    tracer.counter("dram", "power_mw", ns(14), 3.0);
    const std::string directory = cimvp::testing::temp_directory("tracer-counter-id");
    EXPECT_EQ(tracer.write(directory, "chip")["counter_samples"], 2);
    std::ifstream file(directory + "/trace.json");
    const nlohmann::json trace = nlohmann::json::parse(file);
    std::vector<std::pair<std::string, double>> samples;
    for (const auto& event : trace["traceEvents"]) {
        if (event["ph"] == "C") samples.emplace_back(event["name"], event["args"]["value"].get<double>());
    }
    EXPECT_EQ(samples, (std::vector<std::pair<std::string, double>>{{"dram power_mw", 2.0}, {"dram power_mw", 3.0}}));
}

TEST(Tracer, AHandleUsedWithAnotherTracerIsLookedUpThere) {
    Tracer first(vcd_of({"dram"})), second(vcd_of({"macro"}));
    Tracer::SignalHandle busy("macro", "busy", 1);
    first.signal(busy, ns(5), 1);  // "macro" is not in the first tracer's VCD
    second.signal(busy, ns(6), 1);
    EXPECT_EQ(write(first, "tracer-first").summary["vcd_signals"], 0);
    EXPECT_EQ(write(second, "tracer-second").body, (std::vector<std::string>{"#6000", "1!"}));
}
