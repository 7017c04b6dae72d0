// Reads an ONNX model (opset 9 to 17, weights as initializers or external data) into the IR.
#pragma once

#include <map>
#include <string>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::ir {

struct ImportOptions {
    // Shapes for graph inputs, overriding the model's (required for inputs with dynamic dimensions).
    std::map<std::string, Shape> input_shapes;
    // Graph inputs to freeze into initializers with the given data (e.g. a Reshape's target shape
    // that a model feeds as an input); they are no longer run-time inputs.
    std::map<std::string, Tensor> constant_inputs;
};

// Imports the model at `path`: Constant nodes become initializers, graph inputs that are also
// initializers are constants, values known at compile time are folded into initializers, and shapes
// are inferred. Every error is one line starting with the path: missing or corrupt file, unsupported
// opset/operator/attribute/data type (UnsupportedError, naming the node and op type), dynamic input
// shape without an override, external data that cannot be read (ConfigError).
Graph import_onnx(const std::string& path, const ImportOptions& options = {});

}  // namespace cimvp::ir
