#include "models/cim/sram_cim_macro.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <numeric>

#include "models/cim/sparse_tile.h"
#include "platform/registry.h"

namespace cimvp {

CIMVP_REGISTER_MODEL("sram_cim_macro", SramCimMacro,
                     "SRAM compute-in-memory macro: bit-serial MVM with word-line groups, ADCs and MARS sparsity");

SramCimMacro::Params::Params(ParamReader& reader)
    : engine(reader, "1GHz", "macro clock: one array activation and ADC conversion round per cycle (NeuroSim)") {
    auto integer = [&reader](const char* name, int64_t value, int64_t max, const char* meaning) {
        return static_cast<int>(reader.integer(name, value, 1, max, meaning));
    };
    geometry.rows = integer("rows", 128, 1 << 16, "word lines (rows) of the array (NeuroSim 128x128 subarray)");
    geometry.columns = integer("columns", 128, 1 << 16, "bit lines (columns) of the array");
    geometry.bits_per_cell = integer("bits_per_cell", 1, 4, "weight bits stored per cell (1 for a 6T/8T SRAM cell)");
    geometry.max_active_wl = integer("max_active_wl", 16, 1 << 16, "word lines switched on at once (a group)");
    geometry.adc_bits = integer("adc_bits", 5, 16, "ADC resolution; a non-ideal ADC clips column sums at 2^bits - 1");
    geometry.columns_per_adc = integer("columns_per_adc", 8, 1 << 16, "columns multiplexed onto one ADC");
    geometry.partitions = integer("partitions", 1, 1 << 16, "row partitions with their own ADCs, run in parallel");
    geometry.adc_ideal = reader.flag("adc_ideal", true, "exact column sums; false clips them to the ADC range");
    detailed =
        reader.choice("fidelity", "fast", {"fast", "detailed"},
                      "fast: word-level arithmetic, closed-form counts; detailed: walks bit planes and groups") ==
        "detailed";
    cell_operation_pj =
        reader.energy_pj("cell_operation_energy", "10.4fJ",
                         "per active row-column per input bit (1b-MAC; Jia et al. JSSC 2020: 192 1b-TOPS/W at 1.2 V)");
    adc_conversion_pj =
        reader.energy_pj("adc_energy", "0.99pJ", "per conversion (ISAAC 8b ADC scaled to 5 b by Accelergy, 32 nm)");
    shift_add_pj = reader.energy_pj("shift_add_energy", "0.021pJ", "per converted column sum (ISAAC, via Accelergy)");
    input_sum_pj = reader.energy_pj(
        "input_sum_energy", "3.75fJ",
        "1-bit weights: per input bit the popcount adds, one full adder (Horowitz ISSCC 2014: 0.03 pJ per 8-bit add)");
    weight_cell_write_pj = reader.energy_pj(
        "weight_write_energy", "0.156pJ", "per cell written (Horowitz ISSCC 2014: 10 pJ per 64-bit 8 KB SRAM access)");
    bitcell_area_um2 = reader.area_um2("bitcell_area", "0.127um2", "area of one bit cell (TSMC 28 nm 6T)");
    adc_area_um2 = reader.area_um2("adc_area", "477um2", "area of one ADC (ISAAC ADC scaled to 5 b by Accelergy)");
    shift_add_area_um2 = reader.area_um2("shift_add_area", "60um2", "area of one shift-and-add unit (ISAAC)");

    const CimGeometry& g = geometry;
    reader.require(g.rows % g.max_active_wl == 0, "max_active_wl", "must divide rows");
    reader.require(g.columns % g.columns_per_adc == 0, "columns_per_adc", "must divide columns");
    reader.require((g.rows / std::max(g.max_active_wl, 1)) % g.partitions == 0, "partitions",
                   "must divide the number of word-line groups (rows / max_active_wl)");
    reader.require(g.adc_ideal || detailed, "adc_ideal", "a non-ideal ADC needs fidelity: detailed");
}

SramCimMacro::SramCimMacro(const ComponentContext& context) : SramCimMacro(context, read_params<Params>(context)) {}

SramCimMacro::SramCimMacro(const ComponentContext& context, const Params& params)
    : CommandEngine(context, params.engine),
      params_(params),
      array_(params.geometry),
      cell_energy_(energy().declare("cell_operation", params.cell_operation_pj)),
      adc_energy_(energy().declare("adc_conversion", params.adc_conversion_pj)),
      shift_add_energy_(energy().declare("shift_add", params.shift_add_pj)),
      input_sum_energy_(energy().declare("input_sum_bit", params.input_sum_pj)),
      binary_correction_energy_(energy().declare("binary_correction", params.shift_add_pj)),
      write_energy_(energy().declare("weight_cell_write", params.weight_cell_write_pj)),
      macs_(counters()["macs"]),
      bitserial_cycles_(counters()["bitserial_cycles"]),
      cell_operations_(counters()["cell_operations"]),
      adc_conversions_(counters()["adc_conversions"]),
      skipped_groups_(counters()["skipped_groups"]),
      skipped_conversions_(counters()["skipped_conversions"]),
      clipped_conversions_(counters()["clipped_conversions"]),
      compute_cycles_(counters()["compute_cycles"]),
      input_sum_bits_(counters()["input_sum_bits"]),
      binary_corrections_(counters()["binary_corrections"]),
      weight_rows_written_(counters()["weight_rows_written"]),
      weight_cells_written_(counters()["weight_cells_written"]) {}

double SramCimMacro::area_um2() const {
    const CimGeometry& g = params_.geometry;
    const double adcs = static_cast<double>(g.partitions) * (g.columns / g.columns_per_adc);
    return static_cast<double>(g.rows) * g.columns * params_.bitcell_area_um2 +
           adcs * (params_.adc_area_um2 + params_.shift_add_area_um2);
}

void SramCimMacro::add_to_report(nlohmann::json& entry) const {
    const CimGeometry& g = params_.geometry;
    entry["fidelity"] = params_.detailed ? "detailed" : "fast";
    entry["adc_ideal"] = g.adc_ideal;
    entry["array"] = {{"rows", g.rows},
                      {"columns", g.columns},
                      {"bits_per_cell", g.bits_per_cell},
                      {"max_active_wl", g.max_active_wl},
                      {"adc_bits", g.adc_bits},
                      {"columns_per_adc", g.columns_per_adc},
                      {"partitions", g.partitions}};
    const double needed = static_cast<double>(adc_conversions_ + skipped_conversions_);
    entry["skipped_conversion_fraction"] = needed > 0 ? static_cast<double>(skipped_conversions_) / needed : 0.0;
}

CommandEngine::Outcome SramCimMacro::execute(const uint8_t* descriptor, const sc_core::sc_time& start) {
    switch (descriptor[0]) {
        case cim_opcode::kWeightWrite: {
            CimWeightWriteCommand command;
            std::memcpy(&command, descriptor, sizeof command);
            return write_weights(command, start);
        }
        case cim_opcode::kMvm: {
            CimMvmCommand command;
            std::memcpy(&command, descriptor, sizeof command);
            const Outcome outcome = multiply(command, start);
            // After a bus error too: the chunks computed before it count.
            if (tracer() != nullptr) trace_activity();
            return outcome;
        }
        default:
            return rejected(0);
    }
}

std::string SramCimMacro::command_name(const uint8_t* descriptor) const {
    switch (descriptor[0]) {
        case cim_opcode::kWeightWrite:
            return "weight_write";
        case cim_opcode::kMvm:
            return "mvm";
        default:
            return "bad command";
    }
}

uint64_t SramCimMacro::info(unsigned index) const {
    const CimGeometry& g = params_.geometry;
    switch (index) {
        case cim_info::kRows:
            return static_cast<uint64_t>(g.rows);
        case cim_info::kColumns:
            return static_cast<uint64_t>(g.columns);
        case cim_info::kBitsPerCell:
            return static_cast<uint64_t>(g.bits_per_cell);
        case cim_info::kColumnsPerAdc:
            return static_cast<uint64_t>(g.columns_per_adc);
        case cim_info::kMaxActiveWordLines:
            return static_cast<uint64_t>(g.max_active_wl);
        default:
            return 0;
    }
}

CommandEngine::Outcome SramCimMacro::write_weights(const CimWeightWriteCommand& command,
                                                   const sc_core::sc_time& start) {
    using C = CimWeightWriteCommand;
    const CimGeometry& g = params_.geometry;
    if (command.weight_bits < 1 || command.weight_bits > 16) return rejected(offsetof(C, weight_bits));
    if ((command.flags & ~cim_flag::kSignedWeights) != 0) return rejected(offsetof(C, flags));
    // +-1 weights are signed; an unsigned 1-bit tile has no stored form.
    if (command.weight_bits == 1 && (command.flags & cim_flag::kSignedWeights) == 0) {
        return rejected(offsetof(C, flags));
    }
    if (command.reserved0 != 0) return rejected(offsetof(C, reserved0));
    if (command.reserved1 != 0) return rejected(offsetof(C, reserved1));
    if (command.reserved2[0] != 0 || command.reserved2[1] != 0) return rejected(offsetof(C, reserved2));
    const bool is_signed = (command.flags & cim_flag::kSignedWeights) != 0;
    const uint64_t columns = uint64_t{command.channels} * array_.weight_columns(command.weight_bits, is_signed);
    if (command.rows == 0 || command.rows > static_cast<uint64_t>(g.rows)) return rejected(offsetof(C, rows));
    if (command.row_offset > static_cast<uint64_t>(g.rows) - command.rows) return rejected(offsetof(C, row_offset));
    if (command.channels == 0 || columns > static_cast<uint64_t>(g.columns)) return rejected(offsetof(C, channels));
    if (command.column_offset > static_cast<uint64_t>(g.columns) - columns) {
        return rejected(offsetof(C, column_offset));
    }
    if (command.mask_address != 0) {  // a mask describes whole blocks only
        if (command.row_offset % g.max_active_wl != 0) return rejected(offsetof(C, row_offset));
        if (command.rows % g.max_active_wl != 0) return rejected(offsetof(C, rows));
        if (command.column_offset % g.columns_per_adc != 0) return rejected(offsetof(C, column_offset));
        if (columns % g.columns_per_adc != 0) return rejected(offsetof(C, channels));
        // Packed weights lie back to back: a row stride has no meaning for them.
        if (command.source_stride != 0) return rejected(offsetof(C, source_stride));
    }
    // Dense rows are bit streams back to back; a row stride needs rows of whole bytes.
    const uint64_t row_bits = uint64_t{command.channels} * command.weight_bits;
    if (command.source_stride != 0 && (row_bits % 8 != 0 || command.source_stride < row_bits / 8)) {
        return rejected(offsetof(C, source_stride));
    }

    sc_core::sc_time when = start;
    std::vector<uint8_t> mask;
    const SparseTileLayout* layout = nullptr;  // masked (MARS) tiles only
    if (command.mask_address == 0) {
        const uint64_t count = uint64_t{command.rows} * command.channels;
        staging_.resize(packed_weight_bytes(count, command.weight_bits));
        const bool read =
            command.source_stride == 0
                ? read_block(command.source, staging_.data(), staging_.size(), when)
                : read_rows(command.source, row_bits / 8, command.rows, command.source_stride, staging_.data(), when);
        if (!read) return bus_error();
    } else {
        const int rows = static_cast<int>(command.rows), channels = static_cast<int>(command.channels);
        const int per_weight = array_.weight_columns(command.weight_bits, is_signed);
        if (!layout_ || layout_->rows() != rows || layout_->channels() != channels ||
            layout_->weight_bits() != command.weight_bits || layout_->weight_columns() != per_weight) {
            layout_.emplace(rows, channels, command.weight_bits, per_weight, g.max_active_wl, g.columns_per_adc);
        }
        layout = &*layout_;
        // The mask says how many bytes follow, so it is read first.
        mask.resize(layout->mask_bytes());
        if (!read_block(command.mask_address, mask.data(), mask.size(), when)) return bus_error();
        staging_.resize(layout->packed_bytes(mask));
        if (!read_block(command.source, staging_.data(), staging_.size(), when)) return bus_error();
    }
    const int row_offset = static_cast<int>(command.row_offset), column_offset = static_cast<int>(command.column_offset);
    int rows_written = 0;
    if (layout != nullptr) {
        rows_written = array_.write_packed_weights(row_offset, column_offset, is_signed, *layout, staging_.data(),
                                                   staging_.size(), mask);
    } else {
        rows_written = array_.write_dense_weights(row_offset, column_offset, static_cast<int>(command.rows),
                                                  static_cast<int>(command.channels), command.weight_bits, is_signed,
                                                  staging_.data());
    }
    // One word line is written per cycle, across every column of the tile.
    weight_rows_written_ += static_cast<uint64_t>(rows_written);
    weight_cells_written_ += static_cast<uint64_t>(rows_written) * columns;
    write_energy_.add(static_cast<uint64_t>(rows_written) * columns);
    return finished_at(when + cycle() * static_cast<double>(rows_written));
}

void SramCimMacro::account(const MvmCounts& counts) {
    macs_ += counts.macs;
    bitserial_cycles_ += counts.bitserial_cycles;
    cell_operations_ += counts.cell_operations;
    adc_conversions_ += counts.adc_conversions;
    skipped_groups_ += counts.skipped_groups;
    skipped_conversions_ += counts.skipped_conversions;
    clipped_conversions_ += counts.clipped_conversions;
    compute_cycles_ += counts.compute_cycles;
    input_sum_bits_ += counts.input_sum_bits;
    binary_corrections_ += counts.binary_corrections;
    cell_energy_.add(counts.cell_operations);
    adc_energy_.add(counts.adc_conversions);
    shift_add_energy_.add(counts.adc_conversions);
    input_sum_energy_.add(counts.input_sum_bits);
    binary_correction_energy_.add(counts.binary_corrections);
}

void SramCimMacro::start_of_simulation() {
    CommandEngine::start_of_simulation();
    if (tracer() == nullptr) return;
    tracer()->signal(active_rows_signal_, sc_core::SC_ZERO_TIME, 0);
    tracer()->signal(adc_conversions_signal_, sc_core::SC_ZERO_TIME, 0);
    tracer()->signal(skipped_groups_signal_, sc_core::SC_ZERO_TIME, 0);
}

// Word lines on at once while `shape` computes: in each partition, the tile's rows inside one activated
// word-line group (at most max_active_wl; the largest such group where the tile is not aligned to
// groups), summed over the partitions, which activate their groups in parallel.
int SramCimMacro::active_word_lines(const MvmShape& shape) const {
    const CimGeometry& g = params_.geometry;
    const int row_end = shape.row_offset + shape.rows;
    const int column_end =
        shape.column_offset + shape.channels * array_.weight_columns(shape.weight_bits, shape.signed_weights);
    const int groups_per_partition = array_.groups() / g.partitions;
    std::vector<int> per_partition(static_cast<size_t>(g.partitions), 0);
    for (int group = shape.row_offset / g.max_active_wl; group <= (row_end - 1) / g.max_active_wl; ++group) {
        bool activated = false;  // MARS skips a group whose blocks under the tile are all pruned
        for (int q = shape.column_offset / g.columns_per_adc; q <= (column_end - 1) / g.columns_per_adc; ++q) {
            activated = activated || array_.kept(group, q);
        }
        if (!activated) continue;
        const int rows =
            std::min(row_end, (group + 1) * g.max_active_wl) - std::max(shape.row_offset, group * g.max_active_wl);
        int& peak = per_partition[static_cast<size_t>(group / groups_per_partition)];
        peak = std::max(peak, rows);
    }
    return std::accumulate(per_partition.begin(), per_partition.end(), 0);
}

int SramCimMacro::active_rows_bits() const { return Tracer::width_for(static_cast<uint64_t>(params_.geometry.rows)); }

void SramCimMacro::trace_activity() {
    if (compute_spans_.empty()) return;  // refused or failed before computing: nothing changed
    for (const auto& [begin, end] : compute_spans_) {
        tracer()->signal(active_rows_signal_, begin, traced_active_rows_);
        tracer()->signal(active_rows_signal_, end, 0);
    }
    const sc_core::sc_time end = compute_spans_.back().second;
    tracer()->signal(adc_conversions_signal_, end, static_cast<double>(adc_conversions_));
    tracer()->signal(skipped_groups_signal_, end, static_cast<double>(skipped_groups_));
    compute_spans_.clear();
}

CommandEngine::Outcome SramCimMacro::multiply(const CimMvmCommand& command, const sc_core::sc_time& start) {
    using C = CimMvmCommand;
    const CimGeometry& g = params_.geometry;
    constexpr uint8_t kKnownFlags = cim_flag::kSignedWeights | cim_flag::kSignedInputs | cim_flag::kAccumulate;
    if (command.input_bits < 1 || command.input_bits > 8) return rejected(offsetof(C, input_bits));
    if (command.weight_bits < 1 || command.weight_bits > 16) return rejected(offsetof(C, weight_bits));
    if ((command.flags & ~kKnownFlags) != 0) return rejected(offsetof(C, flags));
    if (command.weight_bits == 1 && (command.flags & cim_flag::kSignedWeights) == 0) {
        return rejected(offsetof(C, flags));
    }
    if (command.vectors == 0) return rejected(offsetof(C, vectors));
    if (command.reserved != 0) return rejected(offsetof(C, reserved));
    MvmShape shape;
    shape.input_bits = command.input_bits;
    shape.weight_bits = command.weight_bits;
    shape.signed_inputs = (command.flags & cim_flag::kSignedInputs) != 0;
    shape.signed_weights = (command.flags & cim_flag::kSignedWeights) != 0;
    const uint64_t columns =
        uint64_t{command.channels} * array_.weight_columns(shape.weight_bits, shape.signed_weights);
    if (command.rows == 0 || command.rows > static_cast<uint64_t>(g.rows)) return rejected(offsetof(C, rows));
    if (command.row_offset > static_cast<uint64_t>(g.rows) - command.rows) return rejected(offsetof(C, row_offset));
    if (command.channels == 0 || columns > static_cast<uint64_t>(g.columns)) return rejected(offsetof(C, channels));
    if (command.column_offset > static_cast<uint64_t>(g.columns) - columns) {
        return rejected(offsetof(C, column_offset));
    }
    const uint64_t output_bytes = uint64_t{command.channels} * 4;
    const uint64_t input_stride = command.input_stride == 0 ? command.rows : command.input_stride;
    const uint64_t output_stride = command.output_stride == 0 ? output_bytes : command.output_stride;
    if (output_stride < output_bytes) return rejected(offsetof(C, output_stride));
    shape.row_offset = static_cast<int>(command.row_offset);
    shape.rows = static_cast<int>(command.rows);
    shape.column_offset = static_cast<int>(command.column_offset);
    shape.channels = static_cast<int>(command.channels);
    const bool accumulate = (command.flags & cim_flag::kAccumulate) != 0;
    if (tracer() != nullptr) traced_active_rows_ = active_word_lines(shape);

    // Vectors move in chunks of about one burst. Two input buffers let the next chunk load while
    // this one is computed; results leave as soon as their chunk is done.
    const uint64_t chunk =
        std::max<uint64_t>(1, engine_params().burst_bytes / std::max<uint64_t>(command.rows, output_bytes));
    sc_core::sc_time read_done = start, compute_start = start, compute_done = start, write_done = start;
    for (uint64_t first = 0; first < command.vectors; first += chunk) {
        const uint64_t count = std::min<uint64_t>(chunk, command.vectors - first);
        sc_core::sc_time read_at = std::max(read_done, compute_start);
        staging_.resize(count * command.rows);
        if (!read_rows(command.input + first * input_stride, command.rows, count, input_stride, staging_.data(),
                       read_at)) {
            return bus_error();
        }
        read_done = read_at;
        compute_start = std::max(read_done, compute_done);
        // int32 sums, wrapped like the hardware's 32-bit accumulators; the detailed walk sums in
        // int64 and is wrapped here.
        chunk_sums_.resize(count * command.channels);
        MvmCounts counts;
        if (params_.detailed) {
            sums_.resize(count * command.channels);
            counts = array_.run_detailed(shape, count, staging_.data(), sums_.data());
            for (size_t i = 0; i < sums_.size(); ++i)
                chunk_sums_[i] = static_cast<int32_t>(static_cast<uint32_t>(sums_[i]));
        } else {
            counts = array_.run_fast(shape, count, staging_.data(), chunk_sums_.data());
        }
        account(counts);
        compute_done = compute_start + cycle() * static_cast<double>(counts.compute_cycles);
        if (tracer() != nullptr) {
            if (!compute_spans_.empty() && compute_spans_.back().second == compute_start) {
                compute_spans_.back().second = compute_done;
            } else {
                compute_spans_.emplace_back(compute_start, compute_done);
            }
        }

        const uint64_t output = command.output + first * output_stride;
        auto* result_bytes = reinterpret_cast<uint8_t*>(chunk_sums_.data());
        sc_core::sc_time write_at = std::max(compute_start, write_done);
        if (accumulate) {
            results_.resize(count * command.channels);
            if (!read_rows(output, output_bytes, count, output_stride, reinterpret_cast<uint8_t*>(results_.data()),
                           write_at)) {
                return bus_error();
            }
            for (size_t i = 0; i < results_.size(); ++i) {
                chunk_sums_[i] =
                    static_cast<int32_t>(static_cast<uint32_t>(results_[i]) + static_cast<uint32_t>(chunk_sums_[i]));
            }
        }
        write_at = std::max(write_at, compute_done);
        if (!write_rows(output, output_bytes, count, output_stride, result_bytes, write_at)) return bus_error();
        write_done = write_at;
        keep_quantum(compute_done);
    }
    return finished_at(std::max(compute_done, write_done));
}

}  // namespace cimvp
