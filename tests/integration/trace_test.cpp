// Tracing of a real run: the Perfetto timeline is well formed and agrees with report.json, the
// VCD has a proper header, and a time window limits what is written.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "platform/simulation.h"
#include "tests/support/temp_files.h"

using namespace cimvp;

namespace {

// A small copy (64 KiB in 256 B random tiles) on the DMA platform.
Scenario small_scenario() {
    Scenario scenario = load_scenario("scenarios/dma-random-rows.yaml");
    scenario.workload_params["bytes"] = "64KiB";
    return scenario;
}

nlohmann::json run_traced(const TraceConfig& trace, const std::string& directory) {
    Simulation simulation(small_scenario());
    RunOptions options;
    options.out_dir = directory;
    options.trace = trace;
    simulation.run(options);
    EXPECT_TRUE(simulation.checks_passed());
    return simulation.report();
}

std::string read_file(const std::string& path) {
    std::ifstream stream(path);
    std::stringstream text;
    text << stream.rdbuf();
    return text.str();
}

}  // namespace

TEST(Trace, PerfettoEventsAreSortedNonNegativeAndMatchBusyTime) {
    const std::string directory = cimvp::testing::temp_directory("trace-perfetto");
    const nlohmann::json report = run_traced(TraceConfig::defaults(), directory);
    const nlohmann::json trace = nlohmann::json::parse(read_file(directory + "/trace.json"));
    std::map<int, std::string> thread_names;
    std::map<std::string, double> busy_us;
    double previous_ts = -1;
    size_t slices = 0, counters = 0;
    double dram_sampled_bytes = 0;
    for (const auto& event : trace["traceEvents"]) {
        const std::string phase = event["ph"];
        if (phase == "M" && event["name"] == "thread_name") {
            thread_names[event["tid"].get<int>()] = event["args"]["name"];
        }
        if (phase == "X") {
            ++slices;
            const double ts = event["ts"].get<double>();
            EXPECT_GE(ts, previous_ts) << "slices must be sorted by start time";
            previous_ts = ts;
            EXPECT_GE(event["dur"].get<double>(), 0.0);
            busy_us[thread_names.at(event["tid"].get<int>())] += event["dur"].get<double>();
        }
        if (phase == "C") {
            ++counters;
            // Each bandwidth sample covers one 1 us interval: GB/s x 1e-6 s x 1e9 = bytes.
            if (event["name"] == "dram bandwidth_gbps") dram_sampled_bytes += event["args"]["value"].get<double>() * 1e3;
        }
    }
    EXPECT_GT(slices, 100u);
    EXPECT_GT(counters, 0u);
    // Samples cover whole intervals; the last partial interval of the run is not sampled.
    const double dram_bytes = report["components"]["dram"]["bytes_moved"].get<double>();
    EXPECT_GT(dram_sampled_bytes, 0.5 * dram_bytes);
    EXPECT_LE(dram_sampled_bytes, dram_bytes + 1e-6);
    for (const char* instance : {"dma", "dram", "gbuf", "noc"}) {
        const double expected_ns = report["components"][instance]["busy_ns"].get<double>();
        EXPECT_GT(expected_ns, 0.0) << instance;
        EXPECT_NEAR(busy_us[instance] * 1e3, expected_ns, 1e-6 * expected_ns) << instance;
    }
    EXPECT_EQ(report["timeline_summary"]["perfetto"].get<std::string>(), directory + "/trace.json");
}

TEST(Trace, VcdHasHeaderDeclarationsAndOrderedTimes) {
    const std::string directory = cimvp::testing::temp_directory("trace-vcd");
    TraceConfig config;
    config.vcd = {"dma", "dram"};
    config.power_interval_ns = 1000;
    run_traced(config, directory);
    const std::string vcd = read_file(directory + "/waves.vcd");
    EXPECT_EQ(vcd.rfind("$date", 0), 0u);
    EXPECT_NE(vcd.find("$timescale 1ps $end"), std::string::npos);
    EXPECT_NE(vcd.find("$scope module dma $end"), std::string::npos);
    EXPECT_NE(vcd.find("$scope module dram $end"), std::string::npos);
    EXPECT_EQ(vcd.find("$scope module gbuf $end"), std::string::npos) << "only the chosen instances";
    EXPECT_NE(vcd.find("$var wire 1 "), std::string::npos);
    EXPECT_NE(vcd.find("$var real 64 "), std::string::npos);
    const size_t body = vcd.find("$enddefinitions $end");
    ASSERT_NE(body, std::string::npos);
    std::istringstream lines(vcd.substr(body));
    std::string line;
    long long previous = -1, stamps = 0;
    while (std::getline(lines, line)) {
        if (line.empty() || line[0] != '#') continue;
        const long long stamp = std::stoll(line.substr(1));
        EXPECT_GT(stamp, previous);
        previous = stamp;
        ++stamps;
    }
    EXPECT_GT(stamps, 10);
}

