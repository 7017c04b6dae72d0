#include "platform/params.h"

#include <cmath>

namespace cimvp {

SourceLocation location_of(const YAML::Node& node, const std::string& file) {
    SourceLocation where{file, 0, 0};
    if (node.IsDefined() && node.Mark().line >= 0) {
        where.line = node.Mark().line + 1;
        where.column = node.Mark().column + 1;
    }
    return where;
}

ParamReader::ParamReader(const YAML::Node& params, std::string file, SourceLocation owner)
    : params_(params), file_(std::move(file)), owner_(std::move(owner)) {
    if (params_.IsDefined() && !params_.IsNull() && !params_.IsMap()) {
        throw ConfigError(location_of(params_, file_), "'params' must be a map of name: value");
    }
}

ParamReader ParamReader::describing() {
    ParamReader reader;
    reader.describing_ = true;
    return reader;
}

SourceLocation ParamReader::where(const std::string& name) const {
    if (!describing_ && params_.IsMap()) {
        for (const auto& entry : params_) {
            if (entry.first.as<std::string>() == name) return location_of(entry.second, file_);
        }
    }
    return owner_;
}

void ParamReader::fail(const std::string& name, const std::string& message) const {
    throw ConfigError(where(name), "parameter '" + name + "': " + message);
}

void ParamReader::require(bool condition, const std::string& name, const std::string& message) const {
    if (!condition && !describing_) fail(name, message);
}

bool ParamReader::given(const std::string& name) const {
    return !describing_ && params_.IsMap() && params_[name].IsDefined() && !params_[name].IsNull();
}

YAML::Node ParamReader::lookup(const ParamSpec& spec) {
    specs_.push_back(spec);
    asked_.insert(spec.name);
    if (describing_ || !params_.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node value = params_[spec.name];
    if (!value.IsDefined() || value.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
    if (!value.IsScalar()) fail(spec.name, "expected a single value, not a list or map");
    return value;
}

double ParamReader::quantity(const std::string& name, Dimension dimension, const char* default_text,
                             const std::string& meaning) {
    ParamSpec spec{name, dimension_name(dimension), base_unit_name(dimension), default_text ? default_text : "",
                   default_text == nullptr, meaning, {}};
    const YAML::Node value = lookup(spec);
    std::string text;
    if (value.IsDefined()) {
        text = value.Scalar();
    } else if (default_text != nullptr) {
        text = default_text;
    } else if (describing_) {
        return 0.0;
    } else {
        throw ConfigError(owner_, "missing required parameter '" + name + "' (" + meaning + ")");
    }
    std::string why;
    const std::optional<double> parsed = parse_quantity(text, dimension, &why);
    if (!parsed) fail(name, why);
    if (*parsed < 0) fail(name, "must not be negative, got '" + text + "'");
    const bool must_be_positive = dimension == Dimension::Bytes || dimension == Dimension::Frequency;
    if (must_be_positive && *parsed == 0) fail(name, "must be greater than zero, got '" + text + "'");
    return *parsed;
}

uint64_t ParamReader::bytes(const std::string& name, const char* default_text, const std::string& meaning) {
    const double value = quantity(name, Dimension::Bytes, default_text, meaning);
    if (value != std::floor(value)) fail(name, "a size must be a whole number of bytes");
    return static_cast<uint64_t>(value);
}

int64_t ParamReader::integer(const std::string& name, std::optional<int64_t> default_value, int64_t min, int64_t max,
                             const std::string& meaning) {
    ParamSpec spec{name, "integer", "", default_value ? std::to_string(*default_value) : "", !default_value,
                   meaning + " [" + std::to_string(min) + ".." + std::to_string(max) + "]", {}};
    const YAML::Node value = lookup(spec);
    if (!value.IsDefined()) {
        if (default_value) return *default_value;
        if (describing_) return min;
        throw ConfigError(owner_, "missing required parameter '" + name + "' (" + meaning + ")");
    }
    const std::string text = value.Scalar();
    const bool negative = !text.empty() && text[0] == '-';
    const std::optional<uint64_t> magnitude = parse_unsigned(negative ? text.substr(1) : text);
    if (!magnitude) fail(name, "expected a whole number, got '" + text + "'");
    const int64_t parsed = negative ? -static_cast<int64_t>(*magnitude) : static_cast<int64_t>(*magnitude);
    if (parsed < min || parsed > max) {
        fail(name, "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " + text);
    }
    return parsed;
}

double ParamReader::number(const std::string& name, std::optional<double> default_value, double min, double max,
                           const std::string& meaning) {
    ParamSpec spec{name, "number", "", default_value ? format_quantity(*default_value, Dimension::Dimensionless) : "",
                   !default_value, meaning, {}};
    const YAML::Node value = lookup(spec);
    if (!value.IsDefined()) {
        if (default_value) return *default_value;
        if (describing_) return min;
        throw ConfigError(owner_, "missing required parameter '" + name + "' (" + meaning + ")");
    }
    std::string why;
    const std::optional<double> parsed = parse_quantity(value.Scalar(), Dimension::Dimensionless, &why);
    if (!parsed) fail(name, why);
    if (*parsed < min || *parsed > max) {
        fail(name, "must be between " + format_quantity(min, Dimension::Dimensionless) + " and " +
                       format_quantity(max, Dimension::Dimensionless) + ", got " + value.Scalar());
    }
    return *parsed;
}

bool ParamReader::flag(const std::string& name, bool default_value, const std::string& meaning) {
    const YAML::Node value = lookup({name, "flag", "", default_value ? "true" : "false", false, meaning, {}});
    if (!value.IsDefined()) return default_value;
    const std::string text = value.Scalar();
    if (text == "true" || text == "on" || text == "yes") return true;
    if (text == "false" || text == "off" || text == "no") return false;
    fail(name, "expected true or false, got '" + text + "'");
}

std::string ParamReader::choice(const std::string& name, const std::string& default_value,
                                const std::vector<std::string>& choices, const std::string& meaning) {
    const YAML::Node value = lookup({name, "choice", "", default_value, false, meaning, choices});
    if (!value.IsDefined()) return default_value;
    const std::string text = value.Scalar();
    for (const auto& option : choices) {
        if (option == text) return text;
    }
    std::string known;
    for (const auto& option : choices) known += (known.empty() ? "" : ", ") + option;
    fail(name, "'" + text + "' is not one of: " + known);
}

std::string ParamReader::text(const std::string& name, std::optional<std::string> default_value,
                              const std::string& meaning) {
    const YAML::Node value = lookup({name, "text", "", default_value.value_or(""), !default_value, meaning, {}});
    if (value.IsDefined()) return value.Scalar();
    if (default_value) return *default_value;
    if (describing_) return "";
    throw ConfigError(owner_, "missing required parameter '" + name + "' (" + meaning + ")");
}

void ParamReader::finish() const {
    if (describing_ || !params_.IsMap()) return;
    std::set<std::string> seen;
    for (const auto& entry : params_) {
        const std::string key = entry.first.as<std::string>();
        // yaml-cpp keeps the first of two equal keys; a silent choice is worse than an error.
        if (!seen.insert(key).second) {
            throw ConfigError(location_of(entry.first, file_), "parameter '" + key + "' is given twice");
        }
        if (asked_.count(key) != 0) continue;
        std::string known;
        for (const auto& spec : specs_) known += (known.empty() ? "" : ", ") + spec.name;
        throw ConfigError(location_of(entry.first, file_),
                          "unknown parameter '" + key + "' (known: " + (known.empty() ? "none" : known) + ")");
    }
}

}  // namespace cimvp
