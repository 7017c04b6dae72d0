// `cimvp infer`: runs the reference interpreter (float, or the exact integer semantics) on one input
// and prints the top-5 classes.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <numeric>
#include <stdexcept>

#include "firmware/compiler/interpreter/integer_interpreter.h"
#include "firmware/compiler/io/input_source.h"
#include "firmware/compiler/io/model_source.h"
#include "firmware/compiler/io/tensor_file.h"
#include "firmware/compiler/passes/quantize.h"
#include "firmware/compiler/passes/quantize_network.h"
#include "platform/cli/command.h"

namespace cimvp::cli {
namespace {

constexpr std::size_t kTop = 5;

[[noreturn]] void usage_error(const std::string& message) {
    throw std::runtime_error("cimvp infer: error: " + message + " (see cimvp infer --help)");
}

ir::Tensor read_input(const ir::Graph& graph, const std::string& source) {
    try {
        return io::read_input_source(graph, graph.inputs.at(0), source, "--input");
    } catch (const io::InputSourceError& error) {
        usage_error(error.what());
    }
}

// One block per image of the batch: `top-5: I1 ... I5`, then one line per class.
void print_top(const ir::Tensor& output) {
    const auto scores = output.as_doubles();
    const std::size_t images = output.shape.size() > 1 ? static_cast<std::size_t>(output.shape[0]) : 1;
    const std::size_t per_image = scores.size() / std::max<std::size_t>(1, images);
    for (std::size_t image = 0; image < images; ++image) {
        const double* row = scores.data() + image * per_image;
        std::vector<std::size_t> order(per_image);
        std::iota(order.begin(), order.end(), 0);
        // Highest score first; ties keep the lower index first.
        std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return row[a] > row[b]; });
        order.resize(std::min(kTop, order.size()));
        if (images > 1) std::cout << "image " << image << " ";
        std::cout << "top-" << order.size() << ":";
        for (std::size_t index : order) std::cout << " " << index;
        std::cout << "\n";
        for (std::size_t rank = 0; rank < order.size(); ++rank) {
            char line[96];
            std::snprintf(line, sizeof line, "  #%zu  class %-5zu score %.6g\n", rank + 1, order[rank],
                          row[order[rank]]);
            std::cout << line;
        }
    }
}

int run(const std::vector<std::string>& args) {
    std::string model, input_source, output_path;
    std::map<std::string, ir::Shape> input_shapes;
    passes::QuantConfig config;
    std::string precision = "w8a8";
    std::string mode;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        const bool takes_value = arg == "--input" || arg == "--output" || arg == "--quantize" || arg == "--input-shape";
        if (takes_value && i + 1 == args.size()) usage_error("option " + arg + " needs a value");
        if (arg == "--int" || arg == "--float") {
            if (!mode.empty() && mode != arg) usage_error("give only one of --int and --float");
            mode = arg;
        } else if (arg == "--input") {
            input_source = args[++i];
        } else if (arg == "--output") {
            output_path = args[++i];
        } else if (arg == "--quantize") {
            precision = args[++i];
        } else if (arg == "--input-shape") {
            io::parse_input_shape(args[++i], input_shapes);
        } else if (arg.rfind("--", 0) == 0) {
            usage_error("unknown option '" + arg + "'");
        } else if (model.empty()) {
            model = arg;
        } else {
            usage_error("unexpected argument '" + arg + "'");
        }
    }
    passes::parse_precision(precision, config);
    if (model.empty()) usage_error("missing MODEL (an .onnx file or zoo:NAME)");
    if (input_source.empty()) usage_error("missing --input FILE.npy|FILE.pb|random:SEED");
    const bool integer = mode != "--float";

    const ir::Graph graph = io::load_model(model, input_shapes);
    if (graph.inputs.size() != 1 || graph.outputs.size() != 1) {
        usage_error(model + ": infer runs models with one input and one output");
    }
    const ir::Tensor input = read_input(graph, input_source);
    ir::Tensor output;
    if (integer) {
        const ir::Graph quantized = passes::quantize_network_on_random_inputs(graph, config);
        const auto quantized_input = passes::quantize_input(input, quantized.tensor(graph.inputs[0]).quant);
        output = passes::dequantize_output(
            interpreter::run_integer(quantized, {{graph.inputs[0], quantized_input}}).at(graph.outputs[0]));
        std::cout << "integer inference (" << precision << ")\n";
    } else {
        output = ir::run_float(graph, {{graph.inputs[0], input}}).at(graph.outputs[0]);
        std::cout << "float inference\n";
    }
    print_top(output);
    if (!output_path.empty()) io::write_tensor_file(output, output_path);
    return 0;
}

}  // namespace

CIMVP_REGISTER_COMMAND("infer", "run the reference interpreter on one input and print the top-5 classes",
                       "usage: cimvp infer MODEL [--int|--float] --input FILE|random:SEED [--output FILE]\n"
                       "                   [--quantize wXaY] [--input-shape NAME=DIMS]...\n\n"
                       "MODEL is an ONNX file or zoo:NAME (see cimvp zoo list).\n"
                       "  --int             exact integer semantics (the default): batch norm folded, weights and\n"
                       "                    activations quantized as --quantize says, calibrated on 4 seeded\n"
                       "                    random inputs; the printed scores are the dequantized outputs\n"
                       "  --float           float32 reference\n"
                       "  --input SOURCE    a float32 NCHW tensor as .npy or ONNX TensorProto .pb, or random:SEED\n"
                       "                    (per-channel random mean and contrast around N(0,1) pixel noise)\n"
                       "  --output FILE     write the output scores as float32 .npy or .pb\n"
                       "  --quantize wXaY   integer precision, X and Y in 2..8 (default w8a8)\n"
                       "  --input-shape N=D shape of graph input N, for ONNX models with dynamic dimensions\n\n"
                       "Prints `top-5: I1 I2 I3 I4 I5` (class indices, highest score first, ties by lower index)\n"
                       "and one line per class with its score; for a batch, one such block per image, its\n"
                       "first line starting with `image N`.\n",
                       run);

}  // namespace cimvp::cli