TEST(Trace, WindowKeepsOnlyEventsInsideIt) {
    const std::string directory = cimvp::testing::temp_directory("trace-window");
    TraceConfig config;
    config.perfetto = true;
    config.window_start_ns = 10000;
    config.window_end_ns = 20000;
    run_traced(config, directory);
    const nlohmann::json trace = nlohmann::json::parse(read_file(directory + "/trace.json"));
    size_t slices = 0;
    for (const auto& event : trace["traceEvents"]) {
        if (event["ph"] != "X") continue;
        ++slices;
        EXPECT_GE(event["ts"].get<double>(), 10.0 - 1e-9);
        EXPECT_LE(event["ts"].get<double>() + event["dur"].get<double>(), 20.0 + 1e-9);
    }
    EXPECT_GT(slices, 0u);
}

TEST(Trace, VcdWindowStartsWithEverySignalsLevelAndOneValuePerInstant) {
    const std::string directory = cimvp::testing::temp_directory("trace-vcd-window");
    TraceConfig config;
    config.vcd = {"dma", "dram"};
    config.window_start_ns = 10000;
    config.window_end_ns = 20000;
    run_traced(config, directory);
    const std::string vcd = read_file(directory + "/waves.vcd");
    // Every declared signal gets its value at the window's first instant (10 us = 1e7 ps).
    std::set<std::string> declared, set_at_start;
    std::istringstream lines(vcd);
    std::string line;
    long long stamp = -1;
    std::set<std::string> seen_at_stamp;
    while (std::getline(lines, line)) {
        if (line.rfind("$var ", 0) == 0) {
            std::istringstream fields(line);
            std::string var, kind, width, id;
            fields >> var >> kind >> width >> id;
            declared.insert(id);
        } else if (!line.empty() && line[0] == '#') {
            stamp = std::stoll(line.substr(1));
            EXPECT_GE(stamp, 10000000);
            seen_at_stamp.clear();
        } else if (!line.empty() && stamp >= 0 && line[0] != '$') {
            // "b101 ID" and "r2.5 ID" name the signal after a space; "1ID" right after the bit.
            const bool vector = line[0] == 'b' || line[0] == 'r';
            const std::string id = vector ? line.substr(line.find(' ') + 1) : line.substr(1);
            EXPECT_TRUE(seen_at_stamp.insert(id).second) << "two values of " << id << " at " << stamp;
            if (stamp == 10000000) set_at_start.insert(id);
        }
    }
    EXPECT_FALSE(declared.empty());
    EXPECT_EQ(set_at_start, declared);
}

TEST(Trace, ScenarioTraceFieldIsCheckedWithItsLine) {
    const YAML::Node node = YAML::Load("{vcd: [dma], window: [5us, 1us]}");
    try {
        parse_trace_config(node, "s.yaml");
        FAIL();
    } catch (const ConfigError& error) {
        EXPECT_EQ(std::string(error.what()), "s.yaml:1:22: error: 'window' must end after it starts");
    }
}

TEST(Trace, VcdSurvivesGtkwavesFstRoundTrip) {
    // vcd2fst accepts almost anything, so the check is the way back: the FST must hold the same
    // signals and the same number of time steps.
    if (std::system("command -v vcd2fst > /dev/null 2>&1 && command -v fst2vcd > /dev/null 2>&1") != 0) {
        GTEST_SKIP() << "vcd2fst/fst2vcd are not installed (scripts/setup-deps.sh installs gtkwave)";
    }
    const std::string directory = cimvp::testing::temp_directory("trace-vcd-round-trip");
    run_traced(TraceConfig::defaults(), directory);
    const std::string fst = directory + "/waves.fst", back = directory + "/waves-back.vcd";
    std::remove(fst.c_str());
    ASSERT_EQ(std::system(("vcd2fst '" + directory + "/waves.vcd' '" + fst + "' > /dev/null 2>&1").c_str()), 0);
    ASSERT_EQ(std::system(("fst2vcd '" + fst + "' > '" + back + "' 2> /dev/null").c_str()), 0);
    const std::string original = read_file(directory + "/waves.vcd"), converted = read_file(back);
    auto time_steps = [](const std::string& vcd) {
        size_t count = 0;
        for (size_t at = vcd.find("\n#"); at != std::string::npos; at = vcd.find("\n#", at + 1)) ++count;
        return count;
    };
    EXPECT_GT(time_steps(original), 10u);
    EXPECT_EQ(time_steps(converted), time_steps(original));
    for (const char* declaration : {"$scope module dma $end", "$scope module dram $end", "busy $end", "power_mw $end"}) {
        EXPECT_NE(converted.find(declaration), std::string::npos) << declaration;
    }
}

