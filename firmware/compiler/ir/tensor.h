// Tensors of the compiler IR: a named, typed, shaped value with optional constant data and
// optional quantization parameters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace cimvp::ir {

enum class DataType { kFloat32, kInt8, kUint8, kInt32, kInt64 };

std::string to_string(DataType type);
std::size_t element_size(DataType type);

// ONNX's TensorProto.DataType numbers, which ONNX attributes such as Cast's `to` hold.
int onnx_type_code(DataType type);
// False for a code the IR has no type for.
bool from_onnx_type_code(int64_t code, DataType& type);

// Maps a C++ element type to its DataType, so typed accessors can check what they read.
template <typename T>
struct DataTypeOf;
template <>
struct DataTypeOf<float> {
    static constexpr DataType value = DataType::kFloat32;
};
template <>
struct DataTypeOf<int8_t> {
    static constexpr DataType value = DataType::kInt8;
};
template <>
struct DataTypeOf<uint8_t> {
    static constexpr DataType value = DataType::kUint8;
};
template <>
struct DataTypeOf<int32_t> {
    static constexpr DataType value = DataType::kInt32;
};
template <>
struct DataTypeOf<int64_t> {
    static constexpr DataType value = DataType::kInt64;
};

using Shape = std::vector<int64_t>;

// Product of the dimensions; 1 for a scalar (empty shape).
int64_t element_count(const Shape& shape);
// "1x3x224x224"; "scalar" for an empty shape.
std::string to_string(const Shape& shape);

// How a tensor's integers map to real values: real = scale * (q - zero_point).
// Empty `scale` means the tensor is not quantized. One scale is per-tensor; `scale.size()` equal to
// the size of dimension `axis` is per-channel (e.g. per output channel of a conv weight, axis 0).
struct QuantParams {
    int bits = 0;
    bool is_signed = true;
    std::vector<float> scale;
    std::vector<int32_t> zero_point;  // empty, one value, or one per channel like `scale`
    int axis = 0;

    bool is_quantized() const { return !scale.empty(); }
    bool is_per_channel() const { return scale.size() > 1; }
};

// A value of the graph. Constant tensors (initializers) carry their elements in `data` as raw
// little-endian bytes; values computed at run time have empty `data`.
struct Tensor {
    std::string name;
    DataType type = DataType::kFloat32;
    Shape shape;
    std::vector<uint8_t> data;
    QuantParams quant;

    Tensor() = default;
    Tensor(std::string name, DataType type, Shape shape) : name(std::move(name)), type(type), shape(std::move(shape)) {}

    // A tensor with every element allocated and zeroed.
    static Tensor zeros(std::string name, DataType type, Shape shape);
    // A tensor holding `values`, whose count must match the shape.
    template <typename T>
    static Tensor from_values(std::string name, Shape shape, const std::vector<T>& values);

    bool has_data() const { return !data.empty(); }
    int64_t element_count() const { return ir::element_count(shape); }

    // Typed views of `data`; they throw std::logic_error when T does not match `type`.
    template <typename T>
    T* values();
    template <typename T>
    const T* values() const;

    // The elements widened to double/int64, whatever the stored integer or float type.
    std::vector<double> as_doubles() const;
    std::vector<int64_t> as_int64s() const;
};

// Throws std::logic_error naming the tensor when `expected` differs from its type.
void check_type(const Tensor& tensor, DataType expected);

template <typename T>
Tensor Tensor::from_values(std::string name, Shape shape, const std::vector<T>& values) {
    Tensor tensor(std::move(name), DataTypeOf<T>::value, std::move(shape));
    if (static_cast<int64_t>(values.size()) != tensor.element_count()) {
        throw std::logic_error("tensor '" + tensor.name + "': " + std::to_string(values.size()) + " values for shape " +
                               to_string(tensor.shape));
    }
    tensor.data.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(tensor.data.data(), values.data(), tensor.data.size());
    return tensor;
}

template <typename T>
T* Tensor::values() {
    check_type(*this, DataTypeOf<T>::value);
    return reinterpret_cast<T*>(data.data());
}

template <typename T>
const T* Tensor::values() const {
    check_type(*this, DataTypeOf<T>::value);
    return reinterpret_cast<const T*>(data.data());
}

}  // namespace cimvp::ir
