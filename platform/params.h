// Typed, validated model parameters read from a YAML `params:` map.
//
// A model declares each parameter once, in its Params constructor, by calling one of the
// getters below with a default and a one-line meaning. The same code serves three uses:
// reading a netlist, rejecting unknown keys, and listing parameters in `cimvp models`.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "platform/error.h"
#include "platform/units.h"

namespace cimvp {

struct ParamSpec {
    std::string name;
    std::string kind;          // "size", "time", "energy", ..., "integer", "number", "flag", "choice", "text"
    std::string unit;          // base unit the value is stored in, empty for plain values
    std::string default_text;  // as a user would write it; empty when required
    bool required = false;
    std::string meaning;
    std::vector<std::string> choices;
};

SourceLocation location_of(const YAML::Node& node, const std::string& file);

class ParamReader {
public:
    // Reads from `params` (a map, or null for "all defaults"). `owner` locates the module entry
    // so that a missing required parameter points at the module that lacks it.
    ParamReader(const YAML::Node& params, std::string file, SourceLocation owner);

    // A reader with no input that only records the declarations, for `cimvp models`.
    static ParamReader describing();

    // Quantities: the default is written with its unit ("256KiB"); nullptr makes it required.
    // Negative values are rejected, and so is zero for sizes and frequencies.
    double quantity(const std::string& name, Dimension dimension, const char* default_text, const std::string& meaning);
    uint64_t bytes(const std::string& name, const char* default_text, const std::string& meaning);
    double time_ns(const std::string& name, const char* default_text, const std::string& meaning) {
        return quantity(name, Dimension::Time, default_text, meaning);
    }
    double energy_pj(const std::string& name, const char* default_text, const std::string& meaning) {
        return quantity(name, Dimension::Energy, default_text, meaning);
    }
    double frequency_hz(const std::string& name, const char* default_text, const std::string& meaning) {
        return quantity(name, Dimension::Frequency, default_text, meaning);
    }
    double area_um2(const std::string& name, const char* default_text, const std::string& meaning) {
        return quantity(name, Dimension::Area, default_text, meaning);
    }

    int64_t integer(const std::string& name, std::optional<int64_t> default_value, int64_t min, int64_t max,
                    const std::string& meaning);
    double number(const std::string& name, std::optional<double> default_value, double min, double max,
                  const std::string& meaning);
    bool flag(const std::string& name, bool default_value, const std::string& meaning);
    std::string choice(const std::string& name, const std::string& default_value,
                       const std::vector<std::string>& choices, const std::string& meaning);
    std::string text(const std::string& name, std::optional<std::string> default_value, const std::string& meaning);

    // True when the user wrote this parameter (useful for "override one timing of a standard").
    bool given(const std::string& name) const;

    // Fails with the location of `name` (or of the module when absent) unless `condition` holds.
    // Does nothing while describing.
    void require(bool condition, const std::string& name, const std::string& message) const;

    // Rejects keys that no getter asked for, naming the first one and the known names.
    void finish() const;

    const std::vector<ParamSpec>& specs() const { return specs_; }
    bool is_describing() const { return describing_; }

private:
    ParamReader() = default;
    // The value node for `name`, or an undefined node; records `spec`.
    YAML::Node lookup(const ParamSpec& spec);
    SourceLocation where(const std::string& name) const;
    [[noreturn]] void fail(const std::string& name, const std::string& message) const;

    YAML::Node params_;
    std::string file_;
    SourceLocation owner_;
    bool describing_ = false;
    std::vector<ParamSpec> specs_;
    std::set<std::string> asked_;
};

}  // namespace cimvp
