#include "firmware/compiler/ir/graph.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

namespace cimvp::ir {

namespace {

template <typename T>
T typed_attribute(const Node& node, const std::string& key, const T& fallback, const char* kind) {
    auto found = node.attributes.find(key);
    if (found == node.attributes.end()) return fallback;
    if (const T* value = std::get_if<T>(&found->second)) return *value;
    throw std::runtime_error(node.describe() + ": attribute '" + key + "' is not " + kind);
}

}  // namespace

int64_t Node::attribute_int(const std::string& key, int64_t fallback) const {
    return typed_attribute<int64_t>(*this, key, fallback, "an int");
}

float Node::attribute_float(const std::string& key, float fallback) const {
    return typed_attribute<float>(*this, key, fallback, "a float");
}

std::string Node::attribute_string(const std::string& key, const std::string& fallback) const {
    return typed_attribute<std::string>(*this, key, fallback, "a string");
}

std::vector<int64_t> Node::attribute_ints(const std::string& key, const std::vector<int64_t>& fallback) const {
    return typed_attribute<std::vector<int64_t>>(*this, key, fallback, "a list of ints");
}

std::vector<float> Node::attribute_floats(const std::string& key, const std::vector<float>& fallback) const {
    return typed_attribute<std::vector<float>>(*this, key, fallback, "a list of floats");
}

const std::string& Node::input(std::size_t index) const {
    static const std::string absent;
    return index < inputs.size() ? inputs[index] : absent;
}

std::string Node::describe() const { return op_type + " '" + name + "'"; }

bool Graph::is_graph_input(const std::string& value) const {
    return std::find(inputs.begin(), inputs.end(), value) != inputs.end();
}

const Tensor& Graph::tensor(const std::string& value) const {
    if (auto found = initializers.find(value); found != initializers.end()) return found->second;
    if (auto found = values.find(value); found != values.end()) return found->second;
    throw std::runtime_error("graph '" + name + "': no tensor named '" + value + "'");
}

Tensor& Graph::tensor(const std::string& value) {
    return const_cast<Tensor&>(static_cast<const Graph&>(*this).tensor(value));
}

bool Graph::has_tensor(const std::string& value) const {
    return initializers.count(value) > 0 || values.count(value) > 0;
}

int Graph::producer(const std::string& value) const {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto& outs = nodes[i].outputs;
        if (std::find(outs.begin(), outs.end(), value) != outs.end()) return static_cast<int>(i);
    }
    return -1;
}

std::vector<int> Graph::consumers(const std::string& value) const {
    std::vector<int> readers;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        const auto& ins = nodes[i].inputs;
        if (std::find(ins.begin(), ins.end(), value) != ins.end()) readers.push_back(static_cast<int>(i));
    }
    return readers;
}

int Graph::find_node(const std::string& node_name) const {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (nodes[i].name == node_name) return static_cast<int>(i);
    }
    return -1;
}

Node& Graph::add_node(Node node) {
    nodes.push_back(std::move(node));
    return nodes.back();
}

Node& Graph::insert_node(std::size_t index, Node node) {
    if (index > nodes.size()) throw std::out_of_range("graph '" + name + "': node index out of range");
    return *nodes.insert(nodes.begin() + static_cast<std::ptrdiff_t>(index), std::move(node));
}

void Graph::remove_node(std::size_t index) {
    if (index >= nodes.size()) throw std::out_of_range("graph '" + name + "': node index out of range");
    for (const auto& output : nodes[index].outputs) values.erase(output);
    nodes.erase(nodes.begin() + static_cast<std::ptrdiff_t>(index));
}

void Graph::replace_uses(const std::string& from, const std::string& to) {
    for (auto& node : nodes) std::replace(node.inputs.begin(), node.inputs.end(), from, to);
    std::replace(outputs.begin(), outputs.end(), from, to);
}

void Graph::remove_unused_tensors() {
    std::set<std::string> used(inputs.begin(), inputs.end());
    used.insert(outputs.begin(), outputs.end());
    for (const auto& node : nodes) {
        used.insert(node.inputs.begin(), node.inputs.end());
        used.insert(node.outputs.begin(), node.outputs.end());
        // Some nodes name tensors in string attributes rather than inputs (a weight-pool layer's
        // pool, indices and error term, docs/ir.md): those are in use too.
        for (const auto& [key, value] : node.attributes) {
            if (const auto* name = std::get_if<std::string>(&value); name != nullptr && initializers.count(*name)) {
                used.insert(*name);
            }
        }
    }
    for (auto* table : {&initializers, &values}) {
        for (auto it = table->begin(); it != table->end();) {
            it = used.count(it->first) ? std::next(it) : table->erase(it);
        }
    }
}

void Graph::topological_sort() {
    std::map<std::string, std::size_t> producer_of;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        for (const auto& output : nodes[i].outputs) producer_of[output] = i;
    }
    // Kahn's algorithm, always taking the lowest-numbered ready node: a sorted graph keeps its order.
    std::vector<std::size_t> waiting(nodes.size(), 0);
    std::vector<std::vector<std::size_t>> readers(nodes.size());
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        for (const auto& input : nodes[i].inputs) {
            auto found = producer_of.find(input);
            if (found == producer_of.end())
                continue;  // a graph input, an initializer, or undefined (validate reports it)
            ++waiting[i];
            readers[found->second].push_back(i);
        }
    }
    std::set<std::size_t> ready;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
        if (waiting[i] == 0) ready.insert(i);
    }
    std::vector<std::size_t> order;
    order.reserve(nodes.size());
    while (!ready.empty()) {
        const std::size_t next = *ready.begin();
        ready.erase(ready.begin());
        order.push_back(next);
        for (std::size_t reader : readers[next]) {
            if (--waiting[reader] == 0) ready.insert(reader);
        }
    }
    if (order.size() < nodes.size()) {
        const auto stuck = static_cast<std::size_t>(
            std::find_if(waiting.begin(), waiting.end(), [](std::size_t w) { return w > 0; }) - waiting.begin());
        throw std::runtime_error("graph '" + name + "': " + nodes[stuck].describe() + " is on or behind a cycle");
    }
    std::vector<Node> ordered;
    ordered.reserve(nodes.size());
    for (std::size_t index : order) ordered.push_back(std::move(nodes[index]));
    nodes = std::move(ordered);
}

void Graph::validate() const {
    const std::string where = "graph '" + name + "': ";
    std::set<std::string> defined;
    for (const auto& input : inputs) {
        if (values.count(input) == 0) throw std::runtime_error(where + "graph input '" + input + "' has no type/shape");
        defined.insert(input);
    }
    for (const auto& entry : initializers) defined.insert(entry.first);
    std::set<std::string> produced;
    for (const auto& node : nodes) produced.insert(node.outputs.begin(), node.outputs.end());
    for (const auto& node : nodes) {
        for (const auto& in : node.inputs) {
            if (in.empty() || defined.count(in)) continue;
            throw std::runtime_error(where + node.describe() + " reads '" + in + "'" +
                                     (produced.count(in) ? " before it is produced" : ", which nothing defines"));
        }
        for (const auto& out : node.outputs) {
            if (out.empty()) continue;
            if (!defined.insert(out).second) {
                throw std::runtime_error(where + node.describe() + " produces '" + out + "', which is already defined");
            }
        }
    }
    for (const auto& output : outputs) {
        if (!defined.count(output)) throw std::runtime_error(where + "graph output '" + output + "' is never produced");
    }
}

}  // namespace cimvp::ir
