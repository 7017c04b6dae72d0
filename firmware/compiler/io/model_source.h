// Where the command line finds a network: an ONNX file, or `zoo:NAME` for a zoo model.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::io {

// "zoo:NAME" builds zoo model NAME (default seed); anything else is imported as an ONNX file with
// `input_shapes` overriding the model's input shapes. Errors are one line naming the model.
ir::Graph load_model(const std::string& source, const std::map<std::string, ir::Shape>& input_shapes = {});

// Parses "NAME=1x3x224x224" into `shapes`; throws std::runtime_error quoting `text` when malformed.
void parse_input_shape(const std::string& text, std::map<std::string, ir::Shape>& shapes);

}  // namespace cimvp::io
