#include "firmware/compiler/ir/tensor.h"

#include <stdexcept>
#include <utility>

namespace cimvp::ir {

std::string to_string(DataType type) {
    switch (type) {
        case DataType::kFloat32:
            return "float32";
        case DataType::kInt8:
            return "int8";
        case DataType::kUint8:
            return "uint8";
        case DataType::kInt32:
            return "int32";
        case DataType::kInt64:
            return "int64";
    }
    return "unknown";
}

std::size_t element_size(DataType type) {
    switch (type) {
        case DataType::kInt8:
        case DataType::kUint8:
            return 1;
        case DataType::kFloat32:
        case DataType::kInt32:
            return 4;
        case DataType::kInt64:
            return 8;
    }
    return 0;
}

namespace {

// From onnx.proto: FLOAT = 1, UINT8 = 2, INT8 = 3, INT32 = 6, INT64 = 7.
constexpr std::pair<DataType, int> kOnnxCodes[] = {
    {DataType::kFloat32, 1}, {DataType::kUint8, 2}, {DataType::kInt8, 3}, {DataType::kInt32, 6}, {DataType::kInt64, 7}};

}  // namespace

int onnx_type_code(DataType type) {
    for (const auto& [known, code] : kOnnxCodes) {
        if (known == type) return code;
    }
    return 0;
}

bool from_onnx_type_code(int64_t code, DataType& type) {
    for (const auto& [known, known_code] : kOnnxCodes) {
        if (known_code == code) {
            type = known;
            return true;
        }
    }
    return false;
}

int64_t element_count(const Shape& shape) {
    int64_t count = 1;
    for (int64_t dim : shape) count *= dim;
    return count;
}

std::string to_string(const Shape& shape) {
    if (shape.empty()) return "scalar";
    std::string text;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) text += "x";
        text += std::to_string(shape[i]);
    }
    return text;
}

Tensor Tensor::zeros(std::string name, DataType type, Shape shape) {
    Tensor tensor(std::move(name), type, std::move(shape));
    tensor.data.assign(static_cast<std::size_t>(tensor.element_count()) * element_size(type), 0);
    return tensor;
}

void check_type(const Tensor& tensor, DataType expected) {
    if (tensor.type != expected) {
        throw std::logic_error("tensor '" + tensor.name + "' is " + to_string(tensor.type) + ", read as " +
                               to_string(expected));
    }
}

namespace {

template <typename Out>
std::vector<Out> widen(const Tensor& tensor) {
    const auto count = static_cast<std::size_t>(tensor.element_count());
    std::vector<Out> out(count);
    if (tensor.data.size() != count * element_size(tensor.type)) {
        throw std::logic_error("tensor '" + tensor.name + "' has no data of shape " + to_string(tensor.shape));
    }
    auto copy = [&](const auto* in) {
        for (std::size_t i = 0; i < count; ++i) out[i] = static_cast<Out>(in[i]);
    };
    switch (tensor.type) {
        case DataType::kFloat32:
            copy(tensor.values<float>());
            break;
        case DataType::kInt8:
            copy(tensor.values<int8_t>());
            break;
        case DataType::kUint8:
            copy(tensor.values<uint8_t>());
            break;
        case DataType::kInt32:
            copy(tensor.values<int32_t>());
            break;
        case DataType::kInt64:
            copy(tensor.values<int64_t>());
            break;
    }
    return out;
}

}  // namespace

std::vector<double> Tensor::as_doubles() const { return widen<double>(*this); }

std::vector<int64_t> Tensor::as_int64s() const { return widen<int64_t>(*this); }

}  // namespace cimvp::ir
