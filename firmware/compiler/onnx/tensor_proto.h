// Conversion between ONNX TensorProto and ir::Tensor.
#pragma once

#include <onnx/onnx_pb.h>

#include <string>

#include "firmware/compiler/ir/tensor.h"

namespace cimvp::ir {

// ONNX TensorProto.DataType numbers. Reading throws UnsupportedError starting with `context` for
// types the IR lacks.
DataType from_onnx_data_type(int onnx_type, const std::string& context);
int to_onnx_data_type(DataType type);

// Reads a TensorProto. `base_dir` resolves external data (data_location EXTERNAL, with location,
// offset and length relative to the model's folder). `context` starts every error message (e.g. the
// model's path; empty for none). Throws std::runtime_error for an unsupported data type or missing/short data.
Tensor from_tensor_proto(const onnx::TensorProto& proto, const std::string& base_dir, const std::string& context);

// Writes raw_data in little-endian order.
onnx::TensorProto to_tensor_proto(const Tensor& tensor);

// A serialized TensorProto file (e.g. the ONNX test data input_0.pb); errors start with the path.
Tensor read_tensor_proto_file(const std::string& path);
void write_tensor_proto_file(const Tensor& tensor, const std::string& path);

}  // namespace cimvp::ir
