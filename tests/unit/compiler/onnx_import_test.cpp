// ONNX import: models built here in code, written to a temporary folder, read back; every error is
// asserted by its message.
#include "firmware/compiler/onnx/onnx_import.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "firmware/compiler/interpreter/float_interpreter.h"
#include "firmware/compiler/onnx/tensor_proto.h"
#include "platform/error.h"

namespace cimvp::ir {
namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;

class OnnxImport : public testing::Test {
protected:
    void SetUp() override {
        folder_ = fs::path(testing::TempDir()) / ("cimvp_import_" + std::to_string(::getpid()) + "_" +
                                                  testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::create_directories(folder_);
        auto* opset = model_.add_opset_import();
        opset->set_version(13);
        model_.set_ir_version(7);
        model_.mutable_graph()->set_name("test");
    }
    void TearDown() override { fs::remove_all(folder_); }

    void add_input(const std::string& name, const std::vector<std::string>& dims, int type = onnx::TensorProto::FLOAT) {
        auto* input = model_.mutable_graph()->add_input();
        input->set_name(name);
        auto* tensor_type = input->mutable_type()->mutable_tensor_type();
        tensor_type->set_elem_type(type);
        for (const auto& dim : dims) {
            auto* d = tensor_type->mutable_shape()->add_dim();
            if (std::isdigit(static_cast<unsigned char>(dim[0]))) {
                d->set_dim_value(std::stoll(dim));
            } else {
                d->set_dim_param(dim);
            }
        }
    }
    onnx::NodeProto& add_node(const std::string& name, const std::string& op, std::vector<std::string> inputs,
                              std::vector<std::string> outputs) {
        auto* node = model_.mutable_graph()->add_node();
        node->set_name(name);
        node->set_op_type(op);
        for (const auto& input : inputs) node->add_input(input);
        for (const auto& output : outputs) node->add_output(output);
        return *node;
    }
    void add_output(const std::string& name) { model_.mutable_graph()->add_output()->set_name(name); }
    void add_initializer(const Tensor& tensor) { *model_.mutable_graph()->add_initializer() = to_tensor_proto(tensor); }

    std::string write() {
        const std::string path = (folder_ / "model.onnx").string();
        std::ofstream stream(path, std::ios::binary);
        model_.SerializeToOstream(&stream);
        return path;
    }

    fs::path folder_;
    onnx::ModelProto model_;
};

template <typename Error>
std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& error) {
        return error.what();
    } catch (const std::exception& error) {
        return std::string("wrong exception type: ") + error.what();
    }
    return "no error";
}

TEST_F(OnnxImport, ReadsASmallModelAndRunsIt) {
    add_input("x", {"1", "2", "3", "3"});
    add_initializer(Tensor::from_values<float>("w", {1, 2, 1, 1}, {2, -1}));
    add_node("conv", "Conv", {"x", "w"}, {"c"});
    add_node("relu", "Relu", {"c"}, {"y"});
    add_output("y");
    const Graph graph = import_onnx(write());
    EXPECT_EQ(graph.name, "test");
    EXPECT_EQ(graph.inputs, (std::vector<std::string>{"x"}));
    EXPECT_EQ(graph.tensor("y").shape, (Shape{1, 1, 3, 3}));
    std::vector<float> x(18);
    for (int i = 0; i < 18; ++i)
        x[static_cast<std::size_t>(i)] = static_cast<float>(i % 9 - 4);  // channel 1 = channel 0
    const auto y = run_float(graph, {{"x", Tensor::from_values<float>("x", {1, 2, 3, 3}, x)}}).at("y");
    for (int i = 0; i < 9; ++i) EXPECT_EQ(y.values<float>()[i], std::max(0.0f, static_cast<float>(i - 4)));
}

TEST_F(OnnxImport, MissingFile) {
    const std::string path = (folder_ / "absent.onnx").string();
    EXPECT_EQ(error_of<ConfigError>([&] { import_onnx(path); }), path + ": error: no such file");
}

