// Tensor files: NumPy .npy (byte-compatible with numpy.save) and ONNX TensorProto .pb.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "firmware/compiler/io/model_source.h"
#include "firmware/compiler/io/npy.h"
#include "firmware/compiler/io/tensor_file.h"

namespace cimvp::io {
namespace {

std::string temp_path(const std::string& name) {
    return ::testing::TempDir() + "/io_test_" + std::to_string(::getpid()) + "_" + name;
}

std::string read_bytes(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

std::string npy_header(const std::string& dict) {
    std::string header = dict;
    header.append(64 - (10 + header.size() + 1) % 64, ' ');
    header += '\n';
    return std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(header.size()) + '\0' + header;
}

std::string float_bytes(const std::vector<float>& values) {
    return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
}

std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const std::exception& error) {
        return error.what();
    }
    return "no error";
}

TEST(Npy, WritesWhatNumpySaveWrites) {
    const ir::Tensor tensor = ir::Tensor::from_values<float>("t", {2, 3}, {1, 2, 3, 4, 5, 6});
    const std::string path = temp_path("written.npy");
    write_npy(tensor, path);
    // numpy.save(np.arange(1, 7, dtype='<f4').reshape(2, 3)): a 128-byte preamble, then the data.
    const std::string expected =
        npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }") + float_bytes({1, 2, 3, 4, 5, 6});
    EXPECT_EQ(read_bytes(path), expected);
    EXPECT_EQ(expected.size(), 128u + 24u);
}

TEST(Npy, RoundTripsShapesAndValues) {
    for (const ir::Shape& shape : {ir::Shape{1, 3, 4, 5}, ir::Shape{7}, ir::Shape{}}) {
        std::vector<float> values(static_cast<std::size_t>(ir::element_count(shape)));
        for (std::size_t i = 0; i < values.size(); ++i) values[i] = 0.5f * static_cast<float>(i) - 3.25f;
        const std::string path = temp_path("round_trip.npy");
        write_npy(ir::Tensor::from_values<float>("t", shape, values), path);
        const ir::Tensor back = read_npy(path);
        EXPECT_EQ(back.shape, shape);
        EXPECT_EQ(back.as_doubles(), ir::Tensor::from_values<float>("t", shape, values).as_doubles());
    }
}

TEST(Npy, ReadsVersion2HeadersAndDoubleQuotes) {
    std::string dict = "{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,), }";
    dict.append(64 - (12 + dict.size() + 1) % 64, ' ');
    dict += '\n';
    std::string bytes = std::string("\x93NUMPY\x02\x00", 8) + static_cast<char>(dict.size()) + std::string(3, '\0') +
                        dict + float_bytes({1.5f, -2.0f});
    const std::string path = temp_path("v2.npy");
    write_bytes(path, bytes);
    const ir::Tensor tensor = read_npy(path);
    EXPECT_EQ(tensor.shape, (ir::Shape{2}));
    EXPECT_EQ(tensor.as_doubles(), (std::vector<double>{1.5, -2.0}));
}

TEST(Npy, BadFilesGiveOneLineNamingTheFile) {
    const std::string path = temp_path("bad.npy");
    EXPECT_EQ(error_of([&] { read_npy(path + ".missing"); }), path + ".missing: error: cannot open file");
    write_bytes(path, "PK\x03\x04 not numpy at all");
    EXPECT_EQ(error_of([&] { read_npy(path); }), path + ": error: not a .npy file (bad magic)");
    write_bytes(path, npy_header("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }") + std::string(8, '\0'));
    EXPECT_EQ(error_of([&] { read_npy(path); }), path + ": error: npy dtype is '<f8', expected float32 '<f4'");
    write_bytes(path, npy_header("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }") + float_bytes({1}));
    EXPECT_EQ(error_of([&] { read_npy(path); }), path + ": error: npy array is in Fortran order");
    write_bytes(path, npy_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }") + float_bytes({1}));
    EXPECT_EQ(error_of([&] { read_npy(path); }), path + ": error: npy data holds 4 bytes, shape 2x2 needs 16");
}

TEST(TensorFile, ChoosesTheFormatByExtension) {
    const ir::Tensor tensor = ir::Tensor::from_values<float>("x", {1, 2}, {0.25f, -8.0f});
    for (const std::string name : {"t.npy", "t.pb"}) {
        const std::string path = temp_path(name);
        write_tensor_file(tensor, path);
        const ir::Tensor back = read_tensor_file(path);
        EXPECT_EQ(back.shape, tensor.shape) << name;
        EXPECT_EQ(back.as_doubles(), tensor.as_doubles()) << name;
    }
    EXPECT_EQ(error_of([&] { read_tensor_file("input.txt"); }),
              "input.txt: error: unknown tensor file type, expected .npy or .pb");
}

TEST(ModelSource, ParsesInputShapes) {
    std::map<std::string, ir::Shape> shapes;
    parse_input_shape("input=1x3x224x224", shapes);
    parse_input_shape("data=8", shapes);
    EXPECT_EQ(shapes.at("input"), (ir::Shape{1, 3, 224, 224}));
    EXPECT_EQ(shapes.at("data"), (ir::Shape{8}));
    EXPECT_EQ(error_of([&] { parse_input_shape("input=1x3x", shapes); }),
              "bad input shape 'input=1x3x': expected NAME=DIMS, e.g. input=1x3x224x224");
}

TEST(ModelSource, ZooModelsWithAnInputShape) {
    const ir::Graph graph = load_model("zoo:small_cnn_cifar10", {{"input", {1, 3, 64, 64}}});
    EXPECT_EQ(graph.tensor("input").shape, (ir::Shape{1, 3, 64, 64}));
    EXPECT_EQ(graph.tensor(graph.outputs[0]).shape, (ir::Shape{1, 10}));
    EXPECT_EQ(error_of([&] {
                  load_model("zoo:small_cnn_cifar10", {{"image", {1, 3, 8, 8}}});
              }),
              "zoo:small_cnn_cifar10: no input named 'image'");
}

}  // namespace
}  // namespace cimvp::io
