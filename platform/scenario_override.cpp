#include "platform/scenario_override.h"

#include <cctype>

#include "platform/error.h"

namespace cimvp {

namespace {

[[noreturn]] void refuse(const std::string& text, const std::string& problem) {
    throw ConfigError(SourceLocation{"--set " + text, 0, 0}, problem);
}

bool all_digits(const std::string& segment) {
    for (const char c : segment) {
        if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
    }
    return !segment.empty();
}

// The entry of `list` that `segment` names: by position, or by its `name:` field.
size_t list_entry(const YAML::Node& list, const std::string& segment, const ScenarioOverride& change) {
    if (all_digits(segment)) {
        const size_t index = std::stoul(segment);
        if (index >= list.size()) {
            refuse(change.text, "'" + segment + "' is past the end of a list of " + std::to_string(list.size()));
        }
        return index;
    }
    std::string names;
    for (size_t i = 0; i < list.size(); ++i) {
        const YAML::Node name = list[i].IsMap() ? list[i]["name"] : YAML::Node();
        if (!name || !name.IsScalar()) continue;
        if (name.Scalar() == segment) return i;
        names += (names.empty() ? "" : ", ") + name.Scalar();
    }
    refuse(change.text, "no entry named '" + segment + "' in the list" + (names.empty() ? "" : " (" + names + ")"));
}

// A copy of `node` without source marks: errors about a value from the command line then name the
// file it went into without pointing at an unrelated line of it.
YAML::Node unmarked(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Scalar:
            return YAML::Node(node.Scalar());
        case YAML::NodeType::Sequence: {
            YAML::Node copy(YAML::NodeType::Sequence);
            for (const YAML::Node& item : node) copy.push_back(unmarked(item));
            return copy;
        }
        case YAML::NodeType::Map: {
            YAML::Node copy(YAML::NodeType::Map);
            for (const auto& entry : node) copy[entry.first.Scalar()] = unmarked(entry.second);
            return copy;
        }
        default:
            return YAML::Node(YAML::NodeType::Null);
    }
}

}  // namespace

ScenarioOverride parse_override(const std::string& text) {
    const size_t equals = text.find('=');
    if (equals == std::string::npos) refuse(text, "expected KEY=VALUE, e.g. quantum=10us");
    ScenarioOverride change;
    change.text = text;
    const std::string key = text.substr(0, equals);
    for (size_t begin = 0;;) {
        const size_t dot = key.find('.', begin);
        const std::string segment = key.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin);
        if (segment.empty()) refuse(text, "the key '" + key + "' has an empty part");
        change.path.push_back(segment);
        if (dot == std::string::npos) break;
        begin = dot + 1;
    }
    try {
        change.value = unmarked(YAML::Load(text.substr(equals + 1)));
    } catch (const YAML::Exception& error) {
        refuse(text, "the value is not YAML: " + error.msg);
    }
    return change;
}

void apply_override(YAML::Node root, const ScenarioOverride& change, size_t first) {
    // yaml-cpp nodes are handles: `node = child` would make the parent's own data the child's, so
    // each step rebinds the handle (reset), and the value is assigned through its parent.
    YAML::Node node = root;
    for (size_t i = first; i < change.path.size(); ++i) {
        const std::string& segment = change.path[i];
        const bool last = i + 1 == change.path.size();
        if (node.IsSequence()) {
            const size_t entry = list_entry(node, segment, change);
            if (last) {
                node[entry] = change.value;
                return;
            }
            node.reset(node[entry]);
            continue;
        }
        if (!node.IsMap() && !node.IsNull()) {
            refuse(change.text, "'" + change.path[i - 1] + "' is a value, not a map or a list");
        }
        if (last) {
            node[segment] = change.value;
            return;
        }
        if (!node[segment]) node[segment] = YAML::Node(YAML::NodeType::Map);
        node.reset(node[segment]);
    }
}

}  // namespace cimvp
