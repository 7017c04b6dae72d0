// `cimvp compile`: imports a network (ONNX or zoo), optionally quantizes it, and reports it.
// Later work adds --target (a platform netlist) and --out (the program image).
#include <iostream>
#include <map>
#include <regex>
#include <stdexcept>

#include "firmware/compiler/io/model_source.h"
#include "firmware/compiler/ir/summary.h"
#include "firmware/compiler/passes/quantize_network.h"
#include "firmware/backend/network_compiler.h"
#include "firmware/backend/target.h"
#include "firmware/isa/hex.h"
#include "platform/cli/command.h"
#include "platform/netlist.h"
#include "platform/platform.h"

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
    backend::BackendOptions backend_options;
    bool mapping_options = false;  // --no-replicate or --overlap-bands given
    std::string target_file, out_file;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const bool takes_value = arg == "--quantize" || arg == "--input-shape" || arg == "--calibration" ||
                                 arg == "--target" || arg == "--out" || arg == "--overlap-bands";
        if (takes_value && i + 1 == args.size()) usage_error("option " + arg + " needs a value");
        if (arg == "--quantize") {
            passes::parse_precision(args[++i], config);
            quantize = true;
        } else if (arg == "--input-shape") {
            io::parse_input_shape(args[++i], input_shapes);
        } else if (arg == "--calibration") {
            parse_calibration(args[++i], config);
        } else if (arg == "--target") {
            target_file = args[++i];
        } else if (arg == "--out") {
            out_file = args[++i];
        } else if (arg == "--summary") {
            summary = true;
        } else if (arg == "--no-replicate") {
            backend_options.replicate = false;
            mapping_options = true;
        } else if (arg == "--overlap-bands") {
            try {
                backend_options.overlap_bands = backend::parse_overlap_bands(args[++i]);
            } catch (const std::invalid_argument& error) {
                usage_error(error.what());
            }
            mapping_options = true;
        } else if (arg.rfind("--", 0) == 0) {
            usage_error("unknown option '" + arg + "'");
        } else if (model.empty()) {
            model = arg;
        } else {
            usage_error("unexpected argument '" + arg + "'");
        }
    }
    if (model.empty()) usage_error("missing MODEL (an .onnx file or zoo:NAME)");
    if (target_file.empty() != out_file.empty()) usage_error("--target and --out go together");
    if (!summary && target_file.empty()) usage_error("nothing to do: give --summary, or --target and --out");
    if (!target_file.empty() && !quantize) usage_error("the back end maps integer networks: give --quantize wXaY");
    if (target_file.empty() && mapping_options) usage_error("--no-replicate and --overlap-bands go with --target");
    ir::Graph graph = io::load_model(model, input_shapes);
    if (quantize) {
        graph = passes::quantize_network_on_random_inputs(graph, config);
    }
    if (summary) std::cout << ir::format_summary(ir::summarize(graph));
    if (!target_file.empty()) {
        // The target is the netlist itself: the platform is built (not simulated) to read it.
        const Platform platform(parse_netlist(load_yaml_file(target_file), target_file));
        const backend::CompiledNetwork compiled =
            backend::compile_network(graph, backend::describe_target(platform), backend_options);
        isa::write_file_bytes(out_file, compiled.image_bytes);
        std::cout << backend::format_mapping(compiled) << "wrote " << out_file << ": " << compiled.image_bytes.size()
                  << " bytes, "
                  << compiled.image.code.size() << " instructions; load it at " << isa::to_hex(compiled.image_address)
                  << "\n";
    }
    return 0;
}

}  // namespace

CIMVP_REGISTER_COMMAND("compile", "compile a network (ONNX or zoo:NAME): its summary, or a program image for a platform",
                       "usage: cimvp compile MODEL [--quantize wXaY] [--calibration minmax|percentile[:P]]\n"
                       "                     [--input-shape NAME=DIMS]... [--summary]\n"
                       "                     [--target NETLIST --out IMAGE [--no-replicate] [--overlap-bands MODE]]\n\n"
                       "MODEL is an ONNX file or zoo:NAME (see cimvp zoo list).\n"
                       "  --quantize wXaY      fold batch norm and quantize: X-bit weights per output channel,\n"
                       "                       Y-bit activations (X, Y in 2..8), calibrated on 4 seeded random\n"
                       "                       inputs; the summary then shows the integer graph\n"
                       "  --calibration MODE   activation ranges from the largest magnitude (minmax, default) or\n"
                       "                       a percentile of magnitudes (percentile = 99.99, or percentile:P)\n"
                       "  --input-shape N=D    shape of graph input N, e.g. input=1x3x224x224 (needed for\n"
                       "                       ONNX models with dynamic dimensions)\n"
                       "  --summary            print the per-layer table (op, shapes, params, MACs, weight bytes)\n"
                       "  --target NETLIST     map the quantized network onto the platform NETLIST (docs/backend.md)\n"
                       "  --out IMAGE          write the program image there and print the per-layer mapping\n"
                       "  --no-replicate       do not copy the weights of layers that leave cores idle onto those\n"
                       "                       cores (the network workload's replicate: false)\n"
                       "  --overlap-bands MODE when_weights_stay (default), always or never: where a band's\n"
                       "                       requantization overlaps the next band's MVMs (the workload's\n"
                       "                       overlap_bands)\n",
                       run);

}  // namespace cimvp::cli
