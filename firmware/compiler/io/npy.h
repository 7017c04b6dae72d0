// NumPy .npy files holding one float32 array (C order), the exchange format of `cimvp infer`.
#pragma once

#include <string>

#include "firmware/compiler/ir/tensor.h"

namespace cimvp::io {

// Reads a little-endian float32 C-order array of format version 1, 2 or 3. Every error is one
// line starting with `path`: missing file, bad magic, another dtype, Fortran order, short data.
ir::Tensor read_npy(const std::string& path);

// Writes `tensor` (float32) as a version 1.0 .npy file; errors start with `path`.
void write_npy(const ir::Tensor& tensor, const std::string& path);

}  // namespace cimvp::io