TEST_F(OnnxImport, CorruptFile) {
    const std::string path = (folder_ / "corrupt.onnx").string();
    std::ofstream(path) << "this is not a protobuf \xff\xff\xff";
    EXPECT_EQ(error_of<ConfigError>([&] { import_onnx(path); }),
              path + ": error: not a valid ONNX model (corrupt or truncated file)");
    // A model cut short in the middle of its weights.
    add_input("x", {"1", "4"});
    add_initializer(Tensor::from_values<float>("w", {4, 4}, std::vector<float>(16, 1.0f)));
    add_node("mm", "MatMul", {"x", "w"}, {"y"});
    add_output("y");
    const std::string full = write();
    const auto size = fs::file_size(full);
    fs::resize_file(full, size - 20);
    EXPECT_EQ(error_of<ConfigError>([&] { import_onnx(full); }),
              full + ": error: not a valid ONNX model (corrupt or truncated file)");
}

TEST_F(OnnxImport, UnsupportedOperatorNamesTheNodeAndOpType) {
    add_input("x", {"1", "4"});
    add_node("weird", "Frobnicate", {"x"}, {"y"});
    add_output("y");
    const std::string path = write();
    EXPECT_EQ(error_of<UnsupportedError>([&] { import_onnx(path); }),
              path + ": error: node 'weird' (Frobnicate): unsupported operator Frobnicate");
}

TEST_F(OnnxImport, UnsupportedAttributeNamesTheNode) {
    add_input("x", {"1", "1", "4", "4"});
    add_initializer(Tensor::from_values<float>("w", {1, 1, 1, 1}, {1}));
    auto& node = add_node("conv", "Conv", {"x", "w"}, {"y"});
    auto* attribute = node.add_attribute();
    attribute->set_name("bogus");
    attribute->set_type(onnx::AttributeProto::INT);
    attribute->set_i(1);
    add_output("y");
    const std::string path = write();
    EXPECT_EQ(error_of<UnsupportedError>([&] { import_onnx(path); }),
              path + ": error: Conv 'conv': unsupported attribute 'bogus'");
}

TEST_F(OnnxImport, DynamicInputNeedsAShape) {
    add_input("x", {"N", "3", "4", "4"});
    add_node("relu", "Relu", {"x"}, {"y"});
    add_output("y");
    const std::string path = write();
    EXPECT_EQ(error_of<ConfigError>([&] { import_onnx(path); }),
              path + ": error: input 'x' has dynamic shape Nx3x4x4; give a static shape with --input-shape x=...");
    ImportOptions options;
    options.input_shapes["x"] = {2, 3, 4, 4};
    EXPECT_EQ(import_onnx(path, options).tensor("y").shape, (Shape{2, 3, 4, 4}));
    options.input_shapes["z"] = {1};
    EXPECT_EQ(error_of<ConfigError>([&] { import_onnx(path, options); }),
              path + ": error: --input-shape names 'z', which is not a graph input");
}

TEST_F(OnnxImport, ExternalDataIsReadRelativeToTheModel) {
    const std::vector<float> weights = {1.5f, -2.0f, 0.25f, 4.0f};
    {
        std::ofstream blob(folder_ / "weights.bin", std::ios::binary);
        blob.write("12345678", 8);  // the tensor starts at offset 8
        blob.write(reinterpret_cast<const char*>(weights.data()), 16);
    }
    add_input("x", {"1", "2"});
    auto* w = model_.mutable_graph()->add_initializer();
    w->set_name("w");
    w->set_data_type(onnx::TensorProto::FLOAT);
    w->add_dims(2);
    w->add_dims(2);
    w->set_data_location(onnx::TensorProto::EXTERNAL);
    for (auto [key, value] : {std::pair{"location", "weights.bin"}, {"offset", "8"}, {"length", "16"}}) {
        auto* entry = w->add_external_data();
        entry->set_key(key);
        entry->set_value(value);
    }
    add_node("mm", "MatMul", {"x", "w"}, {"y"});
    add_output("y");
    const std::string path = write();
    const Graph graph = import_onnx(path);
    EXPECT_EQ(
        std::vector<float>(graph.initializers.at("w").values<float>(), graph.initializers.at("w").values<float>() + 4),
        weights);

    w->mutable_external_data(0)->set_value("missing.bin");
    const std::string broken = write();
    EXPECT_EQ(error_of<ConfigError>([&] { import_onnx(broken); }),
              broken + ": error: tensor 'w': external data file '" + (folder_ / "missing.bin").string() +
                  "' cannot be opened");
    w->mutable_external_data(0)->set_value("weights.bin");
    w->mutable_external_data(1)->set_value("20");
    const std::string short_file = write();
    EXPECT_THAT(error_of<ConfigError>([&] { import_onnx(short_file); }),
                HasSubstr("external data range [20, 36) exceeds"));
    w->mutable_external_data(1)->set_value("eight");
    const std::string bad_offset = write();
    EXPECT_EQ(error_of<ConfigError>([&] { import_onnx(bad_offset); }),
              bad_offset + ": error: tensor 'w': external data offset 'eight' is not a byte count");
}

