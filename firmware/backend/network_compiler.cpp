#include "firmware/backend/network_compiler.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <set>

#include "firmware/backend/conv_mapping.h"
#include "firmware/backend/program_builder.h"
#include "firmware/compiler/ir/summary.h"
#include "firmware/compiler/ir/window.h"
#include "firmware/compiler/passes/integer_ops.h"
#include "firmware/compiler/passes/weight_pool.h"
#include "models/cim/sparse_tile.h"

namespace cimvp::backend {
namespace {

using isa::Instruction;
using isa::Opcode;

[[noreturn]] void unsupported(const ir::Node& node, const std::string& message) {
    throw ir::UnsupportedError(node.describe() + ": " + message);
}

int32_t attribute_int32(const ir::Node& node, const std::string& key) {
    return static_cast<int32_t>(node.attribute_int(key, 0));
}

class NetworkCompiler {
public:
    NetworkCompiler(const ir::Graph& graph, const Target& target, const BackendOptions& options)
        : graph_(graph), target_(target), options_(options), plan_(graph, target.dram.base) {
        for (const CoreTarget& core : target_.cores) {
            for (const MacroTarget& macro : core.macros) macro_names_.push_back(macro.instance);
        }
    }

    CompiledNetwork compile() {
        CompiledNetwork compiled;
        compiled.scheduler = target_.scheduler;
        builder_.label("(preload)", "resident weights");
        reserve_preload();
        for (const ir::Node& node : graph_.nodes) {
            if (is_alias_op(node.op_type)) continue;  // shares its input's storage: no code
            // Layers keep nothing in the core buffers: every tensor lives in DRAM between layers.
            builder_.label(node.name);
            for (const CoreTarget& core : target_.cores) builder_.allocate(core.buffer.instance, 0);
            LayerStats stats;
            stats.name = node.name;
            stats.op_type = node.op_type;
            const size_t first_instruction = builder_.instruction_count();
            if (node.op_type == "QConv" || node.op_type == "QGemm") {
                emit_conv(node, stats);
            } else if (node.op_type == "QAdd") {
                emit_add(node);
            } else if (node.op_type == "QMaxPool" || node.op_type == "QAveragePool" ||
                       node.op_type == "QGlobalAveragePool") {
                emit_pool(node);
            } else {
                unsupported(node, "no SRAM CIM mapping for this op");
            }
            stats.interrupt_code = layer_interrupt_code(compiled.layers.size());
            Instruction interrupt(Opcode::kInterrupt);
            builder_.emit(interrupt.set("code", stats.interrupt_code));
            stats.instructions = static_cast<int64_t>(builder_.instruction_count() - first_instruction);
            compiled.layers.push_back(stats);
        }
        for (const std::string& name : graph_.inputs) compiled.inputs.push_back(plan_.of(name));
        for (const std::string& name : graph_.outputs) compiled.outputs.push_back(plan_.of(name));
        const ir::GraphSummary summary = ir::summarize(graph_);
        for (LayerStats& stats : compiled.layers) {
            for (const ir::LayerSummary& layer : summary.layers) {
                if (layer.name == stats.name) stats.macs = layer.macs;
            }
        }

        finish_preload();
        uint64_t end = 0;
        compiled.image = builder_.finish(align_up(plan_.end(), isa::kSectionAlignment), &end);
        compiled.annotations = builder_.annotations();
        compiled.image_address = align_up(end, isa::kSectionAlignment);
        compiled.image_bytes = isa::encode_image(compiled.image);
        compiled.dram_bytes_used = compiled.image_address + compiled.image_bytes.size() - target_.dram.base;
        if (compiled.dram_bytes_used > target_.dram.size) {
            throw ir::UnsupportedError("the network needs " + std::to_string(compiled.dram_bytes_used) +
                                       " bytes of DRAM (activations, program, weights), '" + target_.dram.instance +
                                       "' has " + std::to_string(target_.dram.size));
        }
        return compiled;
    }

private:
    // --- instructions -------------------------------------------------------------------------
    Instruction dma_instruction(const std::string& engine, uint64_t src, uint64_t dst, uint64_t row_bytes,
                                uint64_t rows, uint64_t src_stride, uint64_t dst_stride) {
        Instruction copy(Opcode::kDma);
        copy.set("engine", builder_.engine(engine)).set("src", src).set("dst", dst).set("row_bytes", row_bytes);
        return copy.set("rows", rows).set("src_stride", src_stride).set("dst_stride", dst_stride);
    }
    void dma(const std::string& engine, uint64_t src, uint64_t dst, uint64_t row_bytes, uint64_t rows,
             uint64_t src_stride, uint64_t dst_stride) {
        builder_.emit(dma_instruction(engine, src, dst, row_bytes, rows, src_stride, dst_stride));
    }
    Instruction sync_instruction(const std::string& engine) {
        Instruction wait(Opcode::kSync);
        return wait.set("engine", builder_.engine(engine));
    }
    void sync(const std::string& engine) { builder_.emit(sync_instruction(engine)); }

    // A vector-unit operand: where it starts and its element type.
    struct Operand {
        uint64_t address;
        isa::ElementType type;
    };
    struct AddScaling {
        int32_t multiplier_a, multiplier_b, shift, out_min, out_max;
    };
    void vadd(const std::string& engine, const Operand& a, const Operand& b, const Operand& dst, uint64_t elements,
              const AddScaling& scaling) {
        Instruction add(Opcode::kVectorAdd);
        add.set("engine", builder_.engine(engine))
            .set("a", a.address)
            .set("b", b.address)
            .set("dst", dst.address)
            .set("elements", elements)
            .set("a_type", static_cast<uint64_t>(a.type))
            .set("b_type", static_cast<uint64_t>(b.type))
            .set("out_type", static_cast<uint64_t>(dst.type))
            .set("multiplier_a", static_cast<uint64_t>(scaling.multiplier_a))
            .set("multiplier_b", static_cast<uint64_t>(scaling.multiplier_b))
            .set("shift", static_cast<uint64_t>(scaling.shift))
            .set("out_min", static_cast<uint64_t>(static_cast<uint32_t>(scaling.out_min)))
            .set("out_max", static_cast<uint64_t>(static_cast<uint32_t>(scaling.out_max)));
        builder_.emit(add);
    }

    // --- weights kept on chip ---------------------------------------------------------------------
    // Cores with a weight buffer get the tiles of their macros there, as far as they fit, copied
    // once from DRAM when the program starts; the rest stay in DRAM.
    struct ResidentWeights {
        size_t copy_slot = 0, sync_slot = 0;
        std::vector<uint8_t> bytes;  // the image of the weight buffer
    };

    void reserve_preload() {
        for (const CoreTarget& core : target_.cores) {
            ResidentWeights resident;
            if (core.weight_buffer.size > 0) {
                resident.copy_slot = builder_.reserve();
                resident.sync_slot = builder_.reserve();
            }
            resident_.push_back(std::move(resident));
        }
        if (has_weight_buffers()) preload_interrupt_slot_ = builder_.reserve();
    }

    bool has_weight_buffers() const {
        for (const CoreTarget& core : target_.cores) {
            if (core.weight_buffer.size > 0) return true;
        }
        return false;
    }

    // Where weight data is read from: a fixed address in a core's weight buffer, or DRAM (an
    // offset into the weights section, patched when the program is laid out).
    struct WeightLocation {
        bool on_chip = false;
        uint64_t address = 0;
        DataRef dram;
    };

    // The core's weight buffer if `bytes` still fit there, else DRAM: `in_dram` when the same bytes
    // are already there (a replica's copy of a tile), else a new copy.
    WeightLocation place_weights(size_t core, const std::vector<uint8_t>& bytes, const WeightLocation* in_dram = nullptr) {
        const MemoryRegion& buffer = target_.cores[core].weight_buffer;
        std::vector<uint8_t>& image = resident_[core].bytes;
        const uint64_t offset = align_up(image.size(), isa::kSectionAlignment);
        if (buffer.size > 0 && offset + bytes.size() <= buffer.size) {
            image.resize(offset, 0);
            image.insert(image.end(), bytes.begin(), bytes.end());
            return {true, buffer.base + offset, DataRef{}};
        }
        if (in_dram != nullptr && !in_dram->on_chip) return *in_dram;
        return {false, 0, builder_.add_data(DataKind::kWeights, bytes)};
    }

    // Points address operand `operand` at `location`: set now when on chip, patched when in DRAM.
    static void point_at(Instruction& instruction, std::vector<ProgramBuilder::Patch>& patches,
                         const std::string& operand, const WeightLocation& location) {
        if (location.on_chip) {
            instruction.set(operand, location.address);
        } else {
            patches.push_back({operand, location.dram, 0});
        }
    }

