#include "firmware/compiler/onnx/tensor_proto.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::ir {

DataType from_onnx_data_type(int onnx_type, const std::string& context) {
    DataType type;
    if (!from_onnx_type_code(onnx_type, type)) {
        throw UnsupportedError(context + ": unsupported data type " +
                               onnx::TensorProto::DataType_Name(static_cast<onnx::TensorProto::DataType>(onnx_type)));
    }
    return type;
}

int to_onnx_data_type(DataType type) { return onnx_type_code(type); }

namespace {

int64_t parse_count(const std::string& text, const std::string& key, const std::string& where) {
    std::size_t used = 0;
    int64_t value = -1;
    try {
        value = std::stoll(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || value < 0) {
        throw std::runtime_error(where + "external data " + key + " '" + text + "' is not a byte count");
    }
    return value;
}

std::string read_external(const onnx::TensorProto& proto, const std::string& base_dir, const std::string& where) {
    std::string location;
    int64_t offset = 0;
    int64_t length = -1;
    for (const auto& entry : proto.external_data()) {
        if (entry.key() == "location") location = entry.value();
        if (entry.key() == "offset") offset = parse_count(entry.value(), "offset", where);
        if (entry.key() == "length") length = parse_count(entry.value(), "length", where);
    }
    if (location.empty()) throw std::runtime_error(where + "external data without a location");
    const std::filesystem::path file = std::filesystem::path(base_dir) / location;
    std::ifstream stream(file, std::ios::binary);
    if (!stream) throw std::runtime_error(where + "external data file '" + file.string() + "' cannot be opened");
    const auto size = static_cast<int64_t>(std::filesystem::file_size(file));
    if (length < 0) length = size - offset;
    if (offset + length > size) {
        throw std::runtime_error(where + "external data range [" + std::to_string(offset) + ", " +
                                 std::to_string(offset + length) + ") exceeds '" + file.string() + "' (" +
                                 std::to_string(size) + " bytes)");
    }
    std::string bytes(static_cast<std::size_t>(length), '\0');
    stream.seekg(offset);
    stream.read(bytes.data(), length);
    return bytes;
}

template <typename Out, typename Repeated>
void copy_repeated(const Repeated& source, Tensor& tensor) {
    for (int i = 0; i < source.size(); ++i) tensor.values<Out>()[i] = static_cast<Out>(source.Get(i));
}

}  // namespace

Tensor from_tensor_proto(const onnx::TensorProto& proto, const std::string& base_dir, const std::string& context) {
    const std::string where = (context.empty() ? "" : context + ": ") + "tensor '" + proto.name() + "': ";
    if (proto.has_segment()) throw UnsupportedError(where + "unsupported segmented tensor");
    Shape shape(proto.dims().begin(), proto.dims().end());
    const DataType type = from_onnx_data_type(proto.data_type(), where.substr(0, where.size() - 2));
    int64_t count = 1;
    for (int64_t dim : shape) {
        if (dim < 0) throw std::runtime_error(where + "negative dimension in " + to_string(shape));
        if (dim > 0 && count > (int64_t{1} << 40) / dim) {
            throw std::runtime_error(where + "implausible shape " + to_string(shape));
        }
        count *= dim;
    }
    const auto expected_bytes = static_cast<std::size_t>(count) * element_size(type);

    std::string raw;
    bool has_raw = false;
    if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
        raw = read_external(proto, base_dir, where);
        has_raw = true;
    } else if (proto.has_raw_data()) {
        raw = proto.raw_data();
        has_raw = true;
    }
    // Sizes are checked before allocating, so a corrupt header cannot ask for terabytes.
    if (has_raw && raw.size() != expected_bytes) {
        throw std::runtime_error(where + std::to_string(raw.size()) + " bytes of data for " + to_string(type) + " " +
                                 to_string(shape) + " (" + std::to_string(expected_bytes) + " expected)");
    }
    const int typed_count = type == DataType::kFloat32 ? proto.float_data_size()
                            : type == DataType::kInt64 ? proto.int64_data_size()
                                                       : proto.int32_data_size();
    if (!has_raw && typed_count != count) {
        throw std::runtime_error(where + std::to_string(typed_count) + " values for shape " + to_string(shape));
    }
    Tensor tensor = Tensor::zeros(proto.name(), type, shape);
    if (has_raw) {
        if (!raw.empty())
            std::memcpy(tensor.data.data(), raw.data(), raw.size());  // ONNX raw data is little-endian, as is the host
        return tensor;
    }
    switch (tensor.type) {
        case DataType::kFloat32:
            copy_repeated<float>(proto.float_data(), tensor);
            break;
        case DataType::kInt64:
            copy_repeated<int64_t>(proto.int64_data(), tensor);
            break;
        case DataType::kInt32:
            copy_repeated<int32_t>(proto.int32_data(), tensor);
            break;
        case DataType::kInt8:
            copy_repeated<int8_t>(proto.int32_data(), tensor);
            break;
        case DataType::kUint8:
            copy_repeated<uint8_t>(proto.int32_data(), tensor);
            break;
    }
    return tensor;
}

onnx::TensorProto to_tensor_proto(const Tensor& tensor) {
    onnx::TensorProto proto;
    proto.set_name(tensor.name);
    proto.set_data_type(to_onnx_data_type(tensor.type));
    for (int64_t dim : tensor.shape) proto.add_dims(dim);
    proto.set_raw_data(std::string(tensor.data.begin(), tensor.data.end()));
    return proto;
}

Tensor read_tensor_proto_file(const std::string& path) {
    std::ifstream stream(path, std::ios::binary);
    if (!stream) throw std::runtime_error(path + ": error: cannot open file");
    onnx::TensorProto proto;
    if (!proto.ParseFromIstream(&stream)) throw std::runtime_error(path + ": error: not a serialized ONNX TensorProto");
    return from_tensor_proto(proto, std::filesystem::path(path).parent_path().string(), path);
}

void write_tensor_proto_file(const Tensor& tensor, const std::string& path) {
    std::ofstream stream(path, std::ios::binary);
    if (!stream || !to_tensor_proto(tensor).SerializeToOstream(&stream)) {
        throw std::runtime_error(path + ": error: cannot write file");
    }
}

}  // namespace cimvp::ir
