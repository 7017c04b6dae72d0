// The `cimvp` commands of the platform, run as a user would: exit codes and what they print.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/cli.h"

using cimvp::testing::CliOutcome;
using cimvp::testing::run_cimvp;
using cimvp::testing::write_temp;

TEST(CliPlatform, RunWritesReportAndPrintsTheTable) {
    const std::string out = cimvp::testing::temp_directory("cli-run");
    const CliOutcome outcome = run_cimvp("run scenarios/dma-random-rows.yaml --out " + out);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.output();
    EXPECT_NE(outcome.output().find("dram           dram_controller"), std::string::npos) << outcome.output();
    EXPECT_NE(outcome.output().find("total: latency"), std::string::npos);
    std::ifstream report(out + "/report.json");
    EXPECT_TRUE(report.good());
}

TEST(CliPlatform, RunSetChangesTheScenarioBeforeItIsReadAndTheReportSaysSo) {
    const std::string out = cimvp::testing::temp_directory("cli-set");
    const std::string set = "platform.modules.dram.params.standard=LPDDR4-3200";
    ASSERT_EQ(run_cimvp("run scenarios/dma-random-rows.yaml --quiet --out " + out + "/as-is").exit_code, 0);
    const CliOutcome changed = run_cimvp("run scenarios/dma-random-rows.yaml --quiet --out " + out + "/set --set " + set);
    ASSERT_EQ(changed.exit_code, 0) << changed.output();
    const auto as_is = nlohmann::json::parse(std::ifstream(out + "/as-is/report.json"));
    const auto with_set = nlohmann::json::parse(std::ifstream(out + "/set/report.json"));
    EXPECT_FALSE(as_is.contains("overrides"));
    EXPECT_EQ(with_set["overrides"], nlohmann::json::array({set}));
    EXPECT_EQ(as_is["components"]["dram"]["standard"], "DDR4-2400");
    EXPECT_EQ(with_set["components"]["dram"]["standard"], "LPDDR4-3200");
    EXPECT_NE(with_set["sim_time_ns"], as_is["sim_time_ns"]);
    const CliOutcome misspelt = run_cimvp("run scenarios/dma-random-rows.yaml --quiet --out " + out +
                                          "/bad --set platform.modules.drm.params.standard=DDR4-2400");
    EXPECT_EQ(misspelt.exit_code, 1);
    EXPECT_NE(misspelt.err.find("--set platform.modules.drm.params.standard=DDR4-2400: error: no entry named 'drm'"),
              std::string::npos)
        << misspelt.err;
}

namespace {
// A report without what differs between two runs of one scenario: wall-clock times and what the
// trace wrote.
nlohmann::json simulated_results(nlohmann::json report) {
    report.erase("timeline_summary");
    std::vector<nlohmann::json*> pending{&report};
    while (!pending.empty()) {
        nlohmann::json* node = pending.back();
        pending.pop_back();
        if (!node->is_object()) continue;
        for (auto item = node->begin(); item != node->end();) {
            if (item.key().find("wall") != std::string::npos) {
                item = node->erase(item);
            } else {
                pending.push_back(&item.value());
                ++item;
            }
        }
    }
    return report;
}
}  // namespace

// Power samples and progress lines follow simulated time without waking the kernel: before they
// did, this scenario's DRAM energy changed when it was traced.
TEST(CliPlatform, TracingAndProgressLinesLeaveEveryResultAsInAQuietRun) {
    const std::string out = cimvp::testing::temp_directory("cli-observed");
    ASSERT_EQ(run_cimvp("run scenarios/small-cnn-cimpool.yaml --quiet --out " + out + "/quiet").exit_code, 0);
    const CliOutcome observed = run_cimvp("run scenarios/small-cnn-cimpool.yaml --trace --out " + out + "/observed");
    ASSERT_EQ(observed.exit_code, 0) << observed.output();
    const auto quiet = nlohmann::json::parse(std::ifstream(out + "/quiet/report.json"));
    const auto traced = nlohmann::json::parse(std::ifstream(out + "/observed/report.json"));
    EXPECT_GT(traced["timeline_summary"]["counter_samples"].get<int>(), 0);  // power was sampled
    EXPECT_EQ(simulated_results(traced), simulated_results(quiet)) << nlohmann::json::diff(quiet, traced).dump(1);
}

TEST(CliPlatform, ValidatePrintsTheAddressMap) {
    const CliOutcome outcome = run_cimvp("validate scenarios/platforms/dma-soc.yaml");
    EXPECT_EQ(outcome.exit_code, 0) << outcome.output();
    EXPECT_NE(outcome.output().find("0x000080000000 - 0x0000bfffffff  dram"), std::string::npos) << outcome.output();
}