    void finish_preload() {
        for (size_t c = 0; c < target_.cores.size(); ++c) {
            const CoreTarget& core = target_.cores[c];
            if (core.weight_buffer.size == 0) continue;
            const ResidentWeights& resident = resident_[c];
            if (resident.bytes.empty()) {  // nothing fitted: keep the slots as no-ops
                builder_.fill(resident.copy_slot, sync_instruction(core.dma));
            } else {
                const DataRef source = builder_.add_data(DataKind::kWeights, resident.bytes);
                builder_.allocate_at(resident.copy_slot, core.weight_buffer.instance, resident.bytes.size());
                builder_.fill(resident.copy_slot,
                              dma_instruction(core.dma, 0, core.weight_buffer.base, resident.bytes.size(), 1, 0, 0),
                              {{"src", source, 0}});
            }
            builder_.fill(resident.sync_slot, sync_instruction(core.dma));
        }
        if (has_weight_buffers()) {
            Instruction interrupt(Opcode::kInterrupt);
            builder_.fill(preload_interrupt_slot_, interrupt.set("code", kWeightsResidentCode));
        }
    }

    // --- conv and fully connected layers ----------------------------------------------------------
    struct ConvContext {
        const ir::Node* node;
        ConvShape shape;
        ConvMapping mapping;
        const ActivationLayout* in;
        const ActivationLayout* out;
        int64_t padded_width;    // of the input as the MVMs walk it (1 for a fully connected layer)
        int64_t pixel_bytes;     // input bytes per pixel
        int64_t first_row;       // padded input row of output row 0's window
        int64_t first_column;    // padded input column of output column 0's window
        int input_bits;
        bool input_signed;

        int64_t input_rows(int64_t band_rows) const { return (band_rows - 1) * shape.stride_h + shape.kernel_h; }
        int64_t input_bytes(int64_t band_rows) const { return input_rows(band_rows) * padded_width * pixel_bytes; }
        // Output pixels one band computes; flat bands include the wrap-around pixels.
        int64_t positions(int64_t band_rows) const {
            return shape.flat() ? (band_rows - 1) * padded_width + shape.out_width : band_rows * shape.out_width;
        }
        // Bands of at most `band_rows` output rows that cover the layer.
        int64_t bands(int64_t band_rows) const { return (shape.out_height + band_rows - 1) / band_rows; }
        // Positions from one output row to the next in the partial sums.
        int64_t row_pitch() const { return shape.flat() ? padded_width : shape.out_width; }
        // Input address of kernel row `kernel_row`, span offset `span_start`, for output row `y` of
        // a band whose input starts at `input`: the window starts at padded pixel (y*stride + u, first_column).
        uint64_t window(uint64_t input, int64_t y, int64_t kernel_row, int64_t span_start) const {
            return input + static_cast<uint64_t>(((y * shape.stride_h + kernel_row) * padded_width + first_column) *
                                                     pixel_bytes +
                                                 span_start);
        }
    };

    ConvContext conv_context(const ir::Node& node) const {
        ConvContext conv;
        conv.node = &node;
        conv.shape = conv_shape_of(node, graph_);
        conv.in = &plan_.of(node.input(0));
        conv.out = &plan_.of(node.outputs.at(0));
        if (conv.in->element_bytes != 1) unsupported(node, "inputs wider than 8 bits are not mapped");
        conv.input_bits = graph_.tensor(node.input(0)).quant.bits;
        conv.input_signed = conv.in->type == isa::ElementType::kInt8;
        if (conv.input_bits < 1 || conv.input_bits > 8) unsupported(node, "inputs must be quantized to 1..8 bits");
        if (node.op_type == "QGemm") {
            conv.padded_width = 1;
            conv.pixel_bytes = conv.shape.in_channels;
            conv.first_row = conv.first_column = 0;
        } else {
            conv.padded_width = conv.in->padded_width();
            conv.pixel_bytes = conv.in->channels;
            conv.first_row = conv.in->border - conv.shape.pad_top;
            conv.first_column = conv.in->border - conv.shape.pad_left;
        }
        return conv;
    }

    // Element (r, k) of a weight tile of `weight` (a [K, C, kh, kw] conv or [M, F] gemm tensor):
    // tile row r is (v, c) of its kernel row, or a feature.
    int64_t weight_offset(const ConvContext& conv, const WeightTile& tile, int64_t r, int64_t k) const {
        const ConvShape& s = conv.shape;
        const int64_t index = tile.span_start + r;
        const int64_t channel = tile.first_channel + k;
        if (conv.node->op_type == "QGemm") {
            // Memory holds the features HWC; a Flatten numbered them CHW.
            int64_t feature = index;
            if (conv.in->flattened_from_spatial) {
                const int64_t pixels = conv.in->height * conv.in->width;
                feature = (index % conv.in->channels) * pixels + index / conv.in->channels;
            }
            return channel * s.in_channels + feature;
        }
        const int64_t v = index / s.in_channels, c = index % s.in_channels;
        return ((channel * s.in_channels + c) * s.kernel_h + tile.kernel_row) * s.kernel_w + v;
    }

    // The values of `tile` taken from initializer `weight`, row-major rows x channels.
    std::vector<int32_t> tile_weights(const ConvContext& conv, const WeightTile& tile, const std::string& weight) const {
        const int8_t* w = graph_.initializers.at(weight).values<int8_t>();
        std::vector<int32_t> values(static_cast<size_t>(tile.rows * tile.channels));
        for (int64_t r = 0; r < tile.rows; ++r) {
            for (int64_t k = 0; k < tile.channels; ++k) {
                values[static_cast<size_t>(r * tile.channels + k)] = w[weight_offset(conv, tile, r, k)];
            }
        }
        return values;
    }

    // A weight tile: dense, or (MARS) packed with its block mask when some of its blocks are all
    // zero and the tile lies on whole blocks.
    struct StoredTile {
        WeightLocation weights;
        uint64_t bytes = 0;
        uint64_t cells = 0;  // array cells its kept weights occupy
        std::optional<WeightLocation> mask;
        uint64_t mask_bytes = 0;
    };

    // `original`: the same tile of replica 0, whose DRAM copy a replica reuses when its core has no room.
    StoredTile store_tile(const std::vector<int32_t>& weights, const WeightTile& tile, int weight_bits, bool masks,
                          size_t core, const StoredTile* original) {
        const CimGeometry& g = target_.geometry();
        const int64_t columns = tile.channels * weight_columns(weight_bits, g.bits_per_cell);
        if (masks && tile.rows % g.max_active_wl == 0 && tile.row_offset % g.max_active_wl == 0 &&
            columns % g.columns_per_adc == 0) {
            const SparseTileLayout layout(static_cast<int>(tile.rows), static_cast<int>(tile.channels), weight_bits,
                                          static_cast<int>(weight_columns(weight_bits, g.bits_per_cell)),
                                          g.max_active_wl, g.columns_per_adc);
            const std::vector<uint8_t> mask = layout.mask_of(weights);
            if (std::find(mask.begin(), mask.end(), 0) != mask.end()) {
                // A tile with every block pruned reads nothing, but the instruction names one byte.
                std::vector<uint8_t> packed = layout.pack(weights, mask);
                if (packed.empty()) packed.resize(1);
                StoredTile stored;
                stored.cells = static_cast<uint64_t>(std::count_if(mask.begin(), mask.end(), [](uint8_t m) { return m; })) *
                               static_cast<uint64_t>(g.max_active_wl * g.columns_per_adc);
                stored.mask = place_weights(core, mask, original != nullptr && original->mask ? &*original->mask : nullptr);
                stored.mask_bytes = mask.size();
                stored.weights = place_weights(core, packed, original != nullptr ? &original->weights : nullptr);
                stored.bytes = packed.size();
                return stored;
            }
        }
        const std::vector<uint8_t> dense = encode_weights(weights, weight_bits);
        StoredTile stored;
        stored.cells = static_cast<uint64_t>(columns * tile.rows);
        stored.weights = place_weights(core, dense, original != nullptr ? &original->weights : nullptr);
        stored.bytes = dense.size();
        return stored;
    }

