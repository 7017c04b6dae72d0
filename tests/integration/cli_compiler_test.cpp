// The compiler's `cimvp` commands (zoo, compile, infer) run as a user would: exit codes, what they
// print, and files that round-trip through them.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <regex>

#include "firmware/compiler/interpreter/float_interpreter.h"
#include "firmware/compiler/interpreter/integer_interpreter.h"
#include "firmware/compiler/io/npy.h"
#include "firmware/compiler/onnx/tensor_proto.h"
#include "firmware/compiler/passes/calibrate.h"
#include "firmware/compiler/passes/quantize.h"
#include "firmware/compiler/passes/quantize_network.h"
#include "firmware/compiler/zoo/seeded_random.h"
#include "firmware/compiler/zoo/zoo.h"
#include "tests/support/cli.h"

namespace cimvp {
namespace {

using testing::read_text;
using testing::temp_path;
using Outcome = testing::CliOutcome;

Outcome cimvp(const std::string& arguments) { return testing::run_cimvp(arguments); }

// One line on stderr, a non-zero exit, and nothing half-printed on stdout.
void expect_error(const std::string& arguments, const std::string& message) {
    const Outcome outcome = cimvp(arguments);
    EXPECT_NE(outcome.exit_code, 0) << arguments;
    EXPECT_EQ(outcome.err, message + "\n") << arguments;
    EXPECT_EQ(outcome.out, "") << arguments;
}

TEST(CliCompiler, ZooListNamesEveryModel) {
    const Outcome outcome = cimvp("zoo list");
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(std::count(outcome.out.begin(), outcome.out.end(), '\n'), 15);
    EXPECT_NE(outcome.out.find("resnet18_cifar10      ResNet-18, CIFAR-10 (1x3x32x32, 10 classes)\n"),
              std::string::npos)
        << outcome.out;
}

TEST(CliCompiler, InferPrintsTopFiveInAFixedFormat) {
    const Outcome outcome = cimvp("infer zoo:small_cnn_cifar100 --float --input random:4");
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    const std::regex format(
        "float inference\n"
        "top-5: (\\d+) (\\d+) (\\d+) (\\d+) (\\d+)\n"
        "(  #[1-5]  class \\d+ +score -?[0-9.e+-]+\n){5}");
    std::smatch match;
    ASSERT_TRUE(std::regex_match(outcome.out, match, format)) << outcome.out;
    // The same classes, in the same order, as the float interpreter run here.
    const ir::Graph graph = zoo::build_model("small_cnn_cifar100");
    const ir::Tensor x = passes::random_input(graph, "input", 4, "input");
    const auto scores = ir::run_float(graph, {{"input", x}}).at(graph.outputs[0]).as_doubles();
    std::vector<std::size_t> order(scores.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    for (int rank = 0; rank < 5; ++rank) EXPECT_EQ(std::stoul(match[rank + 1]), order[static_cast<std::size_t>(rank)]);
}

TEST(CliCompiler, InferReadsAndWritesNpyExactly) {
    const ir::Graph graph = zoo::build_model("small_cnn_cifar10");
    const ir::Tensor x = zoo::random_image("input", {1, 3, 32, 32}, 9, "cli");
    const std::string input = temp_path("input.npy"), float_out = temp_path("float.npy"),
                      int_out = temp_path("int.npy");
    io::write_npy(x, input);

    Outcome outcome = cimvp("infer zoo:small_cnn_cifar10 --float --input " + input + " --output " + float_out);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(io::read_npy(float_out).data, ir::run_float(graph, {{"input", x}}).at(graph.outputs[0]).data);

    // Integer mode (the default): the same recipe as the CLI's, 4 calibration inputs from seed 1000.
    outcome = cimvp("infer zoo:small_cnn_cifar10 --input " + input + " --output " + int_out + " --quantize w6a8");
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out.substr(0, outcome.out.find('\n')), "integer inference (w6a8)");
    passes::QuantConfig config;
    passes::parse_precision("w6a8", config);
    const ir::Graph integer = passes::quantize_network(graph, passes::random_samples(graph, 4, 1000), config);
    const auto expected = passes::dequantize_output(
        interpreter::run_integer(integer, {{"input", passes::quantize_input(x, integer.tensor("input").quant)}})
            .at(graph.outputs[0]));
    EXPECT_EQ(io::read_npy(int_out).data, expected.data);
}

TEST(CliCompiler, InferReadsAndWritesTensorProtoFiles) {
    const ir::Tensor x = zoo::random_image("input", {1, 3, 32, 32}, 11, "cli");
    const std::string pb_in = temp_path("input.pb"), npy_in = temp_path("same_input.npy");
    const std::string pb_out = temp_path("output.pb"), npy_out = temp_path("output.npy");
    ir::write_tensor_proto_file(x, pb_in);
    io::write_npy(x, npy_in);
    ASSERT_EQ(cimvp("infer zoo:squeezenet11_cifar10 --input " + pb_in + " --output " + pb_out).exit_code, 0);
    ASSERT_EQ(cimvp("infer zoo:squeezenet11_cifar10 --input " + npy_in + " --output " + npy_out).exit_code, 0);
    const ir::Tensor from_pb = ir::read_tensor_proto_file(pb_out);
    EXPECT_EQ(from_pb.shape, (ir::Shape{1, 10}));
    EXPECT_EQ(from_pb.data, io::read_npy(npy_out).data);
}

TEST(CliCompiler, ExportedOnnxInfersLikeTheZooModel) {
    const std::string model = temp_path("resnet18_cifar10.onnx");
    Outcome outcome = cimvp("zoo export resnet18_cifar10 --out " + model);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_EQ(outcome.out, "wrote resnet18_cifar10 to " + model + "\n");
    const Outcome from_file = cimvp("infer " + model + " --float --input random:2");
    const Outcome from_zoo = cimvp("infer zoo:resnet18_cifar10 --float --input random:2");
    std::remove(model.c_str());
    ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
    EXPECT_EQ(from_file.out, from_zoo.out);
}

TEST(CliCompiler, CompileSummaryShowsTotalsAndTheQuantizedGraph) {
    Outcome outcome = cimvp("compile zoo:resnet18 --summary");
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_NE(outcome.out.find("1,814,073,344"), std::string::npos) << outcome.out;
    outcome = cimvp("compile zoo:small_cnn_cifar10 --quantize w8a8 --calibration percentile:99.9 --summary");
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_NE(outcome.out.find("QConv"), std::string::npos) << outcome.out;
    EXPECT_EQ(outcome.out.find("BatchNormalization"), std::string::npos) << outcome.out;
}

TEST(CliCompiler, CompileForATargetWritesAnImageTheDisassemblerReads) {
    const std::string image = temp_path("small_cnn.bin");
    Outcome outcome = cimvp("compile zoo:small_cnn_cifar10 --quantize w8a8 --target scenarios/platforms/sram-cim-soc.yaml "
                            "--out " + image);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    // The mapping table: one line per layer that has code, and a totals line.
    EXPECT_NE(outcome.out.find("conv2                  QConv"), std::string::npos) << outcome.out;
    EXPECT_NE(outcome.out.find("\ntotal "), std::string::npos) << outcome.out;
    EXPECT_NE(outcome.out.find("wrote " + image + ": "), std::string::npos) << outcome.out;
    outcome = cimvp("disasm " + image);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_NE(outcome.out.find("engine id=1 instance=macro"), std::string::npos) << outcome.out;
    EXPECT_NE(outcome.out.find(" mvm engine=1 "), std::string::npos);
    EXPECT_NE(outcome.out.find(" vrequant engine=2 "), std::string::npos);
    EXPECT_NE(outcome.out.find(" halt"), std::string::npos);
}

TEST(CliCompiler, MappingOptionsShowInTheMappingTable) {
    // small_cnn_cifar10's conv1 (one column tile, one pass) on the 4-core MARS chip: by default two
    // copies on 4 macros, its 6 bands overlapped; without copies 2 macros; without overlap 3 bands.
    const std::string image = temp_path("small_cnn_mars.bin");
    const std::string command = "compile zoo:small_cnn_cifar10 --quantize w4a4 --target scenarios/platforms/mars.yaml --out " + image;
    const std::regex conv1(R"(\nconv1 +QConv +(\d+) +(\d+) +(\d+) +(\d+) )");  // bands passes macros replicas
    const auto conv1_row = [&](const std::string& options) {
        const Outcome outcome = cimvp(command + options);
        EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
        std::smatch match;
        EXPECT_TRUE(std::regex_search(outcome.out, match, conv1)) << outcome.out;
        return std::vector<std::string>{match[1], match[2], match[3], match[4]};
    };
    EXPECT_EQ(conv1_row(""), (std::vector<std::string>{"6", "1", "4", "2"}));
    EXPECT_EQ(conv1_row(" --no-replicate"), (std::vector<std::string>{"6", "1", "2", "1"}));
    EXPECT_EQ(conv1_row(" --overlap-bands never"), (std::vector<std::string>{"3", "1", "4", "2"}));
}

TEST(CliCompiler, BadArgumentsGiveOneLineAndANonZeroExit) {
    expect_error("zoo export resnet19 --out x.onnx",
                 "cimvp zoo: error: unknown zoo model 'resnet19' (see cimvp zoo list)");
    expect_error("zoo export resnet18", "cimvp zoo: error: export needs --out FILE.onnx (see cimvp zoo --help)");
    expect_error("zoo frobnicate",
                 "cimvp zoo: error: unknown subcommand 'frobnicate', expected list or export (see cimvp zoo --help)");
    expect_error("compile zoo:resnet18",
                 "cimvp compile: error: nothing to do: give --summary, or --target and --out (see cimvp compile --help)");
    expect_error("compile zoo:resnet18 --summary --quantize w9a8",
                 "bad precision 'w9a8': expected wXaY with X and Y from 2 to 8 (e.g. w8a8)");
    expect_error("compile zoo:nope --summary", "unknown zoo model 'nope' (see `cimvp zoo list`)");
    expect_error("compile zoo:small_cnn_cifar10 --target scenarios/platforms/sram-cim-soc.yaml --out x.bin",
                 "cimvp compile: error: the back end maps integer networks: give --quantize wXaY "
                 "(see cimvp compile --help)");
    expect_error("compile zoo:small_cnn_cifar10 --quantize w8a8 --target scenarios/platforms/sram-cim-soc.yaml",
                 "cimvp compile: error: --target and --out go together (see cimvp compile --help)");
    expect_error("compile zoo:small_cnn_cifar10 --summary --no-replicate",
                 "cimvp compile: error: --no-replicate and --overlap-bands go with --target (see cimvp compile --help)");
    expect_error("compile zoo:small_cnn_cifar10 --quantize w8a8 --target scenarios/platforms/mars.yaml --out x.bin "
                 "--overlap-bands sometimes",
                 "cimvp compile: error: overlap_bands must be never, when_weights_stay or always, not 'sometimes' "
                 "(see cimvp compile --help)");
    expect_error("compile missing.onnx --summary", "missing.onnx: error: no such file");
    expect_error("infer zoo:small_cnn_cifar10",
                 "cimvp infer: error: missing --input FILE.npy|FILE.pb|random:SEED (see cimvp infer --help)");
    expect_error(
        "infer zoo:small_cnn_cifar10 --input random:x",
        "cimvp infer: error: bad --input 'random:x', expected random:SEED with a non-negative integer seed (see "
        "cimvp infer --help)");
    expect_error("infer zoo:small_cnn_cifar10 --input nothing.npy", "nothing.npy: error: cannot open file");
    expect_error("infer zoo:small_cnn_cifar10 --input random:1 --int --float",
                 "cimvp infer: error: give only one of --int and --float (see cimvp infer --help)");
    expect_error("infer zoo:small_cnn_cifar10 --input random:1 --frobnicate",
                 "cimvp infer: error: unknown option '--frobnicate' (see cimvp infer --help)");
    expect_error("infer zoo:small_cnn_cifar10 --input",
                 "cimvp infer: error: option --input needs a value (see cimvp infer --help)");
    const std::string wrong_shape = temp_path("wrong.npy");
    io::write_npy(ir::Tensor::from_values<float>("x", {1, 3}, {1, 2, 3}), wrong_shape);
    expect_error("infer zoo:small_cnn_cifar10 --input " + wrong_shape,
                 "cimvp infer: error: " + wrong_shape +
                     ": input has shape 1x3, the model expects 1x3x32x32 (see cimvp infer --help)");
}

}  // namespace
}  // namespace cimvp
