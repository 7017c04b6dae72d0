#include "firmware/isa/opcode_table.h"

#include <array>
#include <limits>
#include <set>
#include <stdexcept>

#include "firmware/isa/hex.h"

namespace cimvp::isa {
namespace {

constexpr uint64_t kU8 = 0xFF, kU16 = 0xFFFF, kU32 = 0xFFFFFFFF, kU64 = std::numeric_limits<uint64_t>::max();
constexpr int64_t kI32Min = std::numeric_limits<int32_t>::min(), kI32Max = std::numeric_limits<int32_t>::max();
// Requantization limits of the integer semantics (firmware/compiler/passes/requantize.h).
constexpr uint64_t kMaxMultiplier = (1u << 15) - 1;
constexpr uint64_t kMaxShift = 62;

OperandSpec address(const char* name) { return {name, OperandKind::kAddress, 8, 0, kU64, {}}; }
OperandSpec count(const char* name, unsigned width, int64_t minimum, uint64_t maximum) {
    return {name, OperandKind::kUnsigned, width, minimum, maximum, {}};
}
OperandSpec int32(const char* name) { return {name, OperandKind::kSigned, 4, kI32Min, uint64_t(kI32Max), {}}; }
OperandSpec flag(const char* name) { return {name, OperandKind::kFlag, 1, 0, 1, {}}; }
OperandSpec engine() { return {"engine", OperandKind::kEngine, 1, 0, kU8, {}}; }
OperandSpec element_type(const char* name) { return {name, OperandKind::kEnum, 1, 0, 3, {"i8", "u8", "i16", "i32"}}; }
OperandSpec multiplier(const char* name) { return count(name, 2, 0, kMaxMultiplier); }
OperandSpec shift() { return count("shift", 1, 1, kMaxShift); }

// The window geometry shared by the two pooling instructions: an HWC tensor, channels innermost.
std::vector<OperandSpec> pool_window() {
    return {count("height", 2, 1, kU16),    count("width", 2, 1, kU16),   count("channels", 2, 1, kU16),
            count("kernel_h", 1, 1, kU8),   count("kernel_w", 1, 1, kU8), count("stride_h", 1, 1, kU8),
            count("stride_w", 1, 1, kU8),   count("pad_top", 1, 0, kU8),  count("pad_left", 1, 0, kU8),
            count("pad_bottom", 1, 0, kU8), count("pad_right", 1, 0, kU8)};
}

std::vector<OperandSpec> join(std::vector<OperandSpec> head, const std::vector<OperandSpec>& tail) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
}

std::vector<OpcodeSpec> build_table() {
    return {
        {Opcode::kHalt, "halt", "end of the program", {}},
        {Opcode::kDma,
         "dma",
         "1-D or 2-D strided copy by a DMA engine",
         {engine(), address("src"), address("dst"), count("row_bytes", 4, 1, kU32), count("rows", 4, 1, kU32),
          count("src_stride", 8, 0, kU64), count("dst_stride", 8, 0, kU64)}},
        {Opcode::kWeightWrite,
         "weight_write",
         "load a rows x channels weight tile from memory into a CIM engine",
         {engine(), address("src"), count("bytes", 4, 1, kU32), count("rows", 2, 1, kU16),
          count("channels", 2, 1, kU16), count("row_offset", 2, 0, kU16), count("channel_offset", 2, 0, kU16),
          count("weight_bits", 1, 1, 16), address("mask")}},
        {Opcode::kMvm,
         "mvm",
         "matrix-vector products of `vectors` inputs with a stored weight tile, int32 results",
         {engine(), address("input"), count("input_stride", 4, 0, kU32), count("vectors", 4, 1, kU32),
          address("output"), count("output_stride", 4, 0, kU32), count("row_offset", 2, 0, kU16),
          count("rows", 2, 1, kU16), count("channel_offset", 2, 0, kU16), count("channels", 2, 1, kU16),
          count("weight_bits", 1, 1, 16), count("input_bits", 1, 1, 16), flag("input_signed"), flag("accumulate")}},
        {Opcode::kVectorAdd,
         "vadd",
         "element-wise a*multiplier_a + b*multiplier_b, shifted with rounding and clamped",
         {engine(), address("a"), address("b"), address("dst"), count("elements", 4, 1, kU32), element_type("a_type"),
          element_type("b_type"), element_type("out_type"), multiplier("multiplier_a"), multiplier("multiplier_b"),
          shift(), int32("out_min"), int32("out_max")}},
        {Opcode::kVectorRelu,
         "vrelu",
         "element-wise max(x, 0)",
         {engine(), address("src"), address("dst"), count("elements", 4, 1, kU32), element_type("type")}},
        {Opcode::kVectorMaxPool, "vmaxpool", "max pooling over an HWC tensor, padding ignored",
         join({engine(), address("src"), address("dst"), element_type("type")}, pool_window())},
        {Opcode::kVectorAvgPool, "vavgpool", "window sums over an HWC tensor (padding counts as 0), requantized",
         join(join({engine(), address("src"), address("dst"), element_type("in_type"), element_type("out_type")},
                   pool_window()),
              {multiplier("multiplier"), shift(), int32("out_min"), int32("out_max")})},
        {Opcode::kVectorRequantize,
         "vrequant",
         "int32 accumulators plus per-channel bias, times per-channel multiplier, shifted and clamped",
         {engine(), address("src"), address("dst"), count("elements", 4, 1, kU32), count("channels", 2, 1, kU16),
          count("channel_stride", 4, 1, kU32), address("bias"), address("multipliers"), address("shifts"),
          element_type("out_type"), int32("out_min"), int32("out_max")}},
        {Opcode::kPermute,
         "permute",
         "route int32 vectors through a permutation crossbar: dst[o] (+)= src[table[o]], 0xFFFF = no source",
         {engine(), address("src"), address("dst"), address("table"), count("vectors", 4, 1, kU32),
          count("inputs", 2, 1, kU16), count("ports", 2, 1, kU16), count("src_stride", 4, 0, kU32),
          count("dst_stride", 4, 0, kU32), flag("accumulate")}},
        {Opcode::kSignal, "signal", "add 1 to a semaphore", {count("semaphore", 1, 0, kU8)}},
        {Opcode::kWait,
         "wait",
         "block until a semaphore holds at least `count`, then subtract it",
         {count("semaphore", 1, 0, kU8), count("count", 2, 1, kU16)}},
        {Opcode::kSync, "sync", "block until an engine has finished every command issued to it", {engine()}},
        {Opcode::kBarrier, "barrier", "block until every engine has finished every command issued to it", {}},
        {Opcode::kInterrupt, "interrupt", "raise the scheduler's interrupt with a code", {count("code", 4, 0, kU32)}},
    };
}

// A malformed entry is a programming error; catching it on first use keeps every tool consistent.
void check_table(const std::vector<OpcodeSpec>& table) {
    std::set<uint16_t> codes;
    std::set<std::string> mnemonics;
    for (const OpcodeSpec& spec : table) {
        const std::string where = "opcode table entry '" + spec.mnemonic + "': ";
        if (uint16_t(spec.opcode) == 0 || !codes.insert(uint16_t(spec.opcode)).second) {
            throw std::logic_error(where + "opcode is 0 or repeated");
        }
        if (!mnemonics.insert(spec.mnemonic).second) throw std::logic_error(where + "mnemonic repeated");
        if (spec.payload_bytes() > kMaxPayloadBytes) throw std::logic_error(where + "operands exceed the word");
        std::set<std::string> names;
        for (const OperandSpec& operand : spec.operands) {
            const unsigned w = operand.width;
            if (w != 1 && w != 2 && w != 4 && w != 8) throw std::logic_error(where + operand.name + ": bad width");
            if (operand.name.empty()) throw std::logic_error(where + "an operand has no name");
            if (!names.insert(operand.name).second) throw std::logic_error(where + operand.name + " repeated");
        }
    }
}

}  // namespace