    // Every tile of the layer's mapping, taken from initializer `weight`. The weight cells counted
    // are one replica's: the others hold copies.
    std::vector<StoredTile> store_tiles(const ConvContext& conv, const std::string& weight, bool masks,
                                        LayerStats& stats) {
        const std::vector<int> core_of_macro = target_.core_of_macro();
        const size_t per_replica = conv.mapping.tiles.size() / static_cast<size_t>(conv.mapping.replicas);
        std::vector<StoredTile> stored;
        stored.reserve(conv.mapping.tiles.size());
        for (size_t t = 0; t < conv.mapping.tiles.size(); ++t) {
            const WeightTile& tile = conv.mapping.tiles[t];
            const StoredTile* original = t < per_replica ? nullptr : &stored[t % per_replica];
            stored.push_back(store_tile(tile_weights(conv, tile, weight), tile, conv.mapping.weight_bits, masks,
                                        static_cast<size_t>(core_of_macro[static_cast<size_t>(tile.macro)]), original));
            if (original == nullptr) stats.weight_cells += stored.back().cells;
        }
        return stored;
    }

    struct Tables {
        DataRef bias, multipliers, shifts;
    };

    // Requantization tables: bias, multiplier and shift per output channel.
    Tables requantization_tables(const ir::Node& node, int64_t channels) {
        std::vector<int32_t> bias, multipliers, shifts;
        const std::vector<int64_t> bias_values = graph_.initializers.at(node.input(2)).as_int64s();
        for (int64_t k = 0; k < channels; ++k) {
            const passes::Requantizer requantizer = passes::requantizer_of(node, static_cast<size_t>(k));
            bias.push_back(static_cast<int32_t>(bias_values[static_cast<size_t>(k)]));
            multipliers.push_back(requantizer.multiplier);
            shifts.push_back(requantizer.shift);
        }
        return {builder_.add_int32_constants(bias), builder_.add_int32_constants(multipliers),
                builder_.add_int32_constants(shifts)};
    }

    // Where one core keeps a conv band: two input buffers, the int32 partial sums the output is
    // requantized from, the tiles' partial sums (the same place for a dense layer), the pool
    // macro's column results (pool mode) and the requantized output.
    struct BandBuffers {
        uint64_t input[2] = {0, 0};
        uint64_t pool_results[2] = {0, 0};
        uint64_t partial_sums = 0;
        uint64_t tile_sums = 0;          // slot 0; slot s is partial_sum_stride * s further
        uint64_t partial_sum_stride = 0;
        uint64_t staging = 0;
        uint64_t end = 0;  // past the requantized output: the band's whole allocation ends here
        uint64_t set_bytes = 0;  // everything after the input buffers, up to the end of the output staging

        // The second set of partial sums and staging, right after the first (double buffering).
        BandBuffers second_set() const {
            BandBuffers other = *this;
            other.pool_results[0] += set_bytes;
            other.pool_results[1] += set_bytes;
            other.partial_sums += set_bytes;
            other.tile_sums += set_bytes;
            other.staging += set_bytes;
            return other;
        }
    };

    // The largest band that fits every busy core's buffer; `pool_columns` > 0 in pool mode.
    int64_t band_rows(const ConvContext& conv, int64_t pool_columns, std::vector<BandBuffers>& buffers) const {
        const int64_t rows = fitting_band_rows(conv, pool_columns, buffers);
        if (rows == 0) {
            unsupported(*conv.node, "one output row does not fit the core buffers (input rows " +
                                        std::to_string(conv.input_bytes(1)) + " bytes, partial sums and output on top)");
        }
        return rows;
    }
    // The same, or 0 when not even one row fits. With `sets` 2, every core keeps two sets of
    // partial sums and output staging, so that one band's can be read while the next is computed.
    int64_t fitting_band_rows(const ConvContext& conv, int64_t pool_columns, std::vector<BandBuffers>& buffers,
                              int sets = 1) const {
        const uint64_t out_bytes = conv.out->element_bytes;
        const auto tile_slots = static_cast<uint64_t>(conv.mapping.tiles.empty() ? 0 : conv.mapping.slots);
        for (int64_t rows = conv.shape.out_height; rows >= 1; --rows) {
            const bool ping_pong = rows < conv.shape.out_height;
            const uint64_t input = align_up(static_cast<uint64_t>(conv.input_bytes(rows)), 64);
            const auto positions = static_cast<uint64_t>(conv.positions(rows));
            bool fits = true;
            buffers.assign(target_.cores.size(), BandBuffers{});
            for (size_t c = 0; c < target_.cores.size() && fits; ++c) {
                const auto channels = static_cast<uint64_t>(conv.mapping.cores[c].channels);
                if (channels == 0) continue;
                const MemoryRegion& buffer = target_.cores[c].buffer;
                BandBuffers& band = buffers[c];
                band.input[0] = buffer.base;
                band.input[1] = ping_pong ? buffer.base + input : buffer.base;
                uint64_t next = band.input[1] + input;
                band.partial_sum_stride = align_up(positions * channels * 4, 64);
                if (pool_columns > 0) {  // pool results twice, pool sums, then the error term's slots
                    const uint64_t results = align_up(positions * static_cast<uint64_t>(pool_columns) * 4, 64);
                    band.pool_results[0] = next;
                    band.pool_results[1] = next + results;
                    band.partial_sums = next + 2 * results;
                    band.tile_sums = band.partial_sums + band.partial_sum_stride;
                } else {  // the tiles' slot 0 is what is requantized
                    band.partial_sums = band.tile_sums = next;
                }
                band.staging = band.tile_sums + band.partial_sum_stride * tile_slots;
                band.end = band.staging + positions * channels * out_bytes;
                band.set_bytes = align_up(band.end - next, 64);
                if (sets == 2) band.end = next + 2 * band.set_bytes;
                fits = band.end <= buffer.base + buffer.size;
            }
            if (fits) return rows;
        }
        return 0;
    }

    std::vector<size_t> busy_cores(const ConvMapping& mapping) const {
        std::vector<size_t> cores;
        for (size_t c = 0; c < target_.cores.size(); ++c) {
            if (mapping.cores[c].channels > 0) cores.push_back(c);
        }
        return cores;
    }

    // Band b is computed by replica b % replicas, as that replica's (b / replicas)-th band, whose
    // input is in half (b / replicas) % 2 of its cores' ping-pong buffers.
    static int replica_of_band(const ConvContext& conv, int64_t band) {
        return static_cast<int>(band % conv.mapping.replicas);
    }
    static int input_half(const ConvContext& conv, int64_t band) {
        return static_cast<int>(band / conv.mapping.replicas % 2);
    }
    // The busy cores that compute band `band`.
    std::vector<size_t> cores_of_band(const ConvContext& conv, const std::vector<size_t>& cores, int64_t band) const {
        std::vector<size_t> of_band;
        for (size_t c : cores) {
            if (conv.mapping.replica_of_core(c, target_.cores.size()) == replica_of_band(conv, band)) of_band.push_back(c);
        }
        return of_band;
    }

    // A band as one core computes it.
    struct CoreBand {
        size_t core;
        int64_t band, first_output_row, rows;
    };
    std::vector<CoreBand> core_bands(const ConvContext& conv, const std::vector<size_t>& cores, int64_t band,
                                     int64_t rows_per_band) const {
        const int64_t first_output_row = band * rows_per_band;
        const int64_t rows = std::min(rows_per_band, conv.shape.out_height - first_output_row);
        std::vector<CoreBand> bands;
        for (size_t c : cores_of_band(conv, cores, band)) bands.push_back({c, band, first_output_row, rows});
        return bands;
    }

    // Copies the input rows of band `band` into the buffers of the busy cores that compute it.
    void load_band(const ConvContext& conv, const std::vector<size_t>& cores, const std::vector<BandBuffers>& buffers,
                   int64_t band, int64_t rows_per_band) {
        const int64_t first_output_row = band * rows_per_band;
        const int64_t rows = std::min(rows_per_band, conv.shape.out_height - first_output_row);
        const uint64_t src = conv.in->address + static_cast<uint64_t>((first_output_row * conv.shape.stride_h +
                                                                      conv.first_row) *
                                                                     conv.padded_width * conv.pixel_bytes);
        const auto bytes = static_cast<uint64_t>(conv.input_bytes(rows));
        for (size_t c : cores_of_band(conv, cores, band)) {
            dma(target_.cores[c].dma, src, buffers[c].input[input_half(conv, band)], bytes, 1, 0, 0);
        }
    }

    // The order tiles are issued in, per pass: round-robin over the macros, so that each macro
    // gets work early; and the macros the layer uses.
    struct TileOrder {
        std::vector<std::vector<size_t>> passes;
        std::set<int> macros;
    };
    TileOrder tile_order(const ConvMapping& mapping) const {
        TileOrder order;
        if (mapping.tiles.empty()) return order;
        order.passes.resize(static_cast<size_t>(mapping.passes));
        for (int pass = 0; pass < mapping.passes; ++pass) {
            std::vector<std::vector<size_t>> by_macro(macro_names_.size());
            for (size_t t = 0; t < mapping.tiles.size(); ++t) {
                if (mapping.tiles[t].pass == pass) by_macro[static_cast<size_t>(mapping.tiles[t].macro)].push_back(t);
                order.macros.insert(mapping.tiles[t].macro);
            }
            for (size_t i = 0, added = 1; added > 0; ++i) {
                added = 0;
                for (const std::vector<size_t>& tiles : by_macro) {
                    if (i < tiles.size()) {
                        order.passes[static_cast<size_t>(pass)].push_back(tiles[i]);
                        ++added;
                    }
                }
            }
        }
        return order;
    }

