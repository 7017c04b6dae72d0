// Parsing of unit-bearing values such as "500MHz", "2ns", "256KiB", "1.5pJ", "0.02mm2".
// Every quantity is converted to one base unit per dimension, named in Dimension below.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace cimvp {

enum class Dimension {
    Dimensionless,  // a plain number
    Bytes,          // B, KiB, MiB, GiB, TiB, KB, MB, GB (decimal)
    Time,           // base: ns; accepts s, ms, us, ns, ps, fs
    Frequency,      // base: Hz; accepts Hz, kHz, MHz, GHz
    Energy,         // base: pJ; accepts J, mJ, uJ, nJ, pJ, fJ, aJ
    Power,          // base: mW; accepts W, mW, uW, nW
    Area,           // base: um2; accepts mm2, um2, nm2, F2 is not supported (needs a node)
    Current,        // base: mA; accepts A, mA, uA
    Voltage,        // base: V; accepts V, mV
};

const char* base_unit_name(Dimension dimension);
const char* dimension_name(Dimension dimension);

// Parses `text` as a value of `dimension`, returning it in the base unit. On failure returns
// nullopt and sets `why` to a short human reason ("missing unit, expected e.g. 2ns").
std::optional<double> parse_quantity(const std::string& text, Dimension dimension, std::string* why = nullptr);

// Parses an integer written in decimal, 0x hex or 0b binary, with optional '_' digit separators.
std::optional<uint64_t> parse_unsigned(const std::string& text);

// Formats a base-unit value with a readable prefix, e.g. 1536 bytes -> "1.5KiB", 2e6 ns -> "2ms".
std::string format_quantity(double base_value, Dimension dimension);

}  // namespace cimvp
