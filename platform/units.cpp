#include "platform/units.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

namespace cimvp {
namespace {

using UnitTable = std::vector<std::pair<const char*, double>>;  // suffix -> factor to the base unit

const UnitTable& units_of(Dimension dimension) {
    static const UnitTable bytes = {{"B", 1.0},
                                    {"KiB", 1024.0},
                                    {"MiB", 1024.0 * 1024},
                                    {"GiB", 1024.0 * 1024 * 1024},
                                    {"TiB", 1024.0 * 1024 * 1024 * 1024},
                                    {"KB", 1e3},
                                    {"kB", 1e3},
                                    {"MB", 1e6},
                                    {"GB", 1e9}};
    static const UnitTable time = {{"s", 1e9}, {"ms", 1e6}, {"us", 1e3}, {"ns", 1.0}, {"ps", 1e-3}, {"fs", 1e-6}};
    static const UnitTable frequency = {{"Hz", 1.0}, {"kHz", 1e3}, {"MHz", 1e6}, {"GHz", 1e9}};
    static const UnitTable energy = {{"J", 1e12}, {"mJ", 1e9}, {"uJ", 1e6}, {"nJ", 1e3},
                                     {"pJ", 1.0}, {"fJ", 1e-3}, {"aJ", 1e-6}};
    static const UnitTable power = {{"W", 1e3}, {"mW", 1.0}, {"uW", 1e-3}, {"nW", 1e-6}};
    static const UnitTable area = {{"mm2", 1e6}, {"um2", 1.0}, {"nm2", 1e-6}};
    static const UnitTable current = {{"A", 1e3}, {"mA", 1.0}, {"uA", 1e-3}};
    static const UnitTable voltage = {{"V", 1.0}, {"mV", 1e-3}};
    static const UnitTable none = {};
    switch (dimension) {
        case Dimension::Bytes: return bytes;
        case Dimension::Time: return time;
        case Dimension::Frequency: return frequency;
        case Dimension::Energy: return energy;
        case Dimension::Power: return power;
        case Dimension::Area: return area;
        case Dimension::Current: return current;
        case Dimension::Voltage: return voltage;
        case Dimension::Dimensionless: return none;
    }
    return none;
}

std::string strip(const std::string& text) {
    size_t begin = 0, end = text.size();
    while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
    while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
    return text.substr(begin, end - begin);
}

}  // namespace

const char* base_unit_name(Dimension dimension) {
    switch (dimension) {
        case Dimension::Bytes: return "B";
        case Dimension::Time: return "ns";
        case Dimension::Frequency: return "Hz";
        case Dimension::Energy: return "pJ";
        case Dimension::Power: return "mW";
        case Dimension::Area: return "um2";
        case Dimension::Current: return "mA";
        case Dimension::Voltage: return "V";
        case Dimension::Dimensionless: return "";
    }
    return "";
}

const char* dimension_name(Dimension dimension) {
    switch (dimension) {
        case Dimension::Bytes: return "size";
        case Dimension::Time: return "time";
        case Dimension::Frequency: return "frequency";
        case Dimension::Energy: return "energy";
        case Dimension::Power: return "power";
        case Dimension::Area: return "area";
        case Dimension::Current: return "current";
        case Dimension::Voltage: return "voltage";
        case Dimension::Dimensionless: return "number";
    }
    return "";
}

std::optional<uint64_t> parse_unsigned(const std::string& raw) {
    std::string text;
    for (char c : strip(raw)) {
        if (c != '_') text += c;
    }
    if (text.empty()) return std::nullopt;
    int base = 10;
    size_t start = 0;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        base = 16;
        start = 2;
    } else if (text.size() > 2 && text[0] == '0' && (text[1] == 'b' || text[1] == 'B')) {
        base = 2;
        start = 2;
    }
    uint64_t value = 0;
    for (size_t i = start; i < text.size(); ++i) {
        const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
        int digit = -1;
        if (c >= '0' && c <= '9') digit = c - '0';
        if (c >= 'a' && c <= 'f') digit = 10 + (c - 'a');
        if (digit < 0 || digit >= base) return std::nullopt;
        if (value > (UINT64_MAX - static_cast<uint64_t>(digit)) / static_cast<uint64_t>(base)) return std::nullopt;
        value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
    }
    return value;
}

std::optional<double> parse_quantity(const std::string& raw, Dimension dimension, std::string* why) {
    const std::string text = strip(raw);
    auto fail = [&](const std::string& reason) -> std::optional<double> {
        if (why) *why = reason;
        return std::nullopt;
    };
    if (text.empty()) return fail("empty value");
    // Split into the numeric part and the unit suffix.
    std::string number;
    size_t i = 0;
    for (; i < text.size(); ++i) {
        const char c = text[i];
        const bool exponent_sign = (c == '+' || c == '-') && i > 0 && (text[i - 1] == 'e' || text[i - 1] == 'E');
        const bool exponent = (c == 'e' || c == 'E') && i > 0 && i + 1 < text.size() &&
                              (std::isdigit(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '-' ||
                               text[i + 1] == '+');
        if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '_' || (i == 0 && (c == '-' || c == '+')) ||
            exponent || exponent_sign) {
            if (c != '_') number += c;
        } else {
            break;
        }
    }
    const std::string suffix = strip(text.substr(i));
    if (number.empty() || number == "-" || number == "+") return fail("'" + text + "' is not a number");
    char* end = nullptr;
    const double magnitude = std::strtod(number.c_str(), &end);
    if (end == nullptr || *end != '\0' || !std::isfinite(magnitude)) return fail("'" + text + "' is not a number");

    const UnitTable& table = units_of(dimension);
    if (dimension == Dimension::Dimensionless) {
        if (!suffix.empty()) return fail("unexpected unit '" + suffix + "' on a plain number");
        return magnitude;
    }
    if (suffix.empty()) {
        return fail(std::string("missing unit: a ") + dimension_name(dimension) + " needs one, e.g. 1" +
                    table.front().first);
    }
    for (const auto& [name, factor] : table) {
        if (suffix == name) return magnitude * factor;
    }
    std::string known;
    for (const auto& [name, factor] : table) known += (known.empty() ? "" : ", ") + std::string(name);
    return fail("unit '" + suffix + "' is not a " + dimension_name(dimension) + " unit (expected one of " + known +
                ")");
}

std::string format_quantity(double value, Dimension dimension) {
    const UnitTable& table = units_of(dimension);
    char buffer[64];
    if (table.empty()) {
        std::snprintf(buffer, sizeof buffer, "%g", value);
        return buffer;
    }
    // Pick the largest binary (for bytes) or decimal unit that keeps the magnitude >= 1.
    const char* best_name = base_unit_name(dimension);
    double best_factor = 1.0;
    for (const auto& [name, factor] : table) {
        const bool decimal_bytes = dimension == Dimension::Bytes && name[1] == 'B' && name[0] != 'B';
        if (decimal_bytes) continue;
        if (std::fabs(value) >= factor && factor >= best_factor) {
            best_name = name;
            best_factor = factor;
        }
    }
    if (value != 0 && std::fabs(value) < 1.0) {
        for (const auto& [name, factor] : table) {
            if (factor < best_factor && std::fabs(value) >= factor) {
                best_name = name;
                best_factor = factor;
                break;
            }
        }
    }
    std::snprintf(buffer, sizeof buffer, "%g%s", value / best_factor, best_name);
    return buffer;
}

}  // namespace cimvp