int64_t sign_extend(uint64_t raw, unsigned width) {
    if (width >= 8) return int64_t(raw);
    const unsigned bits = 8 * width;
    const uint64_t sign = uint64_t{1} << (bits - 1);
    const uint64_t value = raw & ((uint64_t{1} << bits) - 1);
    return int64_t(value ^ sign) - int64_t(sign);
}

bool OperandSpec::in_range(uint64_t raw) const {
    if (kind == OperandKind::kSigned) {
        const int64_t value = sign_extend(raw, width);
        return value >= minimum && (value < 0 || uint64_t(value) <= maximum);
    }
    return raw >= uint64_t(minimum) && raw <= maximum;
}

std::string OperandSpec::range_text() const {
    if (kind == OperandKind::kEnum) {
        std::string text = "{";
        for (size_t i = 0; i < symbols.size(); ++i) text += (i ? ", " : "") + symbols[i];
        return text + "}";
    }
    return "[" + std::to_string(minimum) + ", " + std::to_string(maximum) + "]";
}

unsigned OpcodeSpec::payload_bytes() const {
    unsigned bytes = 0;
    for (const OperandSpec& operand : operands) bytes += operand.width;
    return bytes;
}

int OpcodeSpec::operand_index(std::string_view name) const {
    if (!name.empty()) {
        const int8_t slot = operand_slots[name_slot(name)];
        if (slot == kNoOperand) return -1;
        if (slot >= 0) return operands[static_cast<size_t>(slot)].name == name ? slot : -1;
    }
    for (size_t i = 0; i < operands.size(); ++i) {
        if (operands[i].name == name) return int(i);
    }
    return -1;
}