TEST(Trace, EngineCommandSlicesCarryTheirBytesAndEnergy) {
    // The small CNN on the one-macro SoC: every macro and vector-unit command is a slice whose
    // arguments give the bytes it moved and the energy it spent, which add up to the report's.
    const std::string directory = cimvp::testing::temp_directory("trace-command-args");
    Simulation simulation(load_scenario("scenarios/small-cnn-sram-cim.yaml"));
    RunOptions options;
    options.out_dir = directory;
    options.trace = TraceConfig::defaults();
    simulation.run(options);
    ASSERT_TRUE(simulation.checks_passed());
    const nlohmann::json trace = nlohmann::json::parse(read_file(directory + "/trace.json"));
    std::map<int, std::string> thread_names;
    std::map<std::string, double> energy_pj, bytes;
    std::map<std::string, std::set<std::string>> commands;
    for (const auto& event : trace["traceEvents"]) {
        if (event["ph"] == "M" && event["name"] == "thread_name") {
            thread_names[event["tid"].get<int>()] = event["args"]["name"];
        }
        if (event["ph"] != "X" || !event.contains("args") || !event["args"].contains("energy_pj")) continue;
        const std::string& instance = thread_names.at(event["tid"].get<int>());
        energy_pj[instance] += event["args"]["energy_pj"].get<double>();
        bytes[instance] += event["args"]["bytes"].get<double>();
        commands[instance].insert(event["name"].get<std::string>());
    }
    const nlohmann::json& components = simulation.report()["components"];
    for (const char* instance : {"macro", "vec"}) {
        const double expected = components[instance]["energy_pj_total"].get<double>();
        EXPECT_GT(expected, 0.0) << instance;
        EXPECT_NEAR(energy_pj[instance], expected, 1e-6 * expected) << instance;
        const auto& counters = components[instance]["counters"];
        EXPECT_EQ(bytes[instance], counters["bytes_read"].get<double>() + counters["bytes_written"].get<double>())
            << instance;
    }
    EXPECT_EQ(commands["macro"], (std::set<std::string>{"weight_write", "mvm"}));
}

namespace {

// The small CNN on the one-macro SoC, traced from start to end.
struct TracedNetwork {
    nlohmann::json report;
    std::vector<nlohmann::json> events;
    std::map<int, std::string> thread_names;
};

TracedNetwork run_traced_network(const std::string& name) {
    const std::string directory = cimvp::testing::temp_directory(name);
    Simulation simulation(load_scenario("scenarios/small-cnn-sram-cim.yaml"));
    RunOptions options;
    options.out_dir = directory;
    options.trace = TraceConfig::defaults();
    simulation.run(options);
    EXPECT_TRUE(simulation.checks_passed());
    TracedNetwork traced{simulation.report(), {}, {}};
    nlohmann::json trace = nlohmann::json::parse(read_file(directory + "/trace.json"));
    for (auto& event : trace["traceEvents"]) {
        if (event["ph"] == "M" && event["name"] == "thread_name") {
            traced.thread_names[event["tid"].get<int>()] = event["args"]["name"];
        }
        traced.events.push_back(std::move(event));
    }
    return traced;
}

}  // namespace

TEST(Trace, InstructionAndCommandSlicesNameTheirLayerAndTile) {
    const TracedNetwork traced = run_traced_network("trace-labels");
    std::set<std::string> layers;
    for (const auto& layer : traced.report["layers"]) layers.insert(layer["name"].get<std::string>());
    std::set<uint64_t> numbers;
    size_t instructions = 0, mvms = 0;
    for (const auto& event : traced.events) {
        if (event["ph"] != "X" || !event.contains("args")) continue;
        const auto& args = event["args"];
        if (args.contains("pc")) ++instructions;
        if (!args.contains("command")) continue;
        // Every command came from the scheduler's program, which the compiler annotated.
        ASSERT_TRUE(args.contains("layer")) << event.dump();
        EXPECT_EQ(layers.count(args["layer"].get<std::string>()), 1u) << event.dump();
        EXPECT_TRUE(numbers.insert(args["command"].get<uint64_t>()).second) << "command numbers are unique";
        if (event["name"] == "mvm") {
            ++mvms;
            // conv2 of the CNN runs in one band; its MVM tiles say which weights they hold.
            if (args["layer"] == "conv2") {
                EXPECT_EQ(args["tile"].get<std::string>().rfind("band 1/1, tile ", 0), 0u);
            }
        }
    }
    EXPECT_GT(instructions, 100u);
    EXPECT_GT(mvms, 10u);
    // The scheduler numbers commands as it issues them: 1..N without a gap.
    ASSERT_FALSE(numbers.empty());
    EXPECT_EQ(*numbers.begin(), 1u);
    EXPECT_EQ(*numbers.rbegin(), numbers.size());
}