TEST_F(OnnxImport, ConstantNodesBecomeInitializers) {
    add_input("x", {"2", "3"});
    auto& constant = add_node("shape", "Constant", {}, {"target"});
    auto* value = constant.add_attribute();
    value->set_name("value");
    value->set_type(onnx::AttributeProto::TENSOR);
    *value->mutable_t() = to_tensor_proto(Tensor::from_values<int64_t>("", {1}, {-1}));
    add_node("flat", "Reshape", {"x", "target"}, {"y"});
    add_output("y");
    const Graph graph = import_onnx(write());
    ASSERT_TRUE(graph.is_initializer("target"));
    EXPECT_EQ(graph.initializers.at("target").as_int64s(), (std::vector<int64_t>{-1}));
    EXPECT_EQ(graph.nodes.size(), 1u);
    EXPECT_EQ(graph.tensor("y").shape, (Shape{6}));
}

TEST_F(OnnxImport, OpsetRange) {
    add_input("x", {"1", "4"});
    add_node("relu", "Relu", {"x"}, {"y"});
    add_output("y");
    model_.mutable_opset_import(0)->set_version(18);
    const std::string path = write();
    EXPECT_EQ(error_of<UnsupportedError>([&] { import_onnx(path); }),
              path + ": error: unsupported opset 18 (supported: 9 to 17)");
    // Relu changed at opset 6 and 13; at opset 8 it has the version it has at opset 9.
    model_.mutable_opset_import(0)->set_version(8);
    EXPECT_NO_THROW(import_onnx(write()));
    // At opset 5 it does not.
    model_.mutable_opset_import(0)->set_version(5);
    write();
    EXPECT_EQ(error_of<UnsupportedError>([&] { import_onnx(path); }),
              path + ": error: unsupported opset 5 (supported: 9 to 17): Relu changed since");
}

TEST_F(OnnxImport, LegacySoftmaxFlattensTrailingAxes) {
    model_.mutable_opset_import(0)->set_version(11);
    add_input("x", {"1", "2", "2"});
    add_node("soft", "Softmax", {"x"}, {"y"});  // axis 1: one softmax over all 4 values
    add_output("y");
    const Graph graph = import_onnx(write());
    ASSERT_EQ(graph.nodes.size(), 3u);  // Flatten, Softmax, Reshape to the folded input shape
    const float l3 = std::log(3.0f);
    const auto y = run_float(graph, {{"x", Tensor::from_values<float>("x", {1, 2, 2}, {0, 0, l3, l3})}}).at("y");
    ASSERT_EQ(y.shape, (Shape{1, 2, 2}));
    const std::vector<float> expected = {0.125f, 0.125f, 0.375f, 0.375f};
    for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(y.values<float>()[i], expected[i], 1e-6);
}

