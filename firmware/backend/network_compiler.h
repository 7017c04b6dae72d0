// The compiler back end for SRAM CIM platforms: turns a quantized network (the integer IR of
// docs/ir.md) into a program image for the platform's scheduler. docs/backend.md describes the
// mapping; in short, each conv or FC layer runs band by band (a band is as many output rows as the
// core buffers hold): the band's input rows are copied from DRAM into every core's buffer (two
// buffers, so the next band loads while this one computes), each macro multiplies its weight tiles
// over the whole band into int32 partial sums, the vector units requantize them, and DMA writes the
// band back to DRAM. Weights come from DRAM; a layer whose tiles do not fit the macros at once is
// reloaded pass by pass for every band, and those reloads are real commands with real cost.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "firmware/backend/activation_plan.h"
#include "firmware/backend/target.h"
#include "firmware/compiler/ir/graph.h"
#include "firmware/isa/program_image.h"

namespace cimvp::backend {

struct BackendOptions {
    // MARS: store weight tiles with block masks (index codes), so all-zero word-line groups are
    // neither stored, loaded, activated nor converted.
    bool block_masks = false;
    // Layers whose tiles leave whole cores idle get copies of their weights there, and the copies
    // compute different bands at once (docs/backend.md).
    bool replicate = true;
    // When a conv's bands keep two sets of partial sums and output staging, so that one round's
    // requantization and write-back overlap the next round's MVMs (docs/backend.md). The smaller
    // bands this needs make a layer whose weights do not stay in the macros reload them more often.
    enum class OverlapBands { kNever, kWhenWeightsStay, kAlways };
    OverlapBands overlap_bands = OverlapBands::kWhenWeightsStay;
};

// "never", "when_weights_stay" or "always"; throws std::invalid_argument otherwise.
BackendOptions::OverlapBands parse_overlap_bands(const std::string& text);

// What the program does for one node, for the report and docs.
struct LayerStats {
    std::string name;
    std::string op_type;
    int64_t macs = 0;
    int64_t bands = 0;
    int64_t passes = 0;             // weight-reload passes per band (1: weights stay for the layer)
    int64_t macros_used = 0;        // of every replica
    int64_t replicas = 0;           // copies of the weights over groups of cores, each computing its own bands
    bool overlapped = false;        // a round's requantization and write-back ran during the next round's MVMs
    int64_t weight_tiles_written = 0;
    uint64_t weight_bytes_loaded = 0;  // weight and mask bytes read by weight writes, reloads included
    // What the layer's weights occupy when every weight stays on chip: CIM cells (pruned blocks
    // take none) and, for a weight-pool layer, the bits of its pool indices.
    uint64_t weight_cells = 0;
    uint64_t index_bits = 0;
    int64_t instructions = 0;
    uint32_t interrupt_code = 0;       // raised when the layer has finished; 0 for nodes without code
};

struct CompiledNetwork {
    isa::ProgramImage image;
    std::vector<uint8_t> image_bytes;  // `image` encoded, as the loader writes it
    uint64_t image_address = 0;  // where the loader puts the image header: after everything else
    std::string scheduler;
    std::vector<ActivationLayout> inputs;   // graph inputs, in order: the host writes them here
    std::vector<ActivationLayout> outputs;  // graph outputs, in order
    std::vector<LayerStats> layers;
    uint64_t dram_bytes_used = 0;
    // Layer and tile of each instruction and the buffer allocations, for the timeline only.
    ProgramAnnotations annotations;
};

// Throws ir::UnsupportedError naming the node for anything the mapping cannot run (an op without a
// chip form, a layer whose band does not fit the buffers, a network larger than DRAM).
CompiledNetwork compile_network(const ir::Graph& graph, const Target& target, const BackendOptions& options);

// The per-layer mapping as an aligned table: bands, passes, macros, weight tiles and bytes loaded,
// instructions, and a totals line.
std::string format_mapping(const CompiledNetwork& compiled);

// Raised once the weights that stay on chip have been copied into the cores' weight buffers; the
// inference proper starts there.
constexpr uint32_t kWeightsResidentCode = 0xFFFF;

// The interrupt code of layer `index` (0-based) in a compiled program.
constexpr uint32_t layer_interrupt_code(size_t index) { return static_cast<uint32_t>(index + 1); }

}  // namespace cimvp::backend
