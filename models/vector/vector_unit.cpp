#include "models/vector/vector_unit.h"

#include <algorithm>

#include "firmware/isa/decode_error.h"
#include "platform/registry.h"

namespace cimvp {

CIMVP_REGISTER_MODEL("vector_unit", VectorUnit,
                     "vector unit: element-wise add, ReLU, max/average pooling and per-channel requantization");

VectorUnit::Params::Params(ParamReader& reader)
    : engine(reader, "1GHz", "vector unit clock: `lanes` element operations per cycle") {
    lanes = reader.integer("lanes", 16, 1, 1 << 16, "element operations per cycle (assumption: 16 int32 lanes)");
    pipeline_latency = reader.integer("pipeline_latency", 4, 0, 1 << 16,
                                      "cycles from an element entering the lanes to its result "
                                      "(assumption: multiply, add, shift, clamp stages)");
    line_buffer_bytes = reader.bytes("line_buffer", "64KiB", "pooling line buffer: holds kernel_h input rows");
    add_pj = reader.energy_pj("add_energy", "0.1pJ", "per add (Horowitz ISSCC 2014, 32-bit integer add, 45 nm)");
    compare_pj = reader.energy_pj("compare_energy", "0.1pJ",
                                  "per compare or clamp bound (a subtract: Horowitz 32-bit integer add)");
    multiply_pj = reader.energy_pj("multiply_energy", "3.1pJ",
                                   "per 32x16-bit product (Horowitz 32-bit integer multiply, an upper bound)");
    area_um2 = reader.area_um2("area", "0um2", "datapath area (not modelled: no published figure found)");
}

VectorUnit::VectorUnit(const ComponentContext& context) : VectorUnit(context, read_params<Params>(context)) {}

VectorUnit::VectorUnit(const ComponentContext& context, const Params& params)
    : CommandEngine(context, params.engine),
      params_(params),
      add_energy_(energy().declare("add", params.add_pj)),
      compare_energy_(energy().declare("compare", params.compare_pj)),
      multiply_energy_(energy().declare("multiply", params.multiply_pj)),
      elements_(counters()["elements"]),
      add_ops_(counters()["add_ops"]),
      compare_ops_(counters()["compare_ops"]),
      multiply_ops_(counters()["multiply_ops"]),
      compute_cycles_(counters()["compute_cycles"]) {}

void VectorUnit::add_to_report(nlohmann::json& entry) const {
    entry["lanes"] = params_.lanes;
    entry["pipeline_latency"] = params_.pipeline_latency;
}

std::string VectorUnit::command_name(const uint8_t* descriptor) const {
    uint16_t opcode = 0;
    std::memcpy(&opcode, descriptor, 2);
    if (const isa::OpcodeSpec* spec = isa::find_opcode(opcode)) return spec->mnemonic;
    return "bad command";
}

CommandEngine::Outcome VectorUnit::execute(const uint8_t* descriptor, const sc_core::sc_time& start) {
    isa::Instruction instruction;
    try {
        instruction = isa::decode_instruction(descriptor, 0);
    } catch (const isa::DecodeError& error) {
        return rejected(error.offset());
    }
    switch (instruction.opcode) {
        case isa::Opcode::kVectorAdd:
            return add(instruction, start);
        case isa::Opcode::kVectorRelu:
            return relu(instruction, start);
        case isa::Opcode::kVectorRequantize:
            return requantize(instruction, start);
        case isa::Opcode::kVectorMaxPool:
        case isa::Opcode::kVectorAvgPool:
            return pool(instruction, start);
        default:
            return rejected(0);  // a valid instruction for another engine
    }
}

CommandEngine::Outcome VectorUnit::rejected_operand(const isa::Instruction& instruction, const char* name) const {
    return rejected(instruction.spec().operand_offset(name));
}

bool VectorUnit::check_clamp(const isa::Instruction& instruction, const char* out_type, vector::Clamp& clamp,
                             Outcome& outcome) const {
    const auto type = static_cast<isa::ElementType>(instruction.value(out_type));
    clamp.low = static_cast<int32_t>(instruction.signed_value("out_min"));
    clamp.high = static_cast<int32_t>(instruction.signed_value("out_max"));
    // Results are clamped once, to bounds the output type can hold, so storing never wraps.
    if (clamp.low < vector::type_min(type) || clamp.low > clamp.high) {
        outcome = rejected_operand(instruction, "out_min");
        return false;
    }
    if (clamp.high > vector::type_max(type)) {
        outcome = rejected_operand(instruction, "out_max");
        return false;
    }
    return true;
}

uint64_t VectorUnit::tile_elements(unsigned widest_bytes) const {
    const auto lanes = static_cast<uint64_t>(params_.lanes);
    return std::max(lanes, engine_params().burst_bytes / widest_bytes / lanes * lanes);
}

sc_core::sc_time VectorUnit::compute(Stream& stream, const sc_core::sc_time& read_end, uint64_t lane_operations,
                                     const vector::OpCounts& ops) {
    const auto lanes = static_cast<uint64_t>(params_.lanes);
    const uint64_t cycles = (lane_operations + lanes - 1) / lanes;
    stream.read_done = read_end;
    stream.compute_start = std::max(read_end, stream.compute_done);
    stream.compute_done = stream.compute_start + cycle() * static_cast<double>(cycles);
    compute_cycles_ += cycles;
    add_ops_ += ops.add;
    compare_ops_ += ops.compare;
    multiply_ops_ += ops.multiply;
    add_energy_.add(ops.add);
    compare_energy_.add(ops.compare);
    multiply_energy_.add(ops.multiply);
    return stream.compute_done + cycle() * static_cast<double>(params_.pipeline_latency);
}

bool VectorUnit::read_elements(uint64_t address, isa::ElementType type, uint64_t first, uint64_t count,
                               std::vector<int32_t>& values, sc_core::sc_time& when) {
    const unsigned size = vector::element_bytes(type);
    bytes_.resize(count * size);
    if (!read_block(address + first * size, bytes_.data(), bytes_.size(), when)) return false;
    values.resize(count);
    vector::load(type, bytes_.data(), count, values.data());
    return true;
}

bool VectorUnit::write_elements(uint64_t address, isa::ElementType type, uint64_t first,
                                const std::vector<int32_t>& values, sc_core::sc_time& when) {
    const unsigned size = vector::element_bytes(type);
    bytes_.resize(values.size() * size);
    vector::store(type, values.data(), values.size(), bytes_.data());
    return write_block(address + first * size, bytes_.data(), bytes_.size(), when);
}

CommandEngine::Outcome VectorUnit::add(const isa::Instruction& instruction, const sc_core::sc_time& start) {
    const auto a_type = static_cast<isa::ElementType>(instruction.value("a_type"));
    const auto b_type = static_cast<isa::ElementType>(instruction.value("b_type"));
    const auto out_type = static_cast<isa::ElementType>(instruction.value("out_type"));
    vector::Clamp clamp{};
    Outcome outcome;
    if (!check_clamp(instruction, "out_type", clamp, outcome)) return outcome;
    const auto multiplier_a = static_cast<int64_t>(instruction.value("multiplier_a"));
    const auto multiplier_b = static_cast<int64_t>(instruction.value("multiplier_b"));
    const auto shift = static_cast<int32_t>(instruction.value("shift"));
    const uint64_t tile = tile_elements(
        std::max({vector::element_bytes(a_type), vector::element_bytes(b_type), vector::element_bytes(out_type)}));
    return stream_elementwise(
        instruction, start, tile, out_type,
        [&](uint64_t first, uint64_t count, sc_core::sc_time& when) {
            return read_elements(instruction.value("a"), a_type, first, count, a_, when) &&
                   read_elements(instruction.value("b"), b_type, first, count, b_, when);
        },
        [&](uint64_t, uint64_t count) {
            return vector::add(a_.data(), b_.data(), count, multiplier_a, multiplier_b, shift, clamp, out_.data());
        });
}

CommandEngine::Outcome VectorUnit::relu(const isa::Instruction& instruction, const sc_core::sc_time& start) {
    const auto type = static_cast<isa::ElementType>(instruction.value("type"));
    return stream_elementwise(
        instruction, start, tile_elements(vector::element_bytes(type)), type,
        [&](uint64_t first, uint64_t count, sc_core::sc_time& when) {
            return read_elements(instruction.value("src"), type, first, count, a_, when);
        },
        [&](uint64_t, uint64_t count) { return vector::relu(a_.data(), count, out_.data()); });
}

CommandEngine::Outcome VectorUnit::stream_elementwise(const isa::Instruction& instruction,
                                                      const sc_core::sc_time& start, uint64_t tile,
                                                      isa::ElementType out_type, const TileReader& read,
                                                      const TileKernel& kernel) {
    const uint64_t elements = instruction.value("elements");
    Stream stream(start);
    for (uint64_t first = 0; first < elements; first += tile) {
        const uint64_t count = std::min(tile, elements - first);
        sc_core::sc_time read_at = std::max(stream.read_done, stream.compute_start);
        if (!read(first, count, read_at)) return bus_error();
        out_.resize(count);
        const vector::OpCounts ops = kernel(first, count);
        sc_core::sc_time write_at = std::max(compute(stream, read_at, count, ops), stream.write_done);
        if (!write_elements(instruction.value("dst"), out_type, first, out_, write_at)) return bus_error();
        stream.write_done = write_at;
        keep_quantum(stream.compute_done);
    }
    elements_ += elements;
    return finished_at(stream.write_done);
}

CommandEngine::Outcome VectorUnit::requantize(const isa::Instruction& instruction, const sc_core::sc_time& start) {
    const auto out_type = static_cast<isa::ElementType>(instruction.value("out_type"));
    vector::Clamp clamp{};
    Outcome outcome;
    if (!check_clamp(instruction, "out_type", clamp, outcome)) return outcome;
    const uint64_t channels = instruction.value("channels");
    const uint64_t bias_address = instruction.value("bias");
    const uint64_t multipliers_address = instruction.value("multipliers");
    const uint64_t shifts_address = instruction.value("shifts");

    // The per-channel tables are loaded once, before the accumulators stream through.
    sc_core::sc_time when = start;
    std::vector<int32_t> bias, multipliers, shifts;
    if (bias_address != 0 && !read_elements(bias_address, isa::ElementType::kInt32, 0, channels, bias, when)) {
        return bus_error();
    }
    if (!read_elements(multipliers_address, isa::ElementType::kInt32, 0, channels, multipliers, when) ||
        !read_elements(shifts_address, isa::ElementType::kInt32, 0, channels, shifts, when)) {
        return bus_error();
    }
    for (uint64_t c = 0; c < channels; ++c) {
        if (multipliers[c] < 0 || multipliers[c] > 32767) {
            return Outcome{sc_core::SC_ZERO_TIME, vector_error::kBadTable, multipliers_address + 4 * c};
        }
        if (shifts[c] < 1 || shifts[c] > 62) {
            return Outcome{sc_core::SC_ZERO_TIME, vector_error::kBadTable, shifts_address + 4 * c};
        }
    }
    const vector::ChannelTables tables{bias.empty() ? nullptr : bias.data(), multipliers.data(), shifts.data(),
                                       channels, instruction.value("channel_stride")};

    return stream_elementwise(
        instruction, when, tile_elements(4), out_type,
        [&](uint64_t first, uint64_t count, sc_core::sc_time& at) {
            return read_elements(instruction.value("src"), isa::ElementType::kInt32, first, count, a_, at);
        },
        [&](uint64_t first, uint64_t count) {
            return vector::requantize(a_.data(), count, first, tables, clamp, out_.data());
        });
}

CommandEngine::Outcome VectorUnit::pool(const isa::Instruction& instruction, const sc_core::sc_time& start) {
    const bool is_max = instruction.opcode == isa::Opcode::kVectorMaxPool;
    const auto in_type = static_cast<isa::ElementType>(instruction.value(is_max ? "type" : "in_type"));
    const auto out_type = static_cast<isa::ElementType>(instruction.value(is_max ? "type" : "out_type"));
    vector::Clamp clamp{};
    Outcome outcome;
    if (!is_max && !check_clamp(instruction, "out_type", clamp, outcome)) return outcome;
    vector::PoolShape shape{};
    shape.height = static_cast<int64_t>(instruction.value("height"));
    shape.width = static_cast<int64_t>(instruction.value("width"));
    shape.channels = static_cast<int64_t>(instruction.value("channels"));
    shape.kernel_h = static_cast<int64_t>(instruction.value("kernel_h"));
    shape.kernel_w = static_cast<int64_t>(instruction.value("kernel_w"));
    shape.stride_h = static_cast<int64_t>(instruction.value("stride_h"));
    shape.stride_w = static_cast<int64_t>(instruction.value("stride_w"));
    shape.pad_top = static_cast<int64_t>(instruction.value("pad_top"));
    shape.pad_left = static_cast<int64_t>(instruction.value("pad_left"));
    shape.pad_bottom = static_cast<int64_t>(instruction.value("pad_bottom"));
    shape.pad_right = static_cast<int64_t>(instruction.value("pad_right"));
    // Padding narrower than the kernel keeps every window on at least one input element.
    if (shape.pad_top >= shape.kernel_h) return rejected_operand(instruction, "pad_top");
    if (shape.pad_bottom >= shape.kernel_h) return rejected_operand(instruction, "pad_bottom");
    if (shape.pad_left >= shape.kernel_w) return rejected_operand(instruction, "pad_left");
    if (shape.pad_right >= shape.kernel_w) return rejected_operand(instruction, "pad_right");
    if (shape.height + shape.pad_top + shape.pad_bottom < shape.kernel_h) {
        return rejected_operand(instruction, "kernel_h");
    }
    if (shape.width + shape.pad_left + shape.pad_right < shape.kernel_w) {
        return rejected_operand(instruction, "kernel_w");
    }
    const int64_t row_values = shape.width * shape.channels;
    const uint64_t row_bytes = static_cast<uint64_t>(row_values) * vector::element_bytes(in_type);
    if (row_bytes * static_cast<uint64_t>(shape.kernel_h) > params_.line_buffer_bytes) {
        return rejected_operand(instruction, "width");
    }
    const int64_t out_width = shape.out_width(), out_height = shape.out_height();
    const uint64_t out_row_bytes = static_cast<uint64_t>(out_width * shape.channels) * vector::element_bytes(out_type);
    const uint64_t window_operations =
        static_cast<uint64_t>(out_width * shape.channels * shape.kernel_h * shape.kernel_w);
    const auto multiplier = is_max ? 0 : static_cast<int64_t>(instruction.value("multiplier"));
    const auto shift = is_max ? 1 : static_cast<int32_t>(instruction.value("shift"));
    const uint64_t src = instruction.value("src"), dst = instruction.value("dst");

    std::vector<int32_t> line_buffer(static_cast<size_t>(shape.kernel_h * row_values));
    const vector::LineBuffer input{line_buffer.data(), shape.kernel_h};
    int64_t loaded = 0;  // rows below this one have been read or are never needed
    Stream stream(start);
    for (int64_t oy = 0; oy < out_height; ++oy) {
        // Only the rows the previous window did not cover come in; a row is read once.
        const int64_t from = std::max(loaded, shape.first_row(oy)), to = shape.last_row(oy);
        sc_core::sc_time read_end = stream.read_done;
        if (from < to) {
            read_end = std::max(stream.read_done, stream.compute_start);
            bytes_.resize(static_cast<size_t>(to - from) * row_bytes);
            if (!read_block(src + static_cast<uint64_t>(from) * row_bytes, bytes_.data(), bytes_.size(), read_end)) {
                return bus_error();
            }
            for (int64_t row = from; row < to; ++row) {
                vector::load(in_type, bytes_.data() + static_cast<size_t>(row - from) * row_bytes,
                             static_cast<size_t>(row_values), line_buffer.data() + (row % shape.kernel_h) * row_values);
            }
            loaded = to;
        }
        out_.resize(static_cast<size_t>(out_width * shape.channels));
        const vector::OpCounts ops =
            is_max ? vector::max_pool_row(shape, input, oy, out_.data())
                   : vector::average_pool_row(shape, input, oy, multiplier, shift, clamp, out_.data());
        sc_core::sc_time write_at = std::max(compute(stream, read_end, window_operations, ops), stream.write_done);
        bytes_.resize(out_row_bytes);
        vector::store(out_type, out_.data(), out_.size(), bytes_.data());
        if (!write_block(dst + static_cast<uint64_t>(oy) * out_row_bytes, bytes_.data(), bytes_.size(), write_at)) {
            return bus_error();
        }
        stream.write_done = write_at;
        keep_quantum(stream.compute_done);
    }
    elements_ += static_cast<uint64_t>(out_height * out_width * shape.channels);
    return finished_at(stream.write_done);
}

}  // namespace cimvp