TEST(Trace, FlowsGoFromIssueToCommandAndFromCommandToTheSyncItUnblocks) {
    const TracedNetwork traced = run_traced_network("trace-flows");
    // Slices by (thread, start) so that flow ends can be bound to them as viewers do.
    std::map<std::pair<int, double>, const nlohmann::json*> slices;
    std::map<uint64_t, const nlohmann::json*> flow_start, flow_end;
    for (const auto& event : traced.events) {
        const std::string phase = event["ph"];
        if (phase == "X") slices[{event["tid"].get<int>(), event["ts"].get<double>()}] = &event;
        if (phase == "s") {
            EXPECT_TRUE(flow_start.emplace(event["id"].get<uint64_t>(), &event).second);
        }
        if (phase == "f") {
            EXPECT_TRUE(flow_end.emplace(event["id"].get<uint64_t>(), &event).second);
        }
    }
    ASSERT_EQ(flow_start.size(), flow_end.size());
    const auto bound = [&](const nlohmann::json& flow) {
        const auto found = slices.find({flow["tid"].get<int>(), flow["ts"].get<double>()});
        EXPECT_NE(found, slices.end()) << flow.dump();
        return found == slices.end() ? nullptr : found->second;
    };
    std::map<const nlohmann::json*, int> arrows_into_commands;
    size_t into_syncs = 0;
    for (const auto& [id, start] : flow_start) {
        ASSERT_EQ(flow_end.count(id), 1u);
        const nlohmann::json* producer = bound(*start);
        const nlohmann::json* consumer = bound(*flow_end.at(id));
        ASSERT_TRUE(producer != nullptr && consumer != nullptr);
        const std::string& producer_thread = traced.thread_names.at((*producer)["tid"].get<int>());
        const std::string& consumer_thread = traced.thread_names.at((*consumer)["tid"].get<int>());
        if ((*consumer)["args"].contains("command")) {
            // Issue: the instruction on the scheduler's track starts the command on the engine it names.
            EXPECT_EQ(producer_thread, "sched.instructions");
            EXPECT_EQ((*producer)["args"]["engine"], consumer_thread);
            EXPECT_EQ((*producer)["args"]["tile"], (*consumer)["args"]["tile"]);
            EXPECT_LE((*producer)["ts"].get<double>(), (*consumer)["ts"].get<double>());
            ++arrows_into_commands[consumer];
        } else {
            // Completion: an engine's last command unblocks the sync that waited for that engine.
            EXPECT_EQ((*consumer)["name"], "sync") << consumer->dump();
            EXPECT_EQ((*consumer)["args"]["engine"], producer_thread);
            const double producer_end = (*producer)["ts"].get<double>() + (*producer)["dur"].get<double>();
            const double consumer_end = (*consumer)["ts"].get<double>() + (*consumer)["dur"].get<double>();
            EXPECT_LE(producer_end, consumer_end + 1e-9);
            ++into_syncs;
        }
    }
    size_t commands = 0;
    for (const auto& event : traced.events) {
        if (event["ph"] != "X" || !event.contains("args") || !event["args"].contains("command")) continue;
        ++commands;
        EXPECT_EQ(arrows_into_commands[&event], 1) << "one issue arrow into " << event.dump();
    }
    EXPECT_EQ(arrows_into_commands.size(), commands);
    EXPECT_GT(into_syncs, 10u);
    EXPECT_EQ(traced.report["timeline_summary"]["flows"].get<size_t>(), flow_start.size());
}

TEST(Trace, BufferOccupancyIsTheCompilersAllocation) {
    const TracedNetwork traced = run_traced_network("trace-occupancy");
    std::vector<double> values;
    for (const auto& event : traced.events) {
        if (event["ph"] == "C" && event["name"] == "gbuf occupancy_bytes") {
            values.push_back(event["args"]["value"].get<double>());
        }
    }
    // conv1 (3x3, pad 1, 32x32x3 in, 32 channels out) runs in one band as a flat stride-1 layer:
    // its padded input (34 x 34 x 3, 64-byte aligned), int32 partial sums for (32 - 1) x 34 + 32
    // positions, and the int8 output staging.
    const double positions = 31 * 34 + 32;
    const double conv1 = 3520 + 64 * std::ceil(positions * 32 * 4 / 64) + positions * 32;
    ASSERT_GE(values.size(), 2u);
    EXPECT_EQ(values[0], conv1);
    EXPECT_EQ(values[1], 0.0) << "pool1 runs from DRAM and keeps nothing in the buffer";
    // Every conv layer's allocation fits the buffer, and each is released before the next layer.
    const double buffer_bytes = 256 * 1024;
    for (size_t i = 0; i < values.size(); ++i) {
        EXPECT_LE(values[i], buffer_bytes);
        if (i % 2 == 1) {
            EXPECT_EQ(values[i], 0.0) << i;
        }
    }
}
