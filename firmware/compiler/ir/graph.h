// The compiler's graph IR: nodes with a string op type and typed attributes over named tensors.
//
// Op types are plain strings (ONNX names such as "Conv", or cimvp's own such as a later
// weight-pool conv), so new operators need no change here. A node input named "" is an absent
// optional input, as in ONNX.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "firmware/compiler/ir/tensor.h"

namespace cimvp::ir {

// An operator, attribute, data type or opset the compiler does not implement, as opposed to input
// that is wrong. Callers may treat it differently (the conformance suite skips such cases).
class UnsupportedError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using AttributeValue = std::variant<int64_t, float, std::string, std::vector<int64_t>, std::vector<float>>;

struct Node {
    std::string name;
    std::string op_type;
    std::vector<std::string> inputs;
    std::vector<std::string> outputs;
    std::map<std::string, AttributeValue> attributes;

    bool has_attribute(const std::string& key) const { return attributes.count(key) > 0; }
    // Typed getters: return `fallback` when the attribute is absent, throw std::runtime_error
    // naming the node when it is present with another type.
    int64_t attribute_int(const std::string& key, int64_t fallback) const;
    float attribute_float(const std::string& key, float fallback) const;
    std::string attribute_string(const std::string& key, const std::string& fallback) const;
    std::vector<int64_t> attribute_ints(const std::string& key, const std::vector<int64_t>& fallback) const;
    std::vector<float> attribute_floats(const std::string& key, const std::vector<float>& fallback) const;

    // Input `index`, or "" when the node has fewer inputs (an absent optional input).
    const std::string& input(std::size_t index) const;
    // "Conv 'conv1'" — how errors name a node.
    std::string describe() const;
};

class Graph {
public:
    std::string name;
    std::vector<std::string> inputs;             // run-time inputs, in order; their shapes are in `values`
    std::vector<std::string> outputs;            // in order
    std::map<std::string, Tensor> initializers;  // constants, with data
    std::vector<Node> nodes;                     // in topological order once sorted/validated
    // Type, shape and quantization of every non-constant value (graph inputs, node outputs);
    // shape inference fills the node outputs.
    std::map<std::string, Tensor> values;

    bool is_initializer(const std::string& value) const { return initializers.count(value) > 0; }
    bool is_graph_input(const std::string& value) const;
    // The initializer or value info named `value`; throws std::runtime_error when there is none.
    const Tensor& tensor(const std::string& value) const;
    Tensor& tensor(const std::string& value);
    bool has_tensor(const std::string& value) const;

    // Index of the node producing `value`, or -1 (graph input, initializer or unknown).
    int producer(const std::string& value) const;
    // Indices of the nodes reading `value`, in node order.
    std::vector<int> consumers(const std::string& value) const;
    // Index of the node named `node_name`, or -1.
    int find_node(const std::string& node_name) const;

    // Appends a node (call topological_sort() if it is not in order) and returns it.
    Node& add_node(Node node);
    // Inserts a node at position `index`.
    Node& insert_node(std::size_t index, Node node);
    // Removes node `index` and the value infos of its outputs.
    void remove_node(std::size_t index);
    // Makes every reader of `from` (nodes and graph outputs) read `to` instead.
    void replace_uses(const std::string& from, const std::string& to);
    // Drops initializers and value infos no node or graph output refers to, as an input, an output
    // or a string attribute that names an initializer.
    void remove_unused_tensors();

    // Reorders nodes so every node comes after the producers of its inputs (stable for graphs
    // already in order). Throws std::runtime_error naming a node on or behind a cycle.
    void topological_sort();
    // Throws std::runtime_error with one line for the first problem: a value produced twice, a node
    // input or graph output that nothing defines, nodes out of order, a graph input without a value info.
    void validate() const;
};

}  // namespace cimvp::ir