    void write_weights(const std::string& macro, const WeightLocation& source, uint64_t bytes, int64_t rows,
                       int64_t channels, int64_t row_offset, int weight_bits, const StoredTile* masked) {
        Instruction write(Opcode::kWeightWrite);
        write.set("engine", builder_.engine(macro))
            .set("bytes", bytes)
            .set("rows", static_cast<uint64_t>(rows))
            .set("channels", static_cast<uint64_t>(channels))
            .set("row_offset", static_cast<uint64_t>(row_offset))
            .set("channel_offset", 0)
            .set("weight_bits", static_cast<uint64_t>(weight_bits))
            .set("mask", 0);
        std::vector<ProgramBuilder::Patch> patches;
        point_at(write, patches, "src", source);
        if (masked != nullptr && masked->mask) point_at(write, patches, "mask", *masked->mask);
        builder_.emit_patched(write, patches);
    }

    // The MVMs of one macro over a band: one for the whole band when flat, else one per output row.
    // Vector p's results go to output + p * output_stride.
    void mvm_over_band(const ConvContext& conv, const std::string& macro, uint64_t input, int64_t band_rows,
                       int64_t kernel_row, int64_t span_start, int64_t rows, int64_t row_offset, int64_t channels,
                       int weight_bits, uint64_t output, uint64_t output_stride, bool accumulate) {
        Instruction mvm(Opcode::kMvm);
        mvm.set("engine", builder_.engine(macro))
            .set("output_stride", output_stride)
            .set("row_offset", static_cast<uint64_t>(row_offset))
            .set("rows", static_cast<uint64_t>(rows))
            .set("channel_offset", 0)
            .set("channels", static_cast<uint64_t>(channels))
            .set("weight_bits", static_cast<uint64_t>(weight_bits))
            .set("input_bits", static_cast<uint64_t>(conv.input_bits))
            .set("input_signed", conv.input_signed ? 1 : 0)
            .set("accumulate", accumulate ? 1 : 0)
            .set("input_stride", static_cast<uint64_t>(conv.shape.stride_w * conv.pixel_bytes));
        if (conv.shape.flat()) {
            mvm.set("input", conv.window(input, 0, kernel_row, span_start))
                .set("vectors", static_cast<uint64_t>(conv.positions(band_rows)));
            builder_.emit(mvm.set("output", output));
            return;
        }
        for (int64_t y = 0; y < band_rows; ++y) {
            mvm.set("input", conv.window(input, y, kernel_row, span_start))
                .set("vectors", static_cast<uint64_t>(conv.shape.out_width));
            builder_.emit(mvm.set("output", output + static_cast<uint64_t>(y * conv.shape.out_width) * output_stride));
        }
    }

    // --- timeline labels and buffer allocation (debug information, ProgramAnnotations) ----------
    static std::string band_name(int64_t band, int64_t bands) {
        return "band " + std::to_string(band + 1) + "/" + std::to_string(bands);
    }
    static std::string round_output_label(int64_t round, int64_t round_end) {
        if (round_end - round == 1) return "output";
        return "output of bands " + std::to_string(round + 1) + "-" + std::to_string(round_end);
    }
    void label_band(const ConvContext& conv, int64_t band, int64_t bands, const std::string& part) {
        builder_.label(conv.node->name, band_name(band, bands) + ", " + part);
    }
    void label_tile(const ConvContext& conv, const std::string& band_label, size_t index, const WeightTile& tile) {
        const auto range = [](int64_t first, int64_t count) {
            return std::to_string(first) + "-" + std::to_string(first + count - 1);
        };
        builder_.label(conv.node->name, band_label + ", tile " + std::to_string(index) + " (kernel row " +
                                            std::to_string(tile.kernel_row) + ", inputs " +
                                            range(tile.span_start, tile.rows) + ", channels " +
                                            range(tile.first_channel, tile.channels) + ")");
    }

    // Records what each busy core's buffer holds for the layer's bands, then loads each replica's
    // first band.
    void begin_bands(const ConvContext& conv, const std::vector<size_t>& cores, const std::vector<BandBuffers>& buffers,
                     int64_t rows_per_band, int64_t bands) {
        for (size_t c : cores) {
            const MemoryRegion& buffer = target_.cores[c].buffer;
            builder_.allocate(buffer.instance, buffers[c].end - buffer.base);
        }
        for (int64_t band = 0; band < std::min<int64_t>(bands, conv.mapping.replicas); ++band) {
            label_band(conv, band, bands, "input");
            load_band(conv, cores, buffers, band, rows_per_band);
        }
        for (size_t c : cores) sync(target_.cores[c].dma);
    }
    // The input of the replica's next band goes into the other half of its ping-pong while band
    // `band` computes.
    void load_next_band(const ConvContext& conv, const std::vector<size_t>& cores,
                        const std::vector<BandBuffers>& buffers, int64_t band, int64_t rows_per_band, int64_t bands) {
        const int64_t next = band + conv.mapping.replicas;
        if (next >= bands) return;
        label_band(conv, next, bands, "input");
        load_band(conv, cores, buffers, next, rows_per_band);
    }

    // One band of the layer's weight tiles, on the replica that computes it: weight writes when
    // weights reload (several passes, or the replica's first band), then each tile's MVMs into its
    // core's tile partial sums.
    void emit_tiles(const ConvContext& conv, const TileOrder& order, const std::vector<StoredTile>& stored,
                    const std::vector<BandBuffers>& buffers, int64_t band, int64_t band_rows, LayerStats& stats,
                    const std::string& band_label) {
        const ConvMapping& mapping = conv.mapping;
        const std::vector<int> core_of_macro = target_.core_of_macro();
        const int replica = replica_of_band(conv, band);
        std::set<int> column_tiles_started;
        for (const std::vector<size_t>& all_of_pass : order.passes) {
            std::vector<size_t> pass;
            for (size_t t : all_of_pass) {
                if (mapping.tiles[t].replica == replica) pass.push_back(t);
            }
            if (mapping.passes > 1 || band < mapping.replicas) {
                for (size_t t : pass) {
                    const WeightTile& tile = mapping.tiles[t];
                    label_tile(conv, band_label, t, tile);
                    write_weights(macro_names_[static_cast<size_t>(tile.macro)], stored[t].weights, stored[t].bytes,
                                  tile.rows, tile.channels, tile.row_offset, mapping.weight_bits, &stored[t]);
                    ++stats.weight_tiles_written;
                    stats.weight_bytes_loaded += stored[t].bytes + stored[t].mask_bytes;
                }
            }
            for (size_t t : pass) {
                const WeightTile& tile = mapping.tiles[t];
                label_tile(conv, band_label, t, tile);
                const auto core = static_cast<size_t>(core_of_macro[static_cast<size_t>(tile.macro)]);
                const CoreChannels& channels = mapping.cores[core];
                const bool accumulate = !column_tiles_started.insert(tile.column_tile * mapping.slots + tile.slot).second;
                const uint64_t output = buffers[core].tile_sums +
                                        buffers[core].partial_sum_stride * static_cast<uint64_t>(tile.slot) +
                                        static_cast<uint64_t>(tile.first_channel - channels.first_channel) * 4;
                mvm_over_band(conv, macro_names_[static_cast<size_t>(tile.macro)],
                              buffers[core].input[input_half(conv, band)],
                              band_rows, tile.kernel_row, tile.span_start, tile.rows, tile.row_offset, tile.channels,
                              mapping.weight_bits, output, static_cast<uint64_t>(channels.channels) * 4, accumulate);
            }
        }
    }

    // A round computes bands [round, round_end) at once, one on each replica. Issues each band's
    // next input load and its tiles' weight writes and MVMs; returns the round's cores and bands.
    std::vector<CoreBand> start_round(const ConvContext& conv, const std::vector<size_t>& cores, const TileOrder& order,
                                      const std::vector<StoredTile>& stored, const std::vector<BandBuffers>& buffers,
                                      int64_t round, int64_t round_end, int64_t rows_per_band, int64_t bands,
                                      LayerStats& stats) {
        std::vector<CoreBand> work;
        for (int64_t band = round; band < round_end; ++band) {
            const std::vector<CoreBand> of_band = core_bands(conv, cores, band, rows_per_band);
            load_next_band(conv, cores, buffers, band, rows_per_band, bands);
            emit_tiles(conv, order, stored, buffers, band, of_band.front().rows, stats, band_name(band, bands));
            work.insert(work.end(), of_band.begin(), of_band.end());
        }
        return work;
    }