TEST_F(OnnxImport, OlderAttributeFormsBecomeInputs) {
    model_.mutable_opset_import(0)->set_version(10);
    add_input("x", {"1", "4"});
    auto& clip = add_node("clip", "Clip", {"x"}, {"c"});
    for (auto [name, value] : {std::pair{"min", -1.0f}, {"max", 2.0f}}) {
        auto* attribute = clip.add_attribute();
        attribute->set_name(name);
        attribute->set_type(onnx::AttributeProto::FLOAT);
        attribute->set_f(value);
    }
    auto& squeeze = add_node("squeeze", "Unsqueeze", {"c"}, {"y"});
    auto* axes = squeeze.add_attribute();
    axes->set_name("axes");
    axes->set_type(onnx::AttributeProto::INTS);
    axes->add_ints(0);
    add_output("y");
    const Graph graph = import_onnx(write());
    EXPECT_EQ(graph.nodes[0].inputs, (std::vector<std::string>{"x", "clip/min", "clip/max"}));
    EXPECT_TRUE(graph.nodes[0].attributes.empty());
    EXPECT_EQ(graph.initializers.at("squeeze/axes").as_int64s(), (std::vector<int64_t>{0}));
    EXPECT_EQ(graph.tensor("y").shape, (Shape{1, 1, 4}));
    const auto y = run_float(graph, {{"x", Tensor::from_values<float>("x", {1, 4}, {-3, 0, 1.5f, 7})}}).at("y");
    EXPECT_EQ(std::vector<float>(y.values<float>(), y.values<float>() + 4), (std::vector<float>{-1, 0, 1.5f, 2}));
}

TEST_F(OnnxImport, LegacySoftmaxOfAConstantIsFoldedWithTheOldMeaning) {
    model_.mutable_opset_import(0)->set_version(11);
    add_input("x", {"1", "4"});
    const float l3 = std::log(3.0f);
    add_initializer(Tensor::from_values<float>("c", {1, 2, 2}, {0, 0, l3, l3}));
    add_node("soft", "Softmax", {"c"}, {"s"});  // axis 1 over a constant: one softmax over all 4 values
    add_node("shape", "Constant", {}, {"flat_shape"});
    auto* value = model_.mutable_graph()->mutable_node(1)->add_attribute();
    value->set_name("value");
    value->set_type(onnx::AttributeProto::TENSOR);
    *value->mutable_t() = to_tensor_proto(Tensor::from_values<int64_t>("", {2}, {1, 4}));
    add_node("flat", "Reshape", {"s", "flat_shape"}, {"sf"});
    add_node("sum", "Add", {"x", "sf"}, {"y"});
    add_output("y");
    const Graph graph = import_onnx(write());
    ASSERT_EQ(graph.nodes.size(), 1u);
    const auto y = run_float(graph, {{"x", Tensor::from_values<float>("x", {1, 4}, {0, 0, 0, 0})}}).at("y");
    const std::vector<float> expected = {0.125f, 0.125f, 0.375f, 0.375f};
    for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(y.values<float>()[i], expected[i], 1e-6);
}

TEST_F(OnnxImport, ConstantOfShapeBecomesAnExpandOfItsValue) {
    add_input("x", {"2", "3"});
    add_initializer(Tensor::from_values<int64_t>("dims", {2}, {2, 3}));
    auto& node = add_node("fill", "ConstantOfShape", {"dims"}, {"sevens"});
    auto* value = node.add_attribute();
    value->set_name("value");
    value->set_type(onnx::AttributeProto::TENSOR);
    *value->mutable_t() = to_tensor_proto(Tensor::from_values<float>("", {1}, {7}));
    add_node("sum", "Add", {"x", "sevens"}, {"y"});
    add_output("y");
    const Graph graph = import_onnx(write());
    ASSERT_EQ(graph.nodes.size(), 1u);  // the Expand of constants was folded
    EXPECT_EQ(graph.initializers.at("sevens").as_doubles(), std::vector<double>(6, 7.0));
}

TEST_F(OnnxImport, ShapeErrorsStartWithThePath) {
    add_input("a", {"2", "3"});
    add_input("b", {"4", "3"});
    add_node("sum", "Add", {"a", "b"}, {"y"});
    add_output("y");
    const std::string path = write();
    EXPECT_EQ(error_of<ConfigError>([&] { import_onnx(path); }),
              path + ": error: Add 'sum': shapes 2x3 and 4x3 do not broadcast");
}

TEST_F(OnnxImport, UnsupportedDataTypeIsNamed) {
    add_input("x", {"4"}, onnx::TensorProto::FLOAT16);
    add_node("relu", "Relu", {"x"}, {"y"});
    add_output("y");
    const std::string path = write();
    EXPECT_EQ(error_of<UnsupportedError>([&] { import_onnx(path); }),
              path + ": error: input 'x': unsupported data type FLOAT16");
}

}  // namespace
}  // namespace cimvp::ir
