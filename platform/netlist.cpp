#include "platform/netlist.h"

#include <fstream>
#include <set>

#include "platform/params.h"
#include "platform/units.h"

namespace cimvp {

YAML::Node load_yaml_file(const std::string& path) {
    std::ifstream stream(path);
    if (!stream) throw ConfigError(SourceLocation{path, 0, 0}, "cannot open file");
    try {
        return YAML::Load(stream);
    } catch (const YAML::Exception& error) {
        throw ConfigError(SourceLocation{path, error.mark.line + 1, error.mark.column + 1},
                          "YAML syntax: " + error.msg);
    }
}

void reject_unknown_keys(const YAML::Node& map, const std::vector<std::string>& known, const std::string& file,
                         const std::string& what) {
    for (const auto& entry : map) {
        const std::string key = entry.first.as<std::string>();
        bool found = false;
        for (const auto& name : known) found = found || name == key;
        if (found) continue;
        std::string list;
        for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
        throw ConfigError(location_of(entry.first, file),
                          "unknown field '" + key + "' in " + what + " (known: " + list + ")");
    }
}

YAML::Node child_or_undefined(const YAML::Node& map, const std::string& key) {
    const YAML::Node value = map[key];
    return value.IsDefined() ? value : YAML::Node(YAML::NodeType::Undefined);
}

std::string required_scalar(const YAML::Node& map, const std::string& key, const std::string& file,
                            const std::string& what) {
    const YAML::Node value = map[key];
    if (!value.IsDefined() || value.IsNull()) {
        throw ConfigError(location_of(map, file), what + " needs a '" + key + "' field");
    }
    if (!value.IsScalar()) throw ConfigError(location_of(value, file), "'" + key + "' must be a single value");
    return value.Scalar();
}

namespace {

Endpoint parse_endpoint(const YAML::Node& connection, const std::string& key, const std::string& file) {
    const std::string text = required_scalar(connection, key, file, "a connection");
    const SourceLocation where = location_of(connection[key], file);
    const size_t dot = text.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == text.size() || text.find('.', dot + 1) != std::string::npos) {
        throw ConfigError(where, "'" + key + ": " + text + "' must be INSTANCE.SOCKET");
    }
    return Endpoint{text.substr(0, dot), text.substr(dot + 1), where};
}

uint64_t parse_address(const YAML::Node& value, const std::string& file, const std::string& key) {
    const std::string text = value.Scalar();
    if (const auto number = parse_unsigned(text)) return *number;
    std::string why;
    if (const auto bytes = parse_quantity(text, Dimension::Bytes, &why)) return static_cast<uint64_t>(*bytes);
    throw ConfigError(location_of(value, file), "'" + key + ": " + text + "' is not an address or size (" + why + ")");
}

}  // namespace

Netlist parse_netlist(const YAML::Node& root, const std::string& file) {
    Netlist netlist;
    netlist.file = file;
    netlist.root = root;
    if (!root.IsMap()) throw ConfigError(location_of(root, file), "a netlist must be a map with 'modules:'");
    reject_unknown_keys(root, {"platform", "description", "clock", "modules", "connections", "trace", "cores"}, file,
                        "the netlist");
    netlist.platform = root["platform"] ? root["platform"].Scalar() : "unnamed";

    const std::string clock_text = root["clock"] ? root["clock"].Scalar() : "1GHz";
    std::string why;
    const auto clock = parse_quantity(clock_text, Dimension::Frequency, &why);
    if (!clock || *clock <= 0) {
        throw ConfigError(location_of(root["clock"], file), "'clock': " + (clock ? "must be positive" : why));
    }
    netlist.clock_hz = *clock;

    const YAML::Node modules = root["modules"];
    if (!modules || !modules.IsSequence() || modules.size() == 0) {
        throw ConfigError(location_of(modules ? modules : root, file), "'modules' must be a non-empty list");
    }
    std::set<std::string> names;
    for (const auto& entry : modules) {
        if (!entry.IsMap()) throw ConfigError(location_of(entry, file), "a module must be a map {name, type, params}");
        reject_unknown_keys(entry, {"name", "type", "params"}, file, "a module");
        ModuleDecl module;
        module.name = required_scalar(entry, "name", file, "a module");
        module.type = required_scalar(entry, "type", file, "module '" + module.name + "'");
        module.params = child_or_undefined(entry, "params");
        module.where = location_of(entry, file);
        module.type_where = location_of(entry["type"], file);
        if (!names.insert(module.name).second) {
            throw ConfigError(location_of(entry["name"], file), "duplicate instance name '" + module.name + "'");
        }
        netlist.modules.push_back(module);
    }

    const YAML::Node connections = root["connections"];
    if (connections && !connections.IsSequence()) {
        throw ConfigError(location_of(connections, file), "'connections' must be a list");
    }
    for (const auto& entry : connections) {
        if (!entry.IsMap()) throw ConfigError(location_of(entry, file), "a connection must be a map {from, to}");
        reject_unknown_keys(entry, {"from", "to", "at", "size"}, file, "a connection");
        ConnectionDecl connection;
        connection.where = location_of(entry, file);
        connection.from = parse_endpoint(entry, "from", file);
        connection.to = parse_endpoint(entry, "to", file);
        if (entry["at"]) connection.at = parse_address(entry["at"], file, "at");
        if (entry["size"]) {
            connection.size = parse_address(entry["size"], file, "size");
            if (*connection.size == 0) throw ConfigError(location_of(entry["size"], file), "'size' must be positive");
            if (!connection.at) throw ConfigError(location_of(entry["size"], file), "'size' needs 'at'");
        }
        netlist.connections.push_back(connection);
    }
    return netlist;
}

}  // namespace cimvp