    // Adds a core's tile partial-sum slots 1.. into slot 0, exactly: (a + b) * 2^14 shifted back by
    // 14 rounds nothing.
    void reduce_slots(const ConvContext& conv, size_t core, const BandBuffers& buffers, int64_t band_rows) {
        const auto elements =
            static_cast<uint64_t>(conv.positions(band_rows)) * static_cast<uint64_t>(conv.mapping.cores[core].channels);
        const Operand sums{buffers.tile_sums, isa::ElementType::kInt32};
        for (int slot = 1; slot < conv.mapping.slots; ++slot) {
            const Operand slot_sums{sums.address + buffers.partial_sum_stride * static_cast<uint64_t>(slot),
                                    isa::ElementType::kInt32};
            vadd(target_.cores[core].vector_unit, sums, slot_sums, sums, elements,
                 {1 << 14, 1 << 14, 14, INT32_MIN, INT32_MAX});
        }
    }

    void emit_conv(const ir::Node& node, LayerStats& stats) {
        ConvContext conv = conv_context(node);
        if (node.has_attribute("pool") && target_.has_pool_hardware()) return emit_pooled_conv(conv, stats);
        const int weight_bits = graph_.initializers.at(node.input(1)).quant.bits;
        if (weight_bits < 2 || weight_bits > 8) unsupported(node, "weights must be quantized to 2..8 bits");
        conv.mapping = replicated_mapping(
            conv, [&](int replicas) { return map_conv(conv.shape, target_, weight_bits, options_.block_masks, replicas); },
            0);
        stats.passes = conv.mapping.passes;
        stats.macros_used = conv.mapping.macros_used;
        stats.replicas = conv.mapping.replicas;
        const std::vector<StoredTile> stored = store_tiles(conv, node.input(1), options_.block_masks, stats);
        const Tables tables = requantization_tables(node, conv.shape.out_channels);

        const BandPlan plan = plan_bands(conv);
        const int64_t rows_per_band = plan.rows_per_band, bands = plan.bands, replicas = conv.mapping.replicas;
        const std::vector<BandBuffers>* sets = plan.sets;
        const bool overlap = plan.overlap;
        stats.bands = bands;
        stats.overlapped = overlap;
        const std::vector<size_t> cores = busy_cores(conv.mapping);
        const TileOrder order = tile_order(conv.mapping);

        begin_bands(conv, cores, sets[0], rows_per_band, bands);
        std::vector<CoreBand> pending;  // the previous round's bands, requantizing (overlap only)
        for (int64_t round = 0; round < bands; round += replicas) {
            const int64_t round_end = std::min<int64_t>(bands, round + replicas);
            const std::vector<BandBuffers>& round_buffers = sets[round / replicas % 2];
            const std::vector<CoreBand> outputs =
                start_round(conv, cores, order, stored, round_buffers, round, round_end, rows_per_band, bands, stats);
            if (!pending.empty()) {  // requantized while this round's MVMs ran
                label_band(conv, round - replicas, bands, "write-back");
                write_back(conv, sets[(round / replicas + 1) % 2], pending);
            }
            label_band(conv, round, bands, round_output_label(round, round_end));
            for (int macro : order.macros) sync(macro_names_[static_cast<size_t>(macro)]);
            // The next round's input (loaded from this round's start) and the previous round's
            // write-back are done before the next round's MVMs and this round's requantization.
            if (overlap) {
                for (size_t c : cores) sync(target_.cores[c].dma);
            }
            for (const CoreBand& work : outputs) reduce_slots(conv, work.core, round_buffers[work.core], work.rows);
            requantize(conv, round_buffers, outputs, tables);
            if (overlap) {
                pending = outputs;
            } else {
                write_back(conv, round_buffers, outputs);
                for (const CoreBand& band : outputs) sync(target_.cores[band.core].dma);
            }
        }
        if (!pending.empty()) {
            write_back(conv, sets[(bands - 1) / replicas % 2], pending);
            for (size_t c : cores) sync(target_.cores[c].dma);
        }
    }

    // How a conv's bands are cut, and the buffers of each round (the same twice unless overlapped).
    struct BandPlan {
        int64_t rows_per_band = 0, bands = 0;
        bool overlap = false;
        std::vector<BandBuffers> sets[2];
    };
    // With more than one round, and room for two sets of partial sums and output staging, a round's
    // requantization and write-back run during the next round's MVMs. The bands get smaller; by
    // default only where that costs no weight reloads (the layer's weights stay: one pass).
    BandPlan plan_bands(const ConvContext& conv) const {
        BandPlan plan;
        plan.rows_per_band = band_rows(conv, 0, plan.sets[0]);
        plan.bands = conv.bands(plan.rows_per_band);
        plan.sets[1] = plan.sets[0];
        using OverlapBands = BackendOptions::OverlapBands;
        const bool may_overlap = options_.overlap_bands == OverlapBands::kAlways ||
                                 (options_.overlap_bands == OverlapBands::kWhenWeightsStay && conv.mapping.passes == 1);
        const int64_t replicas = conv.mapping.replicas;
        std::vector<BandBuffers> twice;
        const int64_t rows = may_overlap && plan.bands > replicas ? fitting_band_rows(conv, 0, twice, 2) : 0;
        const int64_t bands = rows > 0 ? conv.bands(rows) : 0;
        if (bands > replicas) {
            plan.overlap = true;
            plan.rows_per_band = rows;
            plan.bands = bands;
            plan.sets[0] = twice;
            for (size_t c = 0; c < twice.size(); ++c) plan.sets[1][c] = twice[c].second_set();
        }
        return plan;
    }

    // The layer's mapping, replicated over groups of cores when its tiles leave whole cores idle:
    // the most replicas that keep the plain mapping's weight-reload passes and macros per replica,
    // give every replica a band, and take no more rounds than the plain mapping takes bands. A
    // replica's band is then never larger than a plain one (a core may hold more channels, so bands
    // may get smaller), and no macro reloads its weights more often.
    // `mapping_with(replicas)` maps the layer; `pool_columns` as for band_rows.
    template <class MappingWith>
    ConvMapping replicated_mapping(const ConvContext& conv, MappingWith mapping_with, int64_t pool_columns) const {
        ConvContext plain = conv;
        plain.mapping = mapping_with(1);
        std::vector<BandBuffers> buffers;
        const int64_t plain_rows = fitting_band_rows(plain, pool_columns, buffers);
        if (plain_rows == 0) return plain.mapping;  // emit_conv says why
        const int64_t plain_bands = conv.bands(plain_rows);
        const int max_replicas = options_.replicate ? static_cast<int>(target_.cores.size()) : 1;
        for (int replicas = max_replicas; replicas > 1; --replicas) {
            if (!replicas_possible(target_, replicas)) continue;
            ConvContext candidate = conv;
            candidate.mapping = mapping_with(replicas);
            if (candidate.mapping.passes != plain.mapping.passes ||
                candidate.mapping.macros_used != replicas * plain.mapping.macros_used) {
                continue;
            }
            // A replica's cores may hold more channels than the plain mapping's, so its rows may not fit.
            const int64_t rows = fitting_band_rows(candidate, pool_columns, buffers);
            if (rows == 0) continue;
            const int64_t bands = conv.bands(rows);
            if (bands < replicas || (bands + replicas - 1) / replicas > plain_bands) continue;
            return candidate.mapping;
        }
        return plain.mapping;
    }

    // --- weight-pool layers in pool mode (CIMPool) -------------------------------------------------
    // The layer's accumulators are a * (pool part) + b * (error part), docs/ir.md. Per band: the
    // error term runs as an ordinary layer of +-1 weights on the core's macros; for each kernel row
    // and segment, the pool macro multiplies the segment's input slice with every pool vector at
    // once, and the crossbar adds each output channel's indexed column into the pool partial sums.
    // The vector unit then forms a * pool + b * error and requantizes. Pool results are
    // double-buffered, so the pool macro computes segment i while the crossbar routes segment i-1.
    static constexpr int kErrorWeightBits = 1;  // +-1 weights (pruned blocks are skipped by masks)

