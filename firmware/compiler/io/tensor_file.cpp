#include "firmware/compiler/io/tensor_file.h"

#include <stdexcept>

#include "firmware/compiler/io/npy.h"
#include "firmware/compiler/onnx/tensor_proto.h"

namespace cimvp::io {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

[[noreturn]] void unknown_extension(const std::string& path) {
    throw std::runtime_error(path + ": error: unknown tensor file type, expected .npy or .pb");
}

}  // namespace

ir::Tensor read_tensor_file(const std::string& path) {
    if (ends_with(path, ".npy")) return read_npy(path);
    if (ends_with(path, ".pb")) return ir::read_tensor_proto_file(path);
    unknown_extension(path);
}

void write_tensor_file(const ir::Tensor& tensor, const std::string& path) {
    if (ends_with(path, ".npy")) return write_npy(tensor, path);
    if (ends_with(path, ".pb")) return ir::write_tensor_proto_file(tensor, path);
    unknown_extension(path);
}

}  // namespace cimvp::io
