#include "firmware/compiler/io/model_source.h"

#include <regex>
#include <stdexcept>

#include "firmware/compiler/ir/shape_inference.h"
#include "firmware/compiler/onnx/onnx_import.h"
#include "firmware/compiler/zoo/zoo.h"

namespace cimvp::io {

ir::Graph load_model(const std::string& source, const std::map<std::string, ir::Shape>& input_shapes) {
    const std::string prefix = "zoo:";
    if (source.compare(0, prefix.size(), prefix) != 0) {
        ir::ImportOptions options;
        options.input_shapes = input_shapes;
        return ir::import_onnx(source, options);
    }
    ir::Graph graph = zoo::build_model(source.substr(prefix.size()));
    for (const auto& [name, shape] : input_shapes) {
        if (!graph.is_graph_input(name)) throw std::runtime_error(source + ": no input named '" + name + "'");
        graph.values[name].shape = shape;
    }
    return input_shapes.empty() ? graph : ir::infer_shapes(std::move(graph));
}

void parse_input_shape(const std::string& text, std::map<std::string, ir::Shape>& shapes) {
    static const std::regex pattern("([^=]+)=([0-9]+(x[0-9]+)*)");
    std::smatch match;
    if (!std::regex_match(text, match, pattern)) {
        throw std::runtime_error("bad input shape '" + text + "': expected NAME=DIMS, e.g. input=1x3x224x224");
    }
    ir::Shape shape;
    const std::string dims = match[2];
    for (std::size_t start = 0; start <= dims.size();) {
        const std::size_t end = std::min(dims.find('x', start), dims.size());
        shape.push_back(std::stoll(dims.substr(start, end - start)));
        start = end + 1;
    }
    shapes[match[1]] = shape;
}

}  // namespace cimvp::io