    struct PoolLayer {
        const ir::Tensor* pool = nullptr;     // int8 [N, L]
        const ir::Tensor* indices = nullptr;  // int32 [K, kh, segments]
        std::string error;                    // the error initializer, "" without an error term
        std::vector<passes::SpanSegment> segments;
        int64_t pool_size = 0, vector_length = 0;
        int pool_bits = 0;
        int64_t pool_scale = 0, error_scale = 0;
    };

    PoolLayer pool_layer_of(const ConvContext& conv) const {
        const ir::Node& node = *conv.node;
        PoolLayer layer;
        layer.pool = &graph_.initializers.at(node.attribute_string("pool", ""));
        layer.indices = &graph_.initializers.at(node.attribute_string("pool_indices", ""));
        layer.error = node.attribute_string("pool_error", "");
        layer.pool_size = layer.pool->shape.at(0);
        layer.vector_length = node.attribute_int("vector_length", 0);
        layer.segments = passes::pool_segments(conv.shape.kernel_w, conv.shape.in_channels,
                                               static_cast<int>(layer.vector_length),
                                               passes::parse_pool_axis(node.attribute_string("pool_axis", "")));
        layer.pool_scale = node.attribute_int("pool_scale", 0);
        layer.error_scale = layer.error.empty() ? 0 : node.attribute_int("error_scale", 0);
        // +-1 pools are binary cells; otherwise the narrowest two's complement that holds the pool.
        const int8_t* values = layer.pool->values<int8_t>();
        int magnitude = 0;
        bool binary = true;
        for (int64_t i = 0; i < layer.pool->element_count(); ++i) {
            binary = binary && (values[i] == 1 || values[i] == -1);
            magnitude = std::max(magnitude, values[i] < 0 ? -values[i] - 1 : int{values[i]});
        }
        layer.pool_bits = 2;
        while (!binary && (1 << (layer.pool_bits - 1)) <= magnitude) ++layer.pool_bits;
        if (binary) layer.pool_bits = 1;
        // The vector unit scales with 16-bit unsigned multipliers, doubled to keep the shift exact.
        if (layer.pool_scale < 1 || 2 * layer.pool_scale > 32767 || layer.error_scale < 0 ||
            2 * layer.error_scale > 32767) {
            unsupported(node, "pool_scale must be 1..16383 and error_scale 0..16383 for the vector unit");
        }
        return layer;
    }

    // Without an error term, output channels go to cores in whole pool groups, like column tiles:
    // over the first cores / replicas cores, and the same again in each further group of cores.
    ConvMapping pool_group_mapping(const ConvShape& shape, int64_t pool_size, int replicas) const {
        ConvMapping mapping;
        mapping.replicas = replicas;
        mapping.cores.assign(target_.cores.size(), CoreChannels{});
        const int64_t groups = (shape.out_channels + pool_size - 1) / pool_size;
        const auto per_replica = static_cast<int64_t>(target_.cores.size()) / replicas;
        for (int64_t g = 0; g < groups; ++g) {
            CoreChannels& core = mapping.cores[static_cast<size_t>(g * std::min(per_replica, groups) / groups)];
            if (core.channels == 0) core.first_channel = g * pool_size;
            core.channels = std::min(shape.out_channels, (g + 1) * pool_size) - core.first_channel;
        }
        for (size_t c = static_cast<size_t>(per_replica); c < mapping.cores.size(); ++c) {
            mapping.cores[c] = mapping.cores[c % static_cast<size_t>(per_replica)];
        }
        return mapping;
    }

    // The crossbar's source table for output channels [first, first + ports) at (kernel row, segment).
    std::vector<uint8_t> index_table(const PoolLayer& layer, int64_t first, int64_t ports, int64_t kernel_row,
                                     size_t segment, int64_t kernel_h) const {
        const int32_t* idx = layer.indices->values<int32_t>();
        const auto segments = static_cast<int64_t>(layer.segments.size());
        std::vector<uint8_t> table(static_cast<size_t>(ports) * 2);
        for (int64_t o = 0; o < ports; ++o) {
            const int32_t source = idx[((first + o) * kernel_h + kernel_row) * segments + static_cast<int64_t>(segment)];
            table[static_cast<size_t>(2 * o)] = static_cast<uint8_t>(source);
            table[static_cast<size_t>(2 * o + 1)] = static_cast<uint8_t>(source >> 8);
        }
        return table;
    }

    // The pool is the same for every layer, so each pool macro is written once, on first use.
    void load_pool(const PoolLayer& layer, size_t core, LayerStats& stats) {
        if (pool_loaded_.count(core)) return;
        pool_loaded_.insert(core);
        const int8_t* values = layer.pool->values<int8_t>();
        std::vector<int32_t> tile(static_cast<size_t>(layer.vector_length * layer.pool_size));
        for (int64_t r = 0; r < layer.vector_length; ++r) {
            for (int64_t j = 0; j < layer.pool_size; ++j) {
                tile[static_cast<size_t>(r * layer.pool_size + j)] = values[j * layer.vector_length + r];
            }
        }
        const std::vector<uint8_t> bytes = encode_weights(tile, layer.pool_bits);
        write_weights(target_.cores[core].pool_macro->instance, place_weights(core, bytes), bytes.size(),
                      layer.vector_length, layer.pool_size, 0, layer.pool_bits, nullptr);
        ++stats.weight_tiles_written;
        stats.weight_bytes_loaded += bytes.size();
    }

