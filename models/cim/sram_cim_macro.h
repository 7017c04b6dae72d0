// An SRAM compute-in-memory macro driven by command descriptors (see CommandEngine for the
// register window). WEIGHT_WRITE loads a weight tile from memory into the bit-cell array; MVM
// multiplies a whole batch of input vectors (for example every im2col row of a layer chunk) with a
// stored tile and writes int32 results, optionally accumulating onto partial sums already in
// memory. The arithmetic, word-line grouping, ADC and MARS sparsity are described in cim_array.h.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "models/cim/cim_array.h"
#include "models/cim/sparse_tile.h"
#include "models/common/command_engine.h"

namespace cimvp {

namespace cim_opcode {
constexpr uint8_t kWeightWrite = 1;
constexpr uint8_t kMvm = 2;
}  // namespace cim_opcode

namespace cim_flag {
constexpr uint8_t kSignedWeights = 1;  // WEIGHT_WRITE and MVM: weights are two's complement
constexpr uint8_t kSignedInputs = 2;   // MVM: inputs are two's complement
constexpr uint8_t kAccumulate = 4;     // MVM: add the results to the int32 values already at `output`
}  // namespace cim_flag

// Descriptors as they sit in memory (little-endian). Reserved fields must be zero.
//
// WEIGHT_WRITE: `rows` x `channels` weights, row-major, each weight_bits bits, bit-packed LSB-first
// with rows back to back (sparse_tile.h): ceil(rows * channels * weight_bits / 8) bytes. A non-zero
// `source_stride` places rows that many bytes apart instead, and needs rows of whole bytes
// (channels * weight_bits a multiple of 8). 1-bit weights are +-1 (bit 1 = +1, bit 0 = -1) and
// need kSignedWeights. Weight row r goes to array row row_offset + r; channel c to the columns
// from column_offset + c * weight_columns. With a mask_address, the tile covers whole word-line
// groups and column groups, the mask holds one byte per touched (group, column group), row-major
// by group (0 marks an all-zero block to skip), and `source` holds only the kept weights in the
// packed layout of sparse_tile.h (source_stride 0). The macro reads the mask first, then exactly
// the bytes it implies.
struct CimWeightWriteCommand {
    uint8_t opcode;  // cim_opcode::kWeightWrite
    uint8_t weight_bits;
    uint8_t flags;  // cim_flag::kSignedWeights
    uint8_t reserved0;
    uint32_t rows;
    uint64_t source;
    uint32_t channels;
    uint32_t row_offset;
    uint32_t column_offset;
    uint32_t reserved1;
    uint64_t mask_address;  // 0: dense tile
    uint64_t source_stride;
    uint64_t reserved2[2];
};
static_assert(sizeof(CimWeightWriteCommand) == 64, "descriptor layout is part of the software interface");

// MVM: `vectors` input vectors of `rows` bytes (int8/uint8, the low input_bits bits are applied),
// `input_stride` bytes apart (0: packed); results are `channels` int32 per vector, `output_stride`
// bytes apart (0: packed). Rows and channels must lie inside what WEIGHT_WRITE stored with the
// same weight_bits and signedness.
struct CimMvmCommand {
    uint8_t opcode;  // cim_opcode::kMvm
    uint8_t input_bits;
    uint8_t weight_bits;
    uint8_t flags;  // cim_flag bits
    uint32_t vectors;
    uint64_t input;
    uint64_t input_stride;
    uint64_t output;
    uint64_t output_stride;
    uint32_t row_offset;
    uint32_t rows;
    uint32_t column_offset;
    uint32_t channels;
    uint64_t reserved;
};
static_assert(sizeof(CimMvmCommand) == 64, "descriptor layout is part of the software interface");

// Info registers (engine_reg::kInfo + 8 * index), for firmware that turns channel offsets into columns.
namespace cim_info {
constexpr unsigned kRows = 0, kColumns = 1, kBitsPerCell = 2, kColumnsPerAdc = 3, kMaxActiveWordLines = 4;
}  // namespace cim_info

class SramCimMacro : public CommandEngine {
public:
    struct Params {
        EngineParams engine;
        CimGeometry geometry;
        bool detailed;
        double cell_operation_pj;
        double adc_conversion_pj;
        double shift_add_pj;
        double input_sum_pj;
        double weight_cell_write_pj;
        double bitcell_area_um2;
        double adc_area_um2;
        double shift_add_area_um2;
        explicit Params(ParamReader& reader);
    };

    explicit SramCimMacro(const ComponentContext& context);

    double area_um2() const override;
    // The array geometry and fidelity, and the share of conversions MARS skipping avoided.
    void add_to_report(nlohmann::json& entry) const override;
    const Params& params() const { return params_; }
    const CimArray& array() const { return array_; }

private:
    SramCimMacro(const ComponentContext& context, const Params& params);
    Outcome execute(const uint8_t* descriptor, const sc_core::sc_time& start) override;
    uint64_t info(unsigned index) const override;
    std::string command_name(const uint8_t* descriptor) const override;
    Outcome write_weights(const CimWeightWriteCommand& command, const sc_core::sc_time& start);
    Outcome multiply(const CimMvmCommand& command, const sc_core::sc_time& start);
    void account(const MvmCounts& counts);

    // VCD waveforms: active_rows (active_word_lines() while an MVM computes, else 0), and the running
    // adc_conversions and skipped_groups counters, updated when an MVM's computing ends.
    void start_of_simulation() override;
    int active_word_lines(const MvmShape& shape) const;
    int active_rows_bits() const;
    void trace_activity();

    Params params_;
    CimArray array_;
    std::vector<uint8_t> staging_;
    // The layout of the last masked tile: the next one usually has the same shape, and the layout
    // keeps its working space and the last mask's table.
    std::optional<SparseTileLayout> layout_;
    std::vector<int64_t> sums_;         // a chunk's exact sums (detailed mode)
    std::vector<int32_t> chunk_sums_;   // a chunk's int32 sums, and then what is written back
    std::vector<int32_t> results_;      // the partial sums an accumulating MVM adds to
    // While tracing: the running MVM's word lines and its compute spans (back-to-back chunks merged).
    int traced_active_rows_ = 0;
    std::vector<std::pair<sc_core::sc_time, sc_core::sc_time>> compute_spans_;
    Tracer::SignalHandle active_rows_signal_{name(), "active_rows", active_rows_bits()};
    Tracer::SignalHandle adc_conversions_signal_{name(), "adc_conversions", 64};
    Tracer::SignalHandle skipped_groups_signal_{name(), "skipped_groups", 64};
    EnergyLedger::Handle cell_energy_;
    EnergyLedger::Handle adc_energy_;
    EnergyLedger::Handle shift_add_energy_;
    EnergyLedger::Handle input_sum_energy_;
    EnergyLedger::Handle binary_correction_energy_;
    EnergyLedger::Handle write_energy_;
    uint64_t& macs_;
    uint64_t& bitserial_cycles_;
    uint64_t& cell_operations_;
    uint64_t& adc_conversions_;
    uint64_t& skipped_groups_;
    uint64_t& skipped_conversions_;
    uint64_t& clipped_conversions_;
    uint64_t& compute_cycles_;
    uint64_t& input_sum_bits_;
    uint64_t& binary_corrections_;
    uint64_t& weight_rows_written_;
    uint64_t& weight_cells_written_;
};

}  // namespace cimvp
