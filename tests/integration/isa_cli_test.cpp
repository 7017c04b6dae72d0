// `cimvp asm` and `cimvp disasm` run as a user would: the round trip through files, exit codes, errors.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/support/cli.h"

using cimvp::testing::CliOutcome;
using cimvp::testing::read_text;
using cimvp::testing::run_cimvp;
using cimvp::testing::temp_path;
using cimvp::testing::write_temp;

namespace {

const char* kProgram =
    ".engines\n"
    "    engine id=0 instance=dma0\n"
    "    engine id=3 instance=macro0\n"
    ".code address=0x80000000\n"
    "    dma engine=0 src=0x80010000 dst=0x10000000 row_bytes=32 rows=4 src_stride=32 dst_stride=64\n"
    "    weight_write engine=3 src=0x80010000 bytes=128 rows=16 channels=8 row_offset=0 channel_offset=0 "
    "weight_bits=8 mask=0\n"
    "    sync engine=3\n"
    "    interrupt code=1\n"
    "    halt\n"
    ".weights address=0x80010000\n"
    "    .hex 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
    "    .zero 96\n";

}  // namespace

TEST(IsaCli, DisasmAsmDisasmIsByteAndTextExact) {
    const std::string image = temp_path("first.bin"), text = temp_path("first.s");
    const std::string image_again = temp_path("again.bin"), text_again = temp_path("again.s");
    const std::string source = write_temp("source.s", kProgram);
    ASSERT_EQ(run_cimvp("asm " + source + " -o " + image).exit_code, 0);
    const CliOutcome listing = run_cimvp("disasm " + image);
    ASSERT_EQ(listing.exit_code, 0) << listing.output();
    EXPECT_NE(listing.output().find("    0x80000080: sync engine=3\n"), std::string::npos) << listing.output();
    EXPECT_NE(listing.output().find(";   section 2: weights, 128 bytes at file offset 0x240, loaded at 0x80010000\n"),
              std::string::npos)
        << listing.output();
    ASSERT_EQ(run_cimvp("disasm " + image + " -o " + text).exit_code, 0);
    EXPECT_EQ(read_text(text), listing.output());
    ASSERT_EQ(run_cimvp("asm " + text + " -o " + image_again).exit_code, 0);
    ASSERT_EQ(run_cimvp("disasm " + image_again + " -o " + text_again).exit_code, 0);
    EXPECT_EQ(read_text(image_again), read_text(image));
    EXPECT_EQ(read_text(text_again), read_text(text));
}

TEST(IsaCli, AsmReportsFileLineAndColumn) {
    const std::string source = write_temp("bad.s", ".code address=0\n    mvm engine=1\n    halt\n");
    const CliOutcome outcome = run_cimvp("asm " + source + " -o " + temp_path("bad.bin"));
    EXPECT_EQ(outcome.exit_code, 1);
    EXPECT_EQ(outcome.output().rfind(source + ":2:5: error: mvm: missing operands input, input_stride,", 0), 0u)
        << outcome.output();
}

TEST(IsaCli, DisasmReportsTheByteOffset) {
    const std::string image = temp_path("corrupt.bin");
    ASSERT_EQ(run_cimvp("asm " + write_temp("ok.s", kProgram) + " -o " + image).exit_code, 0);
    std::string bytes = read_text(image);
    bytes[4] = 9;  // version
    write_temp("corrupt.bin", bytes);
    const CliOutcome outcome = run_cimvp("disasm " + image);
    EXPECT_EQ(outcome.exit_code, 1);
    EXPECT_EQ(outcome.output(),
              image + ": byte 0x4: error: unsupported image version 9 (this decoder reads version 1)\n");
}

TEST(IsaCli, HelpAndBadArguments) {
    for (const char* command : {"asm", "disasm"}) {
        const CliOutcome help = run_cimvp(std::string(command) + " --help");
        EXPECT_EQ(help.exit_code, 0) << command;
        EXPECT_EQ(help.output().rfind(std::string("usage: cimvp ") + command, 0), 0u) << help.output();
    }
    EXPECT_EQ(run_cimvp("asm").exit_code, 2);
    EXPECT_EQ(run_cimvp("asm prog.s").exit_code, 2);  // no -o
    EXPECT_EQ(run_cimvp("disasm").exit_code, 2);
    EXPECT_EQ(run_cimvp("disasm a.bin --bogus").exit_code, 2);
    const CliOutcome missing = run_cimvp("disasm " + temp_path("no-such.bin"));
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_EQ(missing.output(), temp_path("no-such.bin") + ": error: cannot open the file\n");
}
