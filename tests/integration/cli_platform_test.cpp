// The `cimvp` commands of the platform, run as a user would: exit codes and what they print.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>

namespace {

struct Outcome {
    int exit_code;
    std::string output;  // stdout and stderr together
};

Outcome cimvp(const std::string& arguments) {
    const std::string command = std::string(CIMVP_BINARY_DIR) + "/cimvp " + arguments + " 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    std::string output;
    std::array<char, 4096> buffer{};
    while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) output.append(buffer.data(), n);
    const int status = pclose(pipe);
    return {WEXITSTATUS(status), output};
}

std::string write_temp(const std::string& name, const std::string& text) {
    const std::string path = ::testing::TempDir() + "/" + name;
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST(CliPlatform, RunWritesReportAndPrintsTheTable) {
    const std::string out = ::testing::TempDir() + "/cli-run";
    const Outcome outcome = cimvp("run scenarios/dma-random-rows.yaml --out " + out);
    EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
    EXPECT_NE(outcome.output.find("dram           dram_controller"), std::string::npos) << outcome.output;
    EXPECT_NE(outcome.output.find("total: latency"), std::string::npos);
    std::ifstream report(out + "/report.json");
    EXPECT_TRUE(report.good());
}

TEST(CliPlatform, ValidatePrintsTheAddressMap) {
    const Outcome outcome = cimvp("validate scenarios/platforms/dma-soc.yaml");
    EXPECT_EQ(outcome.exit_code, 0) << outcome.output;
    EXPECT_NE(outcome.output.find("0x000080000000 - 0x0000bfffffff  dram"), std::string::npos) << outcome.output;
}

TEST(CliPlatform, ValidateFailsWithFileLineAndColumn) {
    const std::string path = write_temp("bad-unit.yaml",
                                        "platform: t\n"
                                        "modules:\n"
                                        "  - {name: buf, type: sram_buffer, params: {size: 12parsecs}}\n");
    const Outcome outcome = cimvp("validate " + path);
    EXPECT_EQ(outcome.exit_code, 1);
    EXPECT_EQ(outcome.output.rfind(path + ":3:51: error: parameter 'size': unit 'parsecs' is not a size unit", 0),
              0u)
        << outcome.output;
}

TEST(CliPlatform, ModelsListsParametersFromTheCode) {
    const Outcome outcome = cimvp("models sram_buffer");
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_NE(outcome.output.find("sram_buffer: banked on-chip SRAM buffer"), std::string::npos) << outcome.output;
    EXPECT_NE(outcome.output.find("size                size [B], default 256KiB"), std::string::npos)
        << outcome.output;
    EXPECT_EQ(cimvp("models no_such_model").exit_code, 1);
}

TEST(CliPlatform, EveryCommandHasHelpAndBadArgumentsFail) {
    for (const char* command : {"run", "validate", "models"}) {
        const Outcome help = cimvp(std::string(command) + " --help");
        EXPECT_EQ(help.exit_code, 0) << command;
        EXPECT_NE(help.output.find("usage: cimvp"), std::string::npos) << command;
    }
    EXPECT_EQ(cimvp("run").exit_code, 2);
    EXPECT_EQ(cimvp("run scenarios/dma-stream.yaml --bogus").exit_code, 2);
    EXPECT_EQ(cimvp("frobnicate").exit_code, 2);
    EXPECT_EQ(cimvp("run no/such/file.yaml").exit_code, 1);
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
    const std::string out = ::testing::TempDir() + "/cli-html";
    const Outcome outcome = cimvp("run " + scenario + " --trace --html --out " + out);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.output;
    EXPECT_NE(outcome.output.find("html: " + out + "/report.html"), std::string::npos) << outcome.output;
    for (const char* file : {"report.html", "energy_0.png", "utilization_0.png", "power_0.png"}) {
        std::ifstream stream(out + "/" + file, std::ios::binary | std::ios::ate);
        ASSERT_TRUE(stream.good()) << file;
        EXPECT_GT(static_cast<long>(stream.tellg()), 1000) << file;
    }
}
