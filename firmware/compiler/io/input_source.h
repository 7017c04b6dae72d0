// Where a network's input comes from, as the tools name it: `random:SEED` (a seeded random image,
// passes::random_input) or a float32 tensor file (.npy or ONNX TensorProto .pb).
#pragma once

#include <stdexcept>
#include <string>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::io {

// A source that names no usable input: a bad seed, a tensor of the wrong type or shape.
class InputSourceError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The float input for graph input `input` from `source`; `option` names the setting in messages
// ("--input", "input"). Throws InputSourceError, or read_tensor_file's error for an unreadable file.
ir::Tensor read_input_source(const ir::Graph& graph, const std::string& input, const std::string& source,
                             const std::string& option);

}  // namespace cimvp::io
