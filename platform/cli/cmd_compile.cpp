// `cimvp compile`: imports a network (ONNX or zoo), optionally quantizes it, and reports it.
// Later work adds --target (a platform netlist) and --out (the program image).
#include <iostream>
#include <map>
#include <regex>
#include <stdexcept>

#include "firmware/compiler/io/model_source.h"
#include "firmware/compiler/ir/summary.h"
#include "firmware/compiler/passes/quantize_network.h"
#include "platform/cli/command.h"

namespace cimvp::cli {
namespace {


[[noreturn]] void usage_error(const std::string& message) {
    throw std::runtime_error("cimvp compile: error: " + message + " (see cimvp compile --help)");
}

// "minmax", "percentile" or "percentile:P".
void parse_calibration(const std::string& text, passes::QuantConfig& config) {
    static const std::regex pattern("minmax|percentile(:([0-9]+(\\.[0-9]*)?))?");
    std::smatch match;
    if (!std::regex_match(text, match, pattern)) {
        usage_error("bad --calibration '" + text + "', expected minmax, percentile or percentile:P");
    }
    config.calibration = text == "minmax" ? passes::Calibration::kMinMax : passes::Calibration::kPercentile;
    if (match[2].matched) config.percentile = std::stod(match[2]);
    passes::validate(config);
}

int run(const std::vector<std::string>& args) {
    std::string model;
    std::map<std::string, ir::Shape> input_shapes;
    passes::QuantConfig config;
    bool quantize = false;
    bool summary = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const bool takes_value = arg == "--quantize" || arg == "--input-shape" || arg == "--calibration";
        if (takes_value && i + 1 == args.size()) usage_error("option " + arg + " needs a value");
        if (arg == "--quantize") {
            passes::parse_precision(args[++i], config);
            quantize = true;
        } else if (arg == "--input-shape") {
            io::parse_input_shape(args[++i], input_shapes);
        } else if (arg == "--calibration") {
            parse_calibration(args[++i], config);
        } else if (arg == "--summary") {
            summary = true;
        } else if (arg.rfind("--", 0) == 0) {
            usage_error("unknown option '" + arg + "'");
        } else if (model.empty()) {
            model = arg;
        } else {
            usage_error("unexpected argument '" + arg + "'");
        }
    }
    if (model.empty()) usage_error("missing MODEL (an .onnx file or zoo:NAME)");
    if (!summary) usage_error("nothing to do: give --summary");
    ir::Graph graph = io::load_model(model, input_shapes);
    if (quantize) {
        graph = passes::quantize_network_on_random_inputs(graph, config);
    }
    std::cout << ir::format_summary(ir::summarize(graph));
    return 0;
}

}  // namespace

CIMVP_REGISTER_COMMAND("compile", "compile a network (ONNX or zoo:NAME) and print its per-layer summary",
                       "usage: cimvp compile MODEL [--quantize wXaY] [--calibration minmax|percentile[:P]]\n"
                       "                     [--input-shape NAME=DIMS]... --summary\n\n"
                       "MODEL is an ONNX file or zoo:NAME (see cimvp zoo list).\n"
                       "  --quantize wXaY      fold batch norm and quantize: X-bit weights per output channel,\n"
                       "                       Y-bit activations (X, Y in 2..8), calibrated on 4 seeded random\n"
                       "                       inputs; the summary then shows the integer graph\n"
                       "  --calibration MODE   activation ranges from the largest magnitude (minmax, default) or\n"
                       "                       a percentile of magnitudes (percentile = 99.99, or percentile:P)\n"
                       "  --input-shape N=D    shape of graph input N, e.g. input=1x3x224x224 (needed for\n"
                       "                       ONNX models with dynamic dimensions)\n"
                       "  --summary            print the per-layer table (op, shapes, params, MACs, weight bytes)\n",
                       run);

}  // namespace cimvp::cli