TEST(CliPlatform, ValidateFailsWithFileLineAndColumn) {
    const std::string path = write_temp("bad-unit.yaml",
                                        "platform: t\n"
                                        "modules:\n"
                                        "  - {name: buf, type: sram_buffer, params: {size: 12parsecs}}\n");
    const CliOutcome outcome = run_cimvp("validate " + path);
    EXPECT_EQ(outcome.exit_code, 1);
    EXPECT_EQ(outcome.output().rfind(path + ":3:51: error: parameter 'size': unit 'parsecs' is not a size unit", 0),
              0u)
        << outcome.output();
}

TEST(CliPlatform, ModelsListsParametersFromTheCode) {
    const CliOutcome outcome = run_cimvp("models sram_buffer");
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_NE(outcome.output().find("sram_buffer: banked on-chip SRAM buffer"), std::string::npos) << outcome.output();
    EXPECT_NE(outcome.output().find("size                size [B], default 256KiB"), std::string::npos)
        << outcome.output();
    EXPECT_EQ(run_cimvp("models no_such_model").exit_code, 1);
}

TEST(CliPlatform, EveryCommandHasHelpAndBadArgumentsFail) {
    for (const char* command : {"run", "validate", "models"}) {
        const CliOutcome help = run_cimvp(std::string(command) + " --help");
        EXPECT_EQ(help.exit_code, 0) << command;
        EXPECT_NE(help.output().find("usage: cimvp"), std::string::npos) << command;
    }
    EXPECT_EQ(run_cimvp("run").exit_code, 2);
    EXPECT_EQ(run_cimvp("run scenarios/dma-stream.yaml --bogus").exit_code, 2);
    EXPECT_EQ(run_cimvp("frobnicate").exit_code, 2);
    EXPECT_EQ(run_cimvp("run no/such/file.yaml").exit_code, 1);
}

TEST(CliPlatform, HtmlReportHasNonEmptyCharts) {
    const std::string scenario = write_temp("tiny.yaml", std::string(R"(
scenario: tiny
platform: )") + CIMVP_SOURCE_DIR + R"(/scenarios/platforms/dma-soc.yaml
workload:
  type: dma_stream
  params: {dma_registers: 0x4000_0000, buffer: 0x1000_0000, source: 0x8000_0000,
           destination: 0x8800_0000, descriptors: 0x9000_0000, bytes: 64KiB, tile: 4KiB}
)");
    const std::string out = cimvp::testing::temp_directory("cli-html");
    const CliOutcome outcome = run_cimvp("run " + scenario + " --trace --html --out " + out);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.output();
    EXPECT_NE(outcome.output().find("html: " + out + "/report.html"), std::string::npos) << outcome.output();
    for (const char* file : {"report.html", "energy_0.png", "utilization_0.png", "power_0.png"}) {
        std::ifstream stream(out + "/" + file, std::ios::binary | std::ios::ate);
        ASSERT_TRUE(stream.good()) << file;
        EXPECT_GT(static_cast<long>(stream.tellg()), 1000) << file;
    }
}

TEST(CliPlatform, CompareReportsPutsTwoRunsSideBySideWithRatios) {
    // Two small networks, the dense one as the baseline: the latency row holds each report's latency
    // (4 significant digits) and the second one's ratio to the first (3 digits).
    std::string reports;
    std::vector<double> latency_ms;
    for (const char* scenario : {"small-cnn-sram-cim", "small-cnn-cimpool"}) {
        const std::string out = cimvp::testing::temp_directory(std::string("compare-") + scenario);
        const CliOutcome run = run_cimvp(std::string("run scenarios/") + scenario + ".yaml --quiet --out " + out);
        ASSERT_EQ(run.exit_code, 0) << run.output();
        std::ifstream stream(out + "/report.json");
        latency_ms.push_back(nlohmann::json::parse(stream)["totals"]["latency_ns"].get<double>() / 1e6);
        reports += " " + out + "/report.json";
    }
    const std::string table = cimvp::testing::temp_path("compare.md");
    const int status =
        std::system(("/usr/bin/python3 scripts/compare_reports.py" + reports + " --baseline 1 > " + table).c_str());
    ASSERT_EQ(WEXITSTATUS(status), 0);
    const std::string text = cimvp::testing::read_text(table);
    EXPECT_NE(text.find("| figure | small-cnn-sram-cim | small-cnn-cimpool |"), std::string::npos) << text;
    EXPECT_NE(text.find("| outputs match reference | True (10 compared) | True (10 compared) |"), std::string::npos)
        << text;
    char row[160];
    std::snprintf(row, sizeof row, "| latency (ms) | %.4g | %.4g (%.3gx) |", latency_ms[0], latency_ms[1],
                  latency_ms[1] / latency_ms[0]);
    EXPECT_NE(text.find(row), std::string::npos) << row << "\n" << text;
}
