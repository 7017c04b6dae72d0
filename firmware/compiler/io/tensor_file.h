// Tensor files for `cimvp infer`: chosen by extension, .npy (float32 NCHW) or .pb (ONNX TensorProto).
#pragma once

#include <string>

#include "firmware/compiler/ir/tensor.h"

namespace cimvp::io {

// Throws std::runtime_error starting with `path` for an unknown extension or an unreadable file.
ir::Tensor read_tensor_file(const std::string& path);
void write_tensor_file(const ir::Tensor& tensor, const std::string& path);

}  // namespace cimvp::io