    void emit_pooled_conv(ConvContext& conv, LayerStats& stats) {
        const ir::Node& node = *conv.node;
        const PoolLayer layer = pool_layer_of(conv);
        const CimGeometry& pool_geometry = target_.cores.front().pool_macro->geometry;
        if (pool_geometry.rows < layer.vector_length ||
            pool_geometry.columns < layer.pool_size * weight_columns(layer.pool_bits, pool_geometry.bits_per_cell)) {
            unsupported(node, "a pool of " + std::to_string(layer.pool_size) + " vectors of " +
                                  std::to_string(layer.vector_length) + " x " + std::to_string(layer.pool_bits) +
                                  "-bit weights does not fit pool macro '" + target_.cores.front().pool_macro->instance +
                                  "'");
        }
        // Copies over idle cores as for a plain conv; every core has its own pool macro and crossbar.
        conv.mapping = replicated_mapping(
            conv,
            [&](int replicas) {
                if (layer.error.empty()) return pool_group_mapping(conv.shape, layer.pool_size, replicas);
                return map_conv(conv.shape, target_, kErrorWeightBits, true, replicas);
            },
            layer.pool_size);
        if (!layer.error.empty()) {
            // +-1 cells have no zero: pruned error weights must fill whole masked blocks.
            const CimGeometry& g = target_.geometry();
            for (const WeightTile& tile : conv.mapping.tiles) {
                if (tile.rows % g.max_active_wl != 0 || tile.channels % g.columns_per_adc != 0) {
                    unsupported(node, "its error term's tiles must be whole blocks of " +
                                          std::to_string(g.max_active_wl) + " rows x " +
                                          std::to_string(g.columns_per_adc) + " channels (a kernel row of " +
                                          std::to_string(conv.shape.span()) + " rows and " +
                                          std::to_string(conv.shape.out_channels) + " channels is not)");
                }
            }
        }
        const std::vector<size_t> cores = busy_cores(conv.mapping);
        stats.passes = conv.mapping.passes;
        stats.macros_used = conv.mapping.macros_used + static_cast<int64_t>(cores.size());
        stats.replicas = conv.mapping.replicas;
        const std::vector<StoredTile> stored =
            layer.error.empty() ? std::vector<StoredTile>{} : store_tiles(conv, layer.error, true, stats);
        const Tables tables = requantization_tables(node, conv.shape.out_channels);

        // Index tables, per core and (kernel row, segment) step: one per pool group the core touches.
        struct Route {
            WeightLocation table;
            int64_t first_channel, ports;
        };
        const size_t steps = static_cast<size_t>(conv.shape.kernel_h) * layer.segments.size();
        std::vector<std::vector<std::vector<Route>>> routes(target_.cores.size(),
                                                            std::vector<std::vector<Route>>(steps));
        for (size_t c : cores) {
            load_pool(layer, c, stats);
            const CoreChannels& channels = conv.mapping.cores[c];
            for (int64_t u = 0; u < conv.shape.kernel_h; ++u) {
                for (size_t s = 0; s < layer.segments.size(); ++s) {
                    // One route per pool group the core's channels touch: the group's table restricted
                    // to them, still a (partial) permutation.
                    const int64_t end = channels.first_channel + channels.channels;
                    for (int64_t first = channels.first_channel; first < end;) {
                        const int64_t ports = std::min(end, (first / layer.pool_size + 1) * layer.pool_size) - first;
                        const size_t step = static_cast<size_t>(u) * layer.segments.size() + s;
                        routes[c][step].push_back(
                            {place_weights(c, index_table(layer, first, ports, u, s, conv.shape.kernel_h)), first,
                             ports});
                        // Stored compactly on chip; the tables in memory use 16 bits an entry. A
                        // replica's tables are copies.
                        if (conv.mapping.replica_of_core(c, target_.cores.size()) == 0) {
                            stats.index_bits += static_cast<uint64_t>(ports * passes::pool_index_bits(layer.pool_size));
                        }
                        first += ports;
                    }
                }
            }
        }

        std::vector<BandBuffers> buffers;
        const int64_t rows_per_band = band_rows(conv, layer.pool_size, buffers);
        const int64_t bands = conv.bands(rows_per_band);
        stats.bands = bands;
        const TileOrder order = tile_order(conv.mapping);
        const uint64_t pool_stride = static_cast<uint64_t>(layer.pool_size) * 4;

        begin_bands(conv, cores, buffers, rows_per_band, bands);
        for (int64_t round = 0; round < bands; round += conv.mapping.replicas) {
            const int64_t round_end = std::min<int64_t>(bands, round + conv.mapping.replicas);
            const std::vector<CoreBand> work =
                start_round(conv, cores, order, stored, buffers, round, round_end, rows_per_band, bands, stats);
            // The pool steps of every band of the round, step by step.
            size_t step = 0;
            for (int64_t u = 0; u < conv.shape.kernel_h; ++u) {
                for (size_t s = 0; s < layer.segments.size(); ++s, ++step) {
                    label_band(conv, round, bands,
                               "pool step (kernel row " + std::to_string(u) + ", segment " + std::to_string(s) + ")");
                    for (const CoreBand& band : work) {
                        const size_t c = band.core;
                        mvm_over_band(conv, target_.cores[c].pool_macro->instance,
                                      buffers[c].input[input_half(conv, band.band)], band.rows, u,
                                      layer.segments[s].offset, layer.segments[s].length, 0, layer.pool_size,
                                      layer.pool_bits, buffers[c].pool_results[step % 2], pool_stride, false);
                    }
                    // This segment's results are in, and the crossbar is done with the previous
                    // segment's (whose buffer the next MVM overwrites).
                    for (const CoreBand& band : work) sync(target_.cores[band.core].pool_macro->instance);
                    for (const CoreBand& band : work) sync(target_.cores[band.core].crossbar);
                    for (const CoreBand& band : work) {
                        const size_t c = band.core;
                        const CoreChannels& channels = conv.mapping.cores[c];
                        for (const Route& route : routes[c][step]) {
                            Instruction permute(Opcode::kPermute);
                            permute.set("engine", builder_.engine(target_.cores[c].crossbar))
                                .set("src", buffers[c].pool_results[step % 2])
                                .set("dst", buffers[c].partial_sums +
                                                static_cast<uint64_t>(route.first_channel - channels.first_channel) * 4)
                                .set("vectors", static_cast<uint64_t>(conv.positions(band.rows)))
                                .set("inputs", static_cast<uint64_t>(layer.pool_size))
                                .set("ports", static_cast<uint64_t>(route.ports))
                                .set("src_stride", pool_stride)
                                .set("dst_stride", static_cast<uint64_t>(channels.channels) * 4)
                                .set("accumulate", step > 0 ? 1 : 0);
                            std::vector<ProgramBuilder::Patch> patches;
                            point_at(permute, patches, "table", route.table);
                            builder_.emit_patched(permute, patches);
                            stats.weight_bytes_loaded += static_cast<uint64_t>(route.ports) * 2;
                        }
                    }
                }
            }
            label_band(conv, round, bands, round_output_label(round, round_end));
            for (const CoreBand& band : work) sync(target_.cores[band.core].crossbar);
            for (int macro : order.macros) sync(macro_names_[static_cast<size_t>(macro)]);
            // accumulators = a * pool + b * error, exactly: doubled multipliers and a shift of 1.
            for (const CoreBand& band : work) {
                const size_t c = band.core;
                const uint64_t elements = static_cast<uint64_t>(conv.positions(band.rows)) *
                                          static_cast<uint64_t>(conv.mapping.cores[c].channels);
                const Operand pool_sums{buffers[c].partial_sums, isa::ElementType::kInt32};
                if (layer.error.empty()) {
                    vadd(target_.cores[c].vector_unit, pool_sums, pool_sums, pool_sums, elements,
                         {static_cast<int32_t>(2 * layer.pool_scale), 0, 1, INT32_MIN, INT32_MAX});
                    continue;
                }
                reduce_slots(conv, c, buffers[c], band.rows);
                vadd(target_.cores[c].vector_unit, pool_sums, {buffers[c].tile_sums, isa::ElementType::kInt32},
                     pool_sums, elements,
                     {static_cast<int32_t>(2 * layer.pool_scale), static_cast<int32_t>(2 * layer.error_scale), 1,
                      INT32_MIN, INT32_MAX});
            }
            emit_band_output(conv, buffers, work, tables);
        }
    }

    // Requantizes the bands' partial sums on each core's vector unit and writes the rows to DRAM.
    void emit_band_output(const ConvContext& conv, const std::vector<BandBuffers>& buffers,
                          const std::vector<CoreBand>& bands, const Tables& tables) {
        requantize(conv, buffers, bands, tables);
        write_back(conv, buffers, bands);
        for (const CoreBand& band : bands) sync(target_.cores[band.core].dma);
    }

    // One vrequant per core: the bands' partial sums into their output staging.
    void requantize(const ConvContext& conv, const std::vector<BandBuffers>& buffers, const std::vector<CoreBand>& bands,
                    const Tables& tables) {
        const ActivationLayout& out = *conv.out;
        for (const CoreBand& band : bands) {
            const size_t c = band.core;
            const auto positions = static_cast<uint64_t>(conv.positions(band.rows));
            const CoreChannels& channels = conv.mapping.cores[c];
            const uint64_t table_offset = static_cast<uint64_t>(channels.first_channel) * 4;
            Instruction requant(Opcode::kVectorRequantize);
            requant.set("engine", builder_.engine(target_.cores[c].vector_unit))
                .set("src", buffers[c].partial_sums)
                .set("dst", buffers[c].staging)
                .set("elements", positions * static_cast<uint64_t>(channels.channels))
                .set("channels", static_cast<uint64_t>(channels.channels))
                .set("channel_stride", 1)
                .set("out_type", static_cast<uint64_t>(out.type))
                .set("out_min", static_cast<uint64_t>(static_cast<uint32_t>(attribute_int32(*conv.node, "out_min"))))
                .set("out_max", static_cast<uint64_t>(static_cast<uint32_t>(attribute_int32(*conv.node, "out_max"))));
            builder_.emit_patched(requant, {{"bias", tables.bias, table_offset},
                                            {"multipliers", tables.multipliers, table_offset},
                                            {"shifts", tables.shifts, table_offset}});
        }
    }

    // Once the requantization is done, copies the staged rows into the output tensor in DRAM
    // (without waiting for the copies).
    void write_back(const ConvContext& conv, const std::vector<BandBuffers>& buffers, const std::vector<CoreBand>& bands) {
        const ActivationLayout& out = *conv.out;
        const uint64_t element = out.element_bytes;
        for (const CoreBand& band : bands) sync(target_.cores[band.core].vector_unit);
        const auto pitch = static_cast<uint64_t>(conv.row_pitch());
        for (const CoreBand& band : bands) {
            const size_t c = band.core;
            const int64_t rows = band.rows;
            const CoreChannels& channels = conv.mapping.cores[c];
            const uint64_t pixel = static_cast<uint64_t>(channels.channels) * element;
            const uint64_t dst =
                out.pixel_address(band.first_output_row + out.border, out.border) +
                static_cast<uint64_t>(channels.first_channel) * element;
            if (channels.channels == out.channels) {  // whole pixels: one 2-D copy for the band
                dma(target_.cores[c].dma, buffers[c].staging, dst, static_cast<uint64_t>(conv.shape.out_width) * pixel,
                    static_cast<uint64_t>(rows), pitch * pixel, out.row_bytes());
            } else {  // a channel slice of each pixel: one strided copy per row
                for (int64_t y = 0; y < rows; ++y) {
                    dma(target_.cores[c].dma, buffers[c].staging + static_cast<uint64_t>(y) * pitch * pixel,
                        dst + static_cast<uint64_t>(y) * out.row_bytes(), pixel,
                        static_cast<uint64_t>(conv.shape.out_width), pixel, out.pixel_bytes());
                }
            }
        }
    }

