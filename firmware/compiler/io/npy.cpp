#include "firmware/compiler/io/npy.h"

#include <cstdint>
#include <fstream>
#include <iterator>
#include <regex>
#include <stdexcept>

namespace cimvp::io {
namespace {

const std::string kMagic = "\x93NUMPY";

[[noreturn]] void fail(const std::string& path, const std::string& message) {
    throw std::runtime_error(path + ": error: " + message);
}

// The header is a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }.
std::string header_field(const std::string& header, const std::string& key, const std::string& path) {
    const std::regex pattern("['\"]" + key + "['\"]\\s*:\\s*('[^']*'|\"[^\"]*\"|True|False|\\([^)]*\\))");
    std::smatch match;
    if (!std::regex_search(header, match, pattern)) fail(path, "npy header has no '" + key + "' field");
    return match[1];
}

ir::Shape parse_shape(const std::string& tuple, const std::string& path) {
    ir::Shape shape;
    const std::regex number("\\s*(\\d+)\\s*(,|$)");
    std::string body = tuple.substr(1, tuple.size() - 2);  // drop the parentheses
    for (std::sregex_iterator it(body.begin(), body.end(), number), end; it != end; ++it) {
        shape.push_back(std::stoll((*it)[1]));
    }
    if (shape.empty() && body.find_first_not_of(" ,") != std::string::npos) {
        fail(path, "npy header has an unreadable shape " + tuple);
    }
    return shape;
}

}  // namespace

ir::Tensor read_npy(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) fail(path, "cannot open file");
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (bytes.size() < 10 || bytes.compare(0, kMagic.size(), kMagic) != 0) fail(path, "not a .npy file (bad magic)");
    const int major = static_cast<uint8_t>(bytes[6]);
    std::size_t header_length = 0;
    std::size_t header_start = 0;
    if (major == 1) {
        header_length = static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8;
        header_start = 10;
    } else if (major == 2 || major == 3) {
        if (bytes.size() < 12) fail(path, "truncated npy header");
        for (int i = 3; i >= 0; --i) header_length = header_length << 8 | static_cast<uint8_t>(bytes[8 + i]);
        header_start = 12;
    } else {
        fail(path, "unsupported npy format version " + std::to_string(major));
    }
    if (header_start + header_length > bytes.size()) fail(path, "truncated npy header");
    const std::string header = bytes.substr(header_start, header_length);
    const std::string descr = header_field(header, "descr", path);
    if (descr != "'<f4'" && descr != "\"<f4\"") fail(path, "npy dtype is " + descr + ", expected float32 '<f4'");
    if (header_field(header, "fortran_order", path) != "False") fail(path, "npy array is in Fortran order");
    ir::Tensor tensor("input", ir::DataType::kFloat32, parse_shape(header_field(header, "shape", path), path));
    const std::size_t data_bytes = static_cast<std::size_t>(tensor.element_count()) * sizeof(float);
    const std::size_t data_start = header_start + header_length;
    if (bytes.size() - data_start != data_bytes) {
        fail(path, "npy data holds " + std::to_string(bytes.size() - data_start) + " bytes, shape " +
                       ir::to_string(tensor.shape) + " needs " + std::to_string(data_bytes));
    }
    tensor.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(data_start), bytes.end());
    return tensor;
}

void write_npy(const ir::Tensor& tensor, const std::string& path) {
    if (tensor.type != ir::DataType::kFloat32) fail(path, "only float32 tensors are written as .npy");
    std::string shape;
    for (auto dim : tensor.shape) shape += (shape.empty() ? "" : ", ") + std::to_string(dim);
    shape = "(" + shape + (tensor.shape.size() == 1 ? ",)" : ")");  // Python spells a 1-tuple (3,)
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape + ", }";
    // The whole preamble is padded with spaces to a multiple of 64 bytes and ends in a newline.
    const std::size_t preamble = kMagic.size() + 4;
    header.append(64 - (preamble + header.size() + 1) % 64, ' ');
    header += '\n';
    std::ofstream file(path, std::ios::binary);
    if (!file) fail(path, "cannot write file");
    file << kMagic << '\x01' << '\x00' << static_cast<char>(header.size() & 0xff)
         << static_cast<char>(header.size() >> 8) << header;
    file.write(reinterpret_cast<const char*>(tensor.data.data()), static_cast<std::streamsize>(tensor.data.size()));
    if (!file) fail(path, "cannot write file");
}

}  // namespace cimvp::io
