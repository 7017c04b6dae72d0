// The integer reference interpreter: the golden model of the quantized graph (integer_ops.h,
// semantics in docs/ir.md). The simulated chip must reproduce its outputs bit for bit.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "firmware/compiler/interpreter/float_interpreter.h"

namespace cimvp::interpreter {

class IntegerInterpreter {
   public:
    // Checks every node and packs the weights once, so repeated runs cost only the arithmetic.
    // Throws std::runtime_error naming the node for an op without an integer kernel.
    explicit IntegerInterpreter(const ir::Graph& graph);
    ~IntegerInterpreter();
    IntegerInterpreter(const IntegerInterpreter&) = delete;
    IntegerInterpreter& operator=(const IntegerInterpreter&) = delete;

    // `inputs` are integer tensors keyed by graph input name (see passes::quantize_input); the
    // outputs are integer tensors carrying their quantization parameters.
    ir::TensorMap run(const ir::TensorMap& inputs) const;

    struct Plan;  // the prepared steps, opaque outside the implementation

   private:
    std::unique_ptr<Plan> plan_;
};

// Builds an interpreter and runs it once.
ir::TensorMap run_integer(const ir::Graph& graph, const ir::TensorMap& inputs);

}  // namespace cimvp::interpreter