    // --- element-wise add ------------------------------------------------------------------------
    void emit_add(const ir::Node& node) {
        const ActivationLayout& a = plan_.of(node.input(0));
        const ActivationLayout& b = plan_.of(node.input(1));
        const ActivationLayout& out = plan_.of(node.outputs.at(0));
        if (a.elements() != out.elements() || b.elements() != out.elements()) {
            unsupported(node, "only adds of equal shapes are mapped");
        }
        // Split the tensor over the cores' vector units.
        const uint64_t total = out.elements();
        const uint64_t cores = target_.cores.size();
        const uint64_t share = (total + cores - 1) / cores;
        const AddScaling scaling{static_cast<int32_t>(node.attribute_ints("multiplier_a", {0}).at(0)),
                                 static_cast<int32_t>(node.attribute_ints("multiplier_b", {0}).at(0)),
                                 static_cast<int32_t>(node.attribute_ints("shift", {1}).at(0)),
                                 attribute_int32(node, "out_min"), attribute_int32(node, "out_max")};
        for (uint64_t c = 0; c < cores && c * share < total; ++c) {
            const uint64_t first = c * share;
            vadd(target_.cores[c].vector_unit, {a.address + first * a.element_bytes, a.type},
                 {b.address + first * b.element_bytes, b.type}, {out.address + first * out.element_bytes, out.type},
                 std::min(share, total - first), scaling);
        }
        for (uint64_t c = 0; c < cores && c * share < total; ++c) sync(target_.cores[c].vector_unit);
    }

    // --- pooling ---------------------------------------------------------------------------------
    // Pools run on the padded input as a larger tensor: the border stands in for the padding, which
    // is exact for sums (it is zero) and for the maximum of unsigned values (never above a real one).
    void emit_pool(const ir::Node& node) {
        const ActivationLayout& in = plan_.of(node.input(0));
        const ActivationLayout& out = plan_.of(node.outputs.at(0));
        const ir::Shape& x = graph_.tensor(node.input(0)).shape;
        const bool global = node.op_type == "QGlobalAveragePool";
        const bool max = node.op_type == "QMaxPool";
        int64_t kernel_h = in.padded_height(), kernel_w = in.padded_width(), stride_h = 1, stride_w = 1;
        int64_t pads[4] = {0, 0, 0, 0};
        if (!global) {
            const ir::WindowGeometry window = ir::resolve_window(node, x, node.attribute_ints("kernel_shape", {}));
            kernel_h = window.kernel[0];
            kernel_w = window.kernel[1];
            stride_h = window.strides[0];
            stride_w = window.strides[1];
            const int64_t wanted[4] = {window.pad_begin[0], window.pad_begin[1], window.pad_end[0], window.pad_end[1]};
            for (int i = 0; i < 4; ++i) {
                pads[i] = wanted[i] - in.border;
                if (pads[i] < 0) unsupported(node, "its input's border is wider than its padding");
            }
            // ceil_mode: extra padding at the end makes the last, partial window. Max pooling ignores
            // padding, so this is exact; an average would count it.
            const int64_t extra_bottom = (window.output[0] - 1) * stride_h + kernel_h - (x[2] + wanted[0] + wanted[2]);
            const int64_t extra_right = (window.output[1] - 1) * stride_w + kernel_w - (x[3] + wanted[1] + wanted[3]);
            if (extra_bottom > 0 || extra_right > 0) {
                if (!max) unsupported(node, "ceil_mode average pooling is not mapped");
                pads[2] += std::max<int64_t>(0, extra_bottom);
                pads[3] += std::max<int64_t>(0, extra_right);
            }
            if (max && in.border > 0 && in.type != isa::ElementType::kUint8) {
                unsupported(node, "max pooling a signed tensor stored with a border is not mapped");
            }
        }
        // The instruction writes a dense tensor: into the output directly, or into scratch and then
        // into the output's border.
        const uint64_t dense_bytes = static_cast<uint64_t>(out.height * out.width) * out.pixel_bytes();
        const uint64_t dst = out.border == 0 ? out.address : plan_.allocate(dense_bytes);
        Instruction pool(max ? Opcode::kVectorMaxPool : Opcode::kVectorAvgPool);
        const std::string& vector_unit = target_.cores.front().vector_unit;
        pool.set("engine", builder_.engine(vector_unit)).set("src", in.address).set("dst", dst);
        if (max) {
            pool.set("type", static_cast<uint64_t>(in.type));
        } else {
            const passes::Requantizer requantizer = passes::requantizer_of(node, 0);
            pool.set("in_type", static_cast<uint64_t>(in.type))
                .set("out_type", static_cast<uint64_t>(out.type))
                .set("multiplier", static_cast<uint64_t>(requantizer.multiplier))
                .set("shift", static_cast<uint64_t>(requantizer.shift))
                .set("out_min", static_cast<uint64_t>(static_cast<uint32_t>(attribute_int32(node, "out_min"))))
                .set("out_max", static_cast<uint64_t>(static_cast<uint32_t>(attribute_int32(node, "out_max"))));
        }
        pool.set("height", static_cast<uint64_t>(in.padded_height()))
            .set("width", static_cast<uint64_t>(in.padded_width()))
            .set("channels", static_cast<uint64_t>(in.channels))
            .set("kernel_h", static_cast<uint64_t>(kernel_h))
            .set("kernel_w", static_cast<uint64_t>(kernel_w))
            .set("stride_h", static_cast<uint64_t>(stride_h))
            .set("stride_w", static_cast<uint64_t>(stride_w))
            .set("pad_top", static_cast<uint64_t>(pads[0]))
            .set("pad_left", static_cast<uint64_t>(pads[1]))
            .set("pad_bottom", static_cast<uint64_t>(pads[2]))
            .set("pad_right", static_cast<uint64_t>(pads[3]));
        builder_.emit(pool);
        sync(vector_unit);
        if (out.border > 0) {
            const std::string& engine = target_.cores.front().dma;
            const uint64_t row = static_cast<uint64_t>(out.width) * out.pixel_bytes();
            dma(engine, dst, out.pixel_address(out.border, out.border), row, static_cast<uint64_t>(out.height), row,
                out.row_bytes());
            sync(engine);
        }
    }

    const ir::Graph& graph_;
    const Target& target_;
    BackendOptions options_;
    ActivationPlan plan_;
    ProgramBuilder builder_;
    std::vector<ResidentWeights> resident_;  // per core
    std::vector<std::string> macro_names_;   // every macro, core by core, as tiles number them
    std::set<size_t> pool_loaded_;           // cores whose pool macro holds the pool
    size_t preload_interrupt_slot_ = 0;
};

}  // namespace

BackendOptions::OverlapBands parse_overlap_bands(const std::string& text) {
    if (text == "never") return BackendOptions::OverlapBands::kNever;
    if (text == "when_weights_stay") return BackendOptions::OverlapBands::kWhenWeightsStay;
    if (text == "always") return BackendOptions::OverlapBands::kAlways;
    throw std::invalid_argument("overlap_bands must be never, when_weights_stay or always, not '" + text + "'");
}

CompiledNetwork compile_network(const ir::Graph& graph, const Target& target, const BackendOptions& options) {
    return NetworkCompiler(graph, target, options).compile();
}

std::string format_mapping(const CompiledNetwork& compiled) {
    std::string text;
    char line[200];
    std::snprintf(line, sizeof line, "%-22s %-18s %6s %6s %6s %8s %8s %12s %8s\n", "layer", "op", "bands", "passes",
                  "macros", "replicas", "tiles", "weight bytes", "instr");
    text += line;
    int64_t tiles = 0, instructions = 0;
    uint64_t bytes = 0;
    for (const LayerStats& layer : compiled.layers) {
        std::snprintf(line, sizeof line, "%-22s %-18s %6lld %6lld %6lld %8lld %8lld %12llu %8lld\n", layer.name.c_str(),
                      layer.op_type.c_str(), static_cast<long long>(layer.bands), static_cast<long long>(layer.passes),
                      static_cast<long long>(layer.macros_used), static_cast<long long>(layer.replicas),
                      static_cast<long long>(layer.weight_tiles_written),
                      static_cast<unsigned long long>(layer.weight_bytes_loaded),
                      static_cast<long long>(layer.instructions));
        text += line;
        tiles += layer.weight_tiles_written;
        bytes += layer.weight_bytes_loaded;
        instructions += layer.instructions;
    }
    std::snprintf(line, sizeof line, "%-22s %-18s %6s %6s %6s %8s %8lld %12llu %8lld\n", "total", "", "", "", "", "",
                  static_cast<long long>(tiles), static_cast<unsigned long long>(bytes),
                  static_cast<long long>(instructions));
    return text + line;
}

}  // namespace cimvp::backend
