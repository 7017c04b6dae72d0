#include "firmware/host/network_workload.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "firmware/backend/conv_mapping.h"
#include "firmware/backend/target.h"
#include "firmware/compiler/interpreter/integer_interpreter.h"
#include "firmware/compiler/io/model_source.h"
#include "firmware/compiler/io/input_source.h"
#include "firmware/compiler/passes/prune_blocks.h"
#include "firmware/compiler/passes/quantize.h"
#include "firmware/compiler/passes/quantize_network.h"
#include "firmware/compiler/passes/weight_pool.h"
#include "firmware/isa/program_image.h"
#include "models/cim/sram_cim_macro.h"
#include "models/memory/sram_buffer.h"
#include "platform/platform.h"

namespace cimvp {

CIMVP_REGISTER_WORKLOAD("network", NetworkWorkload,
                        "compiles a network (ONNX or zoo) for the chip, runs it, and checks every output "
                        "against the integer reference interpreter");

NetworkWorkload::Params::Params(ParamReader& reader) {
    model = reader.text("model", std::nullopt, "zoo:NAME (see cimvp zoo list) or an ONNX file relative to the scenario");
    precision = reader.text("precision", std::string("w8a8"), "weight and activation bits, wXaY with X, Y in 2..8");
    sparsity = reader.number("sparsity", 0.0, 0.0, 0.95,
                             "MARS structured sparsity: share of word-line-group blocks pruned per layer (0: dense)");
    input = reader.text("input", std::string("random:1"),
                        "random:SEED, or a float32 tensor file (.npy or .pb) relative to the scenario");
    // CIMPool weight-pool compression (docs/ir.md): off unless pool_size is given.
    const int64_t pool_size = reader.integer("pool_size", 0, 0, 4096, "weight-pool vectors (0: no weight pool)");
    pool.pool_size = static_cast<int>(pool_size);
    pool.vector_length = static_cast<int>(
        reader.integer("vector_length", 128, 1, 4096, "weights per pool vector (cut along the axis)"));
    pool.axis = passes::parse_pool_axis(reader.choice("pool_axis", "kernel_row", {"kernel_row", "input_channels"},
                                                      "what a vector is cut from: a kernel row's (kw, C) span, or C per tap"));
    pool.assignment = passes::parse_pool_assignment(
        reader.choice("pool_assignment", "non_repeating", {"non_repeating", "kmeans"},
                      "non_repeating: each pool vector once per group of pool_size output channels (a permutation)"));
    pool.format = passes::parse_pool_format(
        reader.choice("pool_format", "binary", {"binary", "int", "full"}, "pool contents: +-1 with mean scaling, "
                                                                            "pool_bits-bit integers, or 8-bit"));
    pool.pool_bits = static_cast<int>(reader.integer("pool_bits", 4, 2, 8, "bits of an `int` pool's entries"));
    pool.error_keep = reader.number("error_keep", 0.5, 0.0, 1.0,
                                    "share of the 1-bit error term's blocks kept (0: no error term)");
    pool.error_term = pool.error_keep > 0;
    if (!pool.error_term) pool.error_keep = 1.0;
    pool.seed = static_cast<uint64_t>(reader.integer("pool_seed", 1, 0, INT64_MAX, "seed of the pool's k-means"));
    reference_runs = static_cast<int>(reader.integer(
        "reference_runs", 1, 1, 100, "times the reference interpreter runs; the fastest is reported (benchmarks)"));
    replicate = reader.flag("replicate", true,
                            "copy the weights of layers that leave whole cores idle onto those cores, each copy "
                            "computing other bands");
    overlap_bands = backend::parse_overlap_bands(reader.choice(
        "overlap_bands", "when_weights_stay", {"never", "when_weights_stay", "always"},
        "two sets of partial sums, so that a band's requantization and write-back overlap the next band's MVMs: "
        "where the smaller bands cost no weight reloads, always, or never (conv layers outside pool mode)"));
    reader.require(!(pool_size > 0 && sparsity > 0), "sparsity", "MARS sparsity and a weight pool do not combine");
}

namespace {

std::string relative_to(const std::string& file, const std::string& path) {
    return (std::filesystem::path(file).parent_path() / path).lexically_normal().string();
}

// The bytes of an NCHW (or NC) integer tensor in the chip's padded HWC layout.
std::vector<uint8_t> to_chip_layout(const ir::Tensor& tensor, const backend::ActivationLayout& layout) {
    std::vector<uint8_t> bytes(layout.bytes(), 0);
    const std::vector<int64_t> values = tensor.as_int64s();
    const int64_t pixels = layout.height * layout.width;
    for (int64_t c = 0; c < layout.channels; ++c) {
        for (int64_t p = 0; p < pixels; ++p) {
            const uint64_t at = layout.element_offset(c, p);
            const auto value = static_cast<uint64_t>(values[static_cast<size_t>(c * pixels + p)]);
            for (uint64_t b = 0; b < layout.element_bytes; ++b) bytes[at + b] = static_cast<uint8_t>(value >> (8 * b));
        }
    }
    return bytes;
}

// The values the chip wrote for `like` (same name, type and shape), read from the padded HWC layout.
ir::Tensor from_chip_layout(const std::vector<uint8_t>& bytes, const backend::ActivationLayout& layout,
                            const ir::Tensor& like) {
    ir::Tensor tensor = ir::Tensor::zeros(like.name, like.type, like.shape);
    tensor.quant = like.quant;
    const int64_t pixels = layout.height * layout.width;
    const size_t size = ir::element_size(like.type);
    for (int64_t c = 0; c < layout.channels; ++c) {
        for (int64_t p = 0; p < pixels; ++p) {
            const uint64_t at = layout.element_offset(c, p);
            std::memcpy(tensor.data.data() + static_cast<size_t>(c * pixels + p) * size, bytes.data() + at, size);
        }
    }
    return tensor;
}

}  // namespace

NetworkWorkload::NetworkWorkload(const WorkloadContext& context)
    : params_(read_params_of<Params>(context)),
      platform_(context.platform),
      host_(context.platform.get<Host>(context.host, "workload network")) {
    // Everything before simulation is input checking and compilation: its errors are configuration errors.
    try {
        const std::string model =
            params_.model.rfind("zoo:", 0) == 0 ? params_.model : relative_to(context.file, params_.model);
        passes::QuantConfig config;
        passes::parse_precision(params_.precision, config);
        graph_ = passes::quantize_network_on_random_inputs(io::load_model(model), config);

        const backend::Target target = backend::describe_target(platform_);
        macro_instance_ = target.cores.front().macros.front().instance;
        for (const backend::CoreTarget& core : target.cores) {
            if (core.pool_macro) pool_hardware_.insert(pool_hardware_.end(), {core.pool_macro->instance, core.crossbar});
        }
        backend::BackendOptions options;
        options.replicate = params_.replicate;
        options.overlap_bands = params_.overlap_bands;
        if (params_.sparsity > 0) {
            // As in MARS, the kernels mapped together share their index codes: a block is a word-line
            // group across every channel of a macro's column tile, so a pruned block is a whole group
            // activation the macro skips, saving time as well as conversions.
            const CimGeometry& g = target.geometry();
            passes::PruneConfig prune;
            prune.group_rows = g.max_active_wl;
            prune.group_channels = std::max<int>(
                1, g.columns / static_cast<int>(backend::weight_columns(config.weight_bits, g.bits_per_cell)));
            prune.sparsity = params_.sparsity;
            passes::PrunedGraph pruned = passes::prune_blocks(graph_, prune);
            graph_ = std::move(pruned.graph);
            weight_sparsity_ = pruned.report.weight_sparsity();
            options.block_masks = true;
        }
        if (params_.pool.pool_size > 0) {
            // Error-term blocks are the macro's blocks (one column per +-1 weight), so pruned ones
            // are skipped like MARS blocks.
            const CimGeometry& g = target.geometry();
            passes::WeightPoolConfig pool = params_.pool;
            pool.error_group_rows = g.max_active_wl;
            pool.error_group_channels = g.columns_per_adc;
            passes::PooledGraph pooled = passes::weight_pool(graph_, pool);
            graph_ = std::move(pooled.graph);
            pool_report_ = std::move(pooled.report);
        }
        compiled_ = backend::compile_network(graph_, target, options);
        scheduler_base_ = platform_.address_map().find(compiled_.scheduler)->base;

        ir::TensorMap inputs;
        for (const std::string& name : graph_.inputs) {
            const bool random = params_.input.rfind("random:", 0) == 0;
            const ir::Tensor input = io::read_input_source(
                graph_, name, random ? params_.input : relative_to(context.file, params_.input), "input");
            inputs[name] = passes::quantize_input(input, graph_.tensor(name).quant);
            inputs_.push_back(inputs[name]);
        }
        ir::TensorMap outputs;
        for (int run = 0; run < params_.reference_runs; ++run) {
            const auto started = std::chrono::steady_clock::now();
            outputs = interpreter::run_integer(graph_, inputs);
            const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            if (run == 0) reference_first_wall_s_ = wall_s;
            reference_wall_s_ = run == 0 ? wall_s : std::min(reference_wall_s_, wall_s);
        }
        for (const std::string& name : graph_.outputs) expected_.push_back(outputs.at(name));
    } catch (const ConfigError&) {
        throw;
    } catch (const std::exception& error) {
        throw ConfigError(context.where, std::string("workload network: ") + error.what());
    }
}

void NetworkWorkload::run() {
    // The compiler's debug information goes to the tracer, as symbols to a debugger.
    if (Tracer* tracer = platform_.find(compiled_.scheduler)->tracer()) tracer->annotate_program(compiled_.annotations);
    load_program(host_, compiled_.image_bytes, compiled_.image_address);
    for (size_t i = 0; i < inputs_.size(); ++i) {
        const std::vector<uint8_t> bytes = to_chip_layout(inputs_[i], compiled_.inputs[i]);
        host_.load(compiled_.inputs[i].address, bytes.data(), bytes.size());
    }
    start_ns_ = preload_end_ns_ = sc_core::sc_time_stamp().to_seconds() * 1e9;
    outcome_ = run_program(host_, scheduler_base_, compiled_.image_address, compiled_.scheduler, platform_,
                           [this](uint64_t code) {
                               const double now = sc_core::sc_time_stamp().to_seconds() * 1e9;
                               if (code == backend::kWeightsResidentCode) {
                                   preload_end_ns_ = now;
                                   preload_energy_ = energy_so_far();
                                   return;
                               }
                               // Codes count layers from 1; a layer whose interrupt was overtaken ends
                               // when the next one reports.
                               while (layer_end_ns_.size() < code) {
                                   layer_end_ns_.push_back(now);
                                   layer_end_energy_.push_back(energy_so_far());
                               }
                           });
    if (!outcome_.ok) throw SimulationError(outcome_.error);
    for (size_t i = 0; i < expected_.size(); ++i) {
        const backend::ActivationLayout& layout = compiled_.outputs[i];
        std::vector<uint8_t> bytes(layout.bytes());
        host_.peek(layout.address, bytes.data(), bytes.size());
        produced_.push_back(from_chip_layout(bytes, layout, expected_[i]));
    }
}

NetworkWorkload::EnergySplit NetworkWorkload::energy_so_far() const {
    EnergySplit split;
    for (const auto& component : platform_.components()) {
        split.all_pj += component->energy().total_pj();
        if (component->type_name() == "dram_controller") split.dram_pj += component->energy().total_pj();
        if (component->type_name() == "sram_cim_macro") split.macro_busy_ns += component->busy().busy().to_seconds() * 1e9;
    }
    return split;
}

nlohmann::json NetworkWorkload::weights_on_chip() const {
    uint64_t cells = 0, index_bits = 0;
    for (const backend::LayerStats& layer : compiled_.layers) {
        cells += layer.weight_cells;
        index_bits += layer.index_bits;
    }
    const auto* macro = dynamic_cast<const SramCimMacro*>(platform_.find(macro_instance_));
    const uint64_t macro_cells = static_cast<uint64_t>(macro->params().geometry.rows) * macro->params().geometry.columns;
    // Weights of different layers may share a macro, so this is the fewest macros that hold them.
    const uint64_t macros = (cells + macro_cells - 1) / macro_cells;
    // Indices sit in SRAM at the density of the platform's largest buffer.
    double sram_um2_per_byte = 0.0;
    uint64_t largest = 0;
    for (const auto& component : platform_.components()) {
        if (component->type_name() != "sram_buffer") continue;
        const auto* buffer = dynamic_cast<const SramBuffer*>(component.get());
        if (buffer->address_span() > largest) {
            largest = buffer->address_span();
            sram_um2_per_byte = buffer->area_um2() / static_cast<double>(largest);
        }
    }
    double pool_hardware_um2 = 0.0;
    for (const std::string& name : pool_hardware_) pool_hardware_um2 += platform_.find(name)->area_um2();
    const double macro_area = static_cast<double>(macros) * macro->area_um2();
    const double index_area = static_cast<double>((index_bits + 7) / 8) * sram_um2_per_byte;
    return {{"cim_cells", cells},
            {"macros", macros},
            {"macro_area_um2", macro_area},
            {"index_bits", index_bits},
            {"index_sram_area_um2", index_area},
            {"pool_hardware_area_um2", pool_hardware_um2},
            {"area_um2", macro_area + index_area + pool_hardware_um2}};
}

std::string NetworkWorkload::progress() const {
    const size_t done = layer_end_ns_.size();
    if (done >= compiled_.layers.size()) return "";
    return "layer " + std::to_string(done + 1) + "/" + std::to_string(compiled_.layers.size()) + " " +
           compiled_.layers[done].name;
}

double NetworkWorkload::fraction_done() const {
    return compiled_.layers.empty() ? -1.0
                                    : static_cast<double>(layer_end_ns_.size()) / compiled_.layers.size();
}

bool NetworkWorkload::report(nlohmann::json& results) const {
    uint64_t compared = 0, mismatches = 0;
    nlohmann::json first_mismatch;
    for (size_t i = 0; i < produced_.size(); ++i) {
        const std::vector<int64_t> got = produced_[i].as_int64s(), want = expected_[i].as_int64s();
        for (size_t e = 0; e < want.size(); ++e, ++compared) {
            if (got[e] == want[e]) continue;
            if (mismatches++ == 0) {
                first_mismatch = {{"output", expected_[i].name}, {"element", e}, {"chip", got[e]}, {"reference", want[e]}};
            }
        }
    }
    const bool match = outcome_.ok && compared > 0 && mismatches == 0;
    // TOPS/W of the whole platform, and of the chip alone (papers on CIM chips usually leave DRAM
    // out), over the inference: the one-time weight preload is not part of it.
    const EnergySplit total = energy_so_far();
    const double energy_pj = total.all_pj - preload_energy_.all_pj;
    const double chip_energy_pj = energy_pj - (total.dram_pj - preload_energy_.dram_pj);
    int64_t macs = 0;
    for (const backend::LayerStats& layer : compiled_.layers) macs += layer.macs;
    // The inference starts once on-chip weights are resident (at once when there are none): a
    // deployed chip loads them once, not per frame.
    const double preload_ns = preload_end_ns_ - start_ns_;
    const double latency_ns = outcome_.duration.to_seconds() * 1e9 - preload_ns;
    const double ops = 2.0 * static_cast<double>(macs);

    nlohmann::json check = {{"outputs_match", match}, {"compared", compared}, {"mismatches", mismatches}};
    if (mismatches > 0) check["first_mismatch"] = first_mismatch;
    results = {{"type", "network"},
               {"model", params_.model},
               {"precision", params_.precision},
               {"sparsity", params_.sparsity},
               {"weight_sparsity", weight_sparsity_},
               {"check", check},
               {"latency_ns", latency_ns},
               {"weight_preload_ns", preload_ns},
               {"throughput_fps", latency_ns > 0 ? 1e9 / latency_ns : 0.0},
               {"macs", macs},
               {"tops", latency_ns > 0 ? ops / latency_ns / 1e3 : 0.0},
               {"tops_per_watt", energy_pj > 0 ? ops / energy_pj : 0.0},
               {"tops_per_watt_on_chip", chip_energy_pj > 0 ? ops / chip_energy_pj : 0.0},
               {"energy_per_inference_pj", energy_pj},
               {"instructions", outcome_.executed},
               {"program_bytes", compiled_.image_bytes.size()},
               {"dram_bytes_used", compiled_.dram_bytes_used},
               {"reference_wall_s", reference_wall_s_},
               {"reference_first_wall_s", reference_first_wall_s_}};
    // Per layer, from one layer-end interrupt to the next. Energy is booked when a command runs,
    // which in loosely-timed simulation may be up to one quantum early, so the split is that exact.
    nlohmann::json layers = nlohmann::json::array();
    double previous_ns = preload_end_ns_;
    EnergySplit previous = preload_energy_;
    int macros = 0;
    for (const auto& component : platform_.components()) macros += component->type_name() == "sram_cim_macro";
    for (size_t i = 0; i < compiled_.layers.size(); ++i) {
        const backend::LayerStats& layer = compiled_.layers[i];
        const double end_ns = i < layer_end_ns_.size() ? layer_end_ns_[i] : previous_ns;
        const EnergySplit end = i < layer_end_energy_.size() ? layer_end_energy_[i] : previous;
        const double latency = end_ns - previous_ns;
        layers.push_back({{"name", layer.name},
                          {"op", layer.op_type},
                          {"macs", layer.macs},
                          {"latency_ns", latency},
                          {"energy_pj", end.all_pj - previous.all_pj},
                          {"macro_utilization",
                           latency > 0 && macros > 0 ? (end.macro_busy_ns - previous.macro_busy_ns) / (latency * macros)
                                                     : 0.0},
                          {"bands", layer.bands},
                          {"passes", layer.passes},
                          {"macros_used", layer.macros_used},
                          {"replicas", layer.replicas},
                          {"overlapped", layer.overlapped},
                          {"weight_tiles_written", layer.weight_tiles_written},
                          {"weight_bytes_loaded", layer.weight_bytes_loaded},
                          {"instructions", layer.instructions}});
        previous_ns = end_ns;
        previous = end;
    }
    results["layers"] = layers;
    results["weights_on_chip"] = weights_on_chip();
    if (pool_report_) {
        nlohmann::json pooled_layers = nlohmann::json::array();
        for (const passes::LayerPoolReport& layer : pool_report_->layers) {
            nlohmann::json entry = {{"name", layer.layer}, {"pooled", layer.pooled}, {"weights", layer.weights}};
            if (layer.pooled) {
                entry["effective_bits"] = layer.effective_bits;
                entry["relative_error"] = layer.relative_error;
            } else {
                entry["dense_reason"] = layer.dense_reason;
            }
            pooled_layers.push_back(entry);
        }
        results["weight_pool"] = {{"pool_size", params_.pool.pool_size},
                                  {"vector_length", params_.pool.vector_length},
                                  {"error_keep", params_.pool.error_term ? params_.pool.error_keep : 0.0},
                                  {"pool_bits", pool_report_->pool_bits},
                                  {"pooled_weights", pool_report_->pooled_weights},
                                  {"effective_bits_per_weight", pool_report_->effective_bits_per_weight()},
                                  {"relative_error", pool_report_->relative_error()},
                                  {"layers", pooled_layers}};
    }
    return match;
}

}  // namespace cimvp
