// The platform netlist: which modules exist, how their sockets connect, and where each target
// sits in the address map. Parsing checks the shape of the file; platform.h checks the meaning.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "platform/error.h"

namespace cimvp {

struct ModuleDecl {
    std::string name;
    std::string type;
    YAML::Node params;
    SourceLocation where;       // the module entry
    SourceLocation type_where;  // its `type:` value
};

struct Endpoint {
    std::string instance;
    std::string port;
    SourceLocation where;
    std::string text() const { return instance + "." + port; }
};

struct ConnectionDecl {
    Endpoint from;  // an initiator socket or an interrupt output
    Endpoint to;    // a target socket or an interrupt input
    std::optional<uint64_t> at;    // window base, for router outputs
    std::optional<uint64_t> size;  // window size; defaults to the target's address span
    SourceLocation where;
};

struct Netlist {
    std::string file;
    std::string platform;
    double clock_hz = 0;
    std::vector<ModuleDecl> modules;
    std::vector<ConnectionDecl> connections;
    YAML::Node root;
};

// Parses a netlist held in `node` (the whole file, or a scenario's inline `platform:` map).
Netlist parse_netlist(const YAML::Node& node, const std::string& file);

// Loads a YAML file, turning syntax errors into FILE:LINE:COL errors.
YAML::Node load_yaml_file(const std::string& path);

// Fails with the location of the first key of `map` that is not in `known`.
void reject_unknown_keys(const YAML::Node& map, const std::vector<std::string>& known, const std::string& file,
                         const std::string& what);

// The child `key` of `map`, or an undefined node. (yaml-cpp's operator[] on a const map returns a
// node that cannot be copied into another when the key is absent.)
YAML::Node child_or_undefined(const YAML::Node& map, const std::string& key);

// Reads a required scalar field of `map`, failing at the map's location when it is absent.
std::string required_scalar(const YAML::Node& map, const std::string& key, const std::string& file,
                            const std::string& what);

}  // namespace cimvp
