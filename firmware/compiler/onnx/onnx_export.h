// Writes a float ir::Graph as an ONNX model (opset 13, or the first opset that has every operator the
// graph uses; weights as initializers). Operators outside ONNX (cimvp's own) cannot be exported.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::ir {

onnx::ModelProto to_onnx_model(const Graph& graph);
// Throws std::runtime_error starting with `path` when the file cannot be written.
void export_onnx(const Graph& graph, const std::string& path);

}  // namespace cimvp::ir
