// Firmware end to end: scenarios/cim-mvm-program.yaml assembles programs/mvm-demo.s, and the
// scheduler drives the DMA engine, the SRAM CIM macro and the vector unit. The 32 bytes it writes
// back must equal the same arithmetic done here with the reference requantization.
#include <gtest/gtest.h>

#include <filesystem>

#include "firmware/compiler/passes/requantize.h"
#include "platform/simulation.h"
#include "tests/support/temp_files.h"

using namespace cimvp;

TEST(ProgramScenario, MvmDemoMatchesTheReferenceArithmetic) {
    Simulation simulation(load_scenario("scenarios/cim-mvm-program.yaml"));
    simulation.run();
    ASSERT_TRUE(simulation.checks_passed());
    const nlohmann::json& workload = simulation.report()["workload"];
    EXPECT_EQ(workload["instructions"].get<int>(), 13);
    EXPECT_EQ(workload["interrupts"].get<int>(), 1);

    // The data mvm-demo.s carries (see its .weights and .constants sections).
    std::string expected;
    for (int v = 0; v < 4; ++v) {
        for (int c = 0; c < 8; ++c) {
            int64_t sum = 0;
            for (int r = 0; r < 16; ++r) {
                const int weight = ((r * 8 + c) * 37 + 5) % 255 - 127;
                const int input = ((v * 16 + r) * 29 + 3) % 256;
                sum += int64_t{weight} * input;
            }
            const passes::Requantizer requantizer{(1 << 14) + c * 512, 22};
            const int32_t value = std::max(0, passes::requantize(sum, requantizer, -128, 127));  // vrelu
            char hex[3];
            std::snprintf(hex, sizeof hex, "%02x", static_cast<uint8_t>(value));
            expected += hex;
        }
    }
    EXPECT_EQ(workload["output_hex"].get<std::string>(), expected);
    EXPECT_NE(expected, std::string(64, '0')) << "the demo data must give non-trivial results";
    // Work was done where the program says: 4 x 16 x 8 MACs on the macro.
    EXPECT_EQ(simulation.report()["components"]["macro"]["counters"]["macs"].get<uint64_t>(), 4u * 16u * 8u);
}

TEST(ProgramScenario, AssemblerErrorsNameTheProgramLine) {
    const std::string program = cimvp::testing::temp_path("broken.s");
    FILE* file = std::fopen(program.c_str(), "w");
    std::fputs(".engines\n    engine id=1 instance=dma\n.code address=0x80000000\n    frobnicate\n    halt\n", file);
    std::fclose(file);
    const std::string scenario = cimvp::testing::temp_path("broken-program.yaml");
    file = std::fopen(scenario.c_str(), "w");
    std::fprintf(file,
                 "scenario: broken\nplatform: %s/scenarios/platforms/sram-cim-soc.yaml\n"
                 "workload: {type: program, params: {image: %s, image_address: 0x81000000}}\n",
                 CIMVP_SOURCE_DIR, std::filesystem::path(program).filename().c_str());
    std::fclose(file);
    try {
        Simulation simulation(load_scenario(scenario));
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& error) {
        const std::string where = std::filesystem::path(program).lexically_normal().string();
        EXPECT_EQ(std::string(error.what()), where + ":4:5: error: unknown instruction 'frobnicate'");
    }
}
