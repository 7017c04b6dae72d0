#include "firmware/compiler/io/input_source.h"

#include "firmware/compiler/io/tensor_file.h"
#include "firmware/compiler/passes/calibrate.h"

namespace cimvp::io {

ir::Tensor read_input_source(const ir::Graph& graph, const std::string& input, const std::string& source,
                             const std::string& option) {
    const std::string random = "random:";
    if (source.compare(0, random.size(), random) == 0) {
        const std::string seed = source.substr(random.size());
        if (seed.empty() || seed.find_first_not_of("0123456789") != std::string::npos) {
            throw InputSourceError("bad " + option + " '" + source +
                                   "', expected random:SEED with a non-negative integer seed");
        }
        return passes::random_input(graph, input, std::stoull(seed), "input");
    }
    ir::Tensor tensor = read_tensor_file(source);
    const ir::Shape& expected = graph.tensor(input).shape;
    if (tensor.type != ir::DataType::kFloat32) throw InputSourceError(source + ": input must be float32");
    if (tensor.shape != expected) {
        throw InputSourceError(source + ": input has shape " + ir::to_string(tensor.shape) + ", the model expects " +
                               ir::to_string(expected));
    }
    tensor.name = input;
    return tensor;
}

}  // namespace cimvp::io