unsigned OpcodeSpec::operand_offset(std::string_view name) const {
    const int index = operand_index(name);
    if (index < 0) throw std::logic_error("opcode '" + mnemonic + "' has no operand '" + std::string(name) + "'");
    unsigned offset = kInstructionHeaderBytes;
    for (int i = 0; i < index; ++i) offset += operands[static_cast<size_t>(i)].width;
    return offset;
}

const std::vector<OpcodeSpec>& opcode_table() {
    static const std::vector<OpcodeSpec> table = [] {
        std::vector<OpcodeSpec> built = build_table();
        check_table(built);
        for (OpcodeSpec& spec : built) {
            spec.operand_slots.fill(OpcodeSpec::kNoOperand);
            for (size_t i = 0; i < spec.operands.size(); ++i) {
                int8_t& slot = spec.operand_slots[OpcodeSpec::name_slot(spec.operands[i].name)];
                slot = slot == OpcodeSpec::kNoOperand ? static_cast<int8_t>(i) : OpcodeSpec::kScan;
            }
        }
        return built;
    }();
    return table;
}

const OpcodeSpec* find_opcode(uint16_t opcode) {
    // The decoder and every operand access ask: today's codes index a table built once; a code
    // past it (a later engine's) is searched for.
    static const std::array<const OpcodeSpec*, 256> by_code = [] {
        std::array<const OpcodeSpec*, 256> index{};
        for (const OpcodeSpec& spec : opcode_table()) {
            if (uint16_t(spec.opcode) < index.size()) index[uint16_t(spec.opcode)] = &spec;
        }
        return index;
    }();
    if (opcode < by_code.size()) return by_code[opcode];
    for (const OpcodeSpec& spec : opcode_table()) {
        if (uint16_t(spec.opcode) == opcode) return &spec;
    }
    return nullptr;
}

const OpcodeSpec* find_opcode(std::string_view mnemonic) {
    for (const OpcodeSpec& spec : opcode_table()) {
        if (spec.mnemonic == mnemonic) return &spec;
    }
    return nullptr;
}

const OpcodeSpec& spec_of(Opcode opcode) {
    const OpcodeSpec* spec = find_opcode(uint16_t(opcode));
    if (!spec) throw std::logic_error("opcode " + to_hex(uint16_t(opcode), 4) + " has no table entry");
    return *spec;
}

}  // namespace cimvp::isa
