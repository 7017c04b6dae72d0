// Runs the ONNX backend node tests shipped by Debian's libonnx-testdata through the importer and the
// float interpreter. Each supported case is its own test (named after its folder); the Summary test
// runs every case in one process and prints the totals and the unsupported cases with their reasons.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "firmware/compiler/interpreter/float_interpreter.h"
#include "firmware/compiler/ir/shape_inference.h"
#include "firmware/compiler/onnx/onnx_import.h"
#include "firmware/compiler/onnx/tensor_proto.h"

namespace cimvp::ir {
namespace {

namespace fs = std::filesystem;

const fs::path kSuite = "/usr/share/libonnx-testdata/data/node";
constexpr double kRelativeTolerance = 1e-3;
constexpr double kAbsoluteTolerance = 1e-7;

enum class Outcome { kPassed, kFailed, kSkipped };

struct CaseResult {
    Outcome outcome = Outcome::kPassed;
    std::string detail;  // why it failed or was skipped
};

onnx::ModelProto read_model(const fs::path& file) {
    std::ifstream stream(file, std::ios::binary);
    onnx::ModelProto model;
    if (!model.ParseFromIstream(&stream)) throw std::runtime_error(file.string() + ": cannot parse");
    return model;
}

// Graph inputs that are not initializers, in order: test_data_set_0/input_N.pb feeds the N-th.
std::vector<std::string> runtime_inputs(const onnx::ModelProto& model) {
    std::set<std::string> constants;
    for (const auto& initializer : model.graph().initializer()) constants.insert(initializer.name());
    std::vector<std::string> names;
    for (const auto& input : model.graph().input()) {
        if (!constants.count(input.name())) names.push_back(input.name());
    }
    return names;
}

int declared_type(const onnx::ModelProto& model, const std::string& input) {
    for (const auto& value : model.graph().input()) {
        if (value.name() == input && value.type().has_tensor_type()) return value.type().tensor_type().elem_type();
    }
    return onnx::TensorProto::UNDEFINED;
}

// Operators the importer reads: those with a shape function, and those it turns into others.
bool is_imported_operator(const std::string& op_type) {
    return op_type == "Constant" || op_type == "ConstantOfShape" || has_shape_function(op_type);
}

// A case is attempted when all its operators have an implementation; attributes and types are
// then checked by the importer, which rejects what it does not implement.
bool uses_only_known_operators(const onnx::ModelProto& model) {
    for (const auto& node : model.graph().node()) {
        if (!is_imported_operator(node.op_type())) return false;
    }
    return true;
}

std::string first_unknown_operator(const onnx::ModelProto& model) {
    for (const auto& node : model.graph().node()) {
        if (!is_imported_operator(node.op_type())) return node.op_type();
    }
    return "";
}

std::string compare(const std::string& name, const Tensor& actual, const Tensor& expected) {
    if (actual.type != expected.type || actual.shape != expected.shape) {
        return "output '" + name + "' is " + to_string(actual.type) + " " + to_string(actual.shape) + ", expected " +
               to_string(expected.type) + " " + to_string(expected.shape);
    }
    const auto got = actual.as_doubles();
    const auto want = expected.as_doubles();
    for (std::size_t i = 0; i < got.size(); ++i) {
        const bool both_nan = std::isnan(got[i]) && std::isnan(want[i]);
        if (both_nan || got[i] == want[i]) continue;
        if (!(std::fabs(got[i] - want[i]) <= kAbsoluteTolerance + kRelativeTolerance * std::fabs(want[i]))) {
            std::ostringstream message;
            message << "output '" << name << "' element " << i << " is " << got[i] << ", expected " << want[i];
            return message.str();
        }
    }
    return "";
}

CaseResult run_case(const fs::path& folder) {
    const onnx::ModelProto model = read_model(folder / "model.onnx");
    if (!uses_only_known_operators(model)) {
        return {Outcome::kSkipped, "unsupported operator " + first_unknown_operator(model)};
    }
    const fs::path data = folder / "test_data_set_0";
    const auto input_names = runtime_inputs(model);
    auto input_file = [&](std::size_t i) { return (data / ("input_" + std::to_string(i) + ".pb")).string(); };
    // Shapes are compile-time constants in cimvp: a shape operand the test feeds as an int64 input is frozen.
    ImportOptions options;
    for (std::size_t i = 0; i < input_names.size(); ++i) {
        if (declared_type(model, input_names[i]) == onnx::TensorProto::INT64) {
            options.constant_inputs[input_names[i]] = read_tensor_proto_file(input_file(i));
        }
    }
    Graph graph;
    try {
        graph = import_onnx((folder / "model.onnx").string(), options);
    } catch (const UnsupportedError& error) {
        std::string reason = error.what();
        reason = reason.substr(reason.find("error: ") + 7);
        return {Outcome::kSkipped, reason};
    }
    TensorMap inputs;
    for (std::size_t i = 0; i < input_names.size(); ++i) {
        if (options.constant_inputs.count(input_names[i])) continue;
        Tensor value = read_tensor_proto_file(input_file(i));
        value.name = input_names[i];
        inputs[value.name] = std::move(value);
    }
    const TensorMap outputs = run_float(graph, inputs);
    for (std::size_t i = 0; i < graph.outputs.size(); ++i) {
        const Tensor expected = read_tensor_proto_file((data / ("output_" + std::to_string(i) + ".pb")).string());
        const std::string mismatch = compare(graph.outputs[i], outputs.at(graph.outputs[i]), expected);
        if (!mismatch.empty()) return {Outcome::kFailed, mismatch};
    }
    return {Outcome::kPassed, ""};
}

CaseResult run_case_safely(const fs::path& folder) {
    try {
        return run_case(folder);
    } catch (const UnsupportedError& error) {
        return {Outcome::kSkipped, error.what()};
    } catch (const std::exception& error) {
        return {Outcome::kFailed, error.what()};
    }
}

std::vector<fs::path> all_cases() {
    std::vector<fs::path> folders;
    if (!fs::is_directory(kSuite)) return folders;
    for (const auto& entry : fs::directory_iterator(kSuite)) {
        if (fs::exists(entry.path() / "model.onnx")) folders.push_back(entry.path());
    }
    std::sort(folders.begin(), folders.end());
    return folders;
}

// The cases registered as their own tests: every operator known (before attribute and type checks).
std::vector<std::string> attempted_cases() {
    std::vector<std::string> names;
    for (const auto& folder : all_cases()) {
        if (uses_only_known_operators(read_model(folder / "model.onnx"))) names.push_back(folder.filename().string());
    }
    return names;
}

class NodeTest : public testing::TestWithParam<std::string> {};

TEST_P(NodeTest, MatchesReference) {
    const CaseResult result = run_case_safely(kSuite / GetParam());
    if (result.outcome == Outcome::kSkipped) GTEST_SKIP() << "unsupported: " << result.detail;
    EXPECT_EQ(result.outcome, Outcome::kPassed) << result.detail;
}

INSTANTIATE_TEST_SUITE_P(OnnxNode, NodeTest, testing::ValuesIn(attempted_cases()),
                         [](const testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(OnnxNodeSuite, Summary) {
    const auto folders = all_cases();
    ASSERT_FALSE(folders.empty()) << "no test cases in " << kSuite << " (install libonnx-testdata)";
    int passed = 0;
    int failed = 0;
    int skipped = 0;
    for (const auto& folder : folders) {
        const CaseResult result = run_case_safely(folder);
        const std::string name = folder.filename().string();
        switch (result.outcome) {
            case Outcome::kPassed:
                ++passed;
                std::cout << "passed " << name << "\n";
                break;
            case Outcome::kFailed:
                ++failed;
                std::cout << "FAILED " << name << ": " << result.detail << "\n";
                break;
            case Outcome::kSkipped:
                ++skipped;
                std::cout << "skipped " << name << ": unsupported: " << result.detail << "\n";
                break;
        }
    }
    std::cout << passed << " passed, " << failed << " failed, " << skipped << " skipped" << std::endl;
    EXPECT_EQ(failed, 0);
    EXPECT_GT(passed, 0);
}

}  // namespace
}  // namespace cimvp::ir
