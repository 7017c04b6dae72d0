// Workload `network`: a whole neural network on the chip. Before simulation it imports the model
// (ONNX or zoo), quantizes it (and prunes it for MARS), compiles it for the platform with the back
// end, and runs the integer reference interpreter on the same input. During simulation the host
// loads the program and the input, starts the scheduler and waits; each layer raises an interrupt
// when it finishes, which gives the per-layer timeline. Afterwards every output element is compared
// with the reference, and the report gives latency, throughput, TOPS/W and the per-layer table.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "firmware/backend/network_compiler.h"
#include "firmware/compiler/ir/graph.h"
#include "firmware/compiler/passes/weight_pool.h"
#include "firmware/host/program_loader.h"
#include "platform/workload.h"

namespace cimvp {

class NetworkWorkload : public Workload {
public:
    struct Params {
        std::string model;  // zoo:NAME or an ONNX file relative to the scenario
        std::string precision;
        double sparsity;
        std::string input;              // random:SEED or a tensor file relative to the scenario
        passes::WeightPoolConfig pool;  // pool_size 0: no weight pool
        int reference_runs;             // the interpreter's repeats; the fastest is reported (bench/network_ratio.sh)
        bool replicate;                 // copy weights onto cores a layer leaves idle (BackendOptions)
        backend::BackendOptions::OverlapBands overlap_bands;  // double-buffered partial sums (BackendOptions)
        explicit Params(ParamReader& reader);
    };

    explicit NetworkWorkload(const WorkloadContext& context);
    void run() override;
    bool report(nlohmann::json& results) const override;
    std::string progress() const override;
    double fraction_done() const override;

private:
    // Energy and summed macro busy time up to now, read at each interrupt to split the run by layer.
    struct EnergySplit {
        double all_pj = 0.0;
        double dram_pj = 0.0;
        double macro_busy_ns = 0.0;
    };
    EnergySplit energy_so_far() const;
    // The chip area if every weight stayed on chip: macros for all weight cells, SRAM for pool
    // indices, and the pool hardware the platform has.
    nlohmann::json weights_on_chip() const;

    Params params_;
    Platform& platform_;
    Host& host_;
    ir::Graph graph_;
    backend::CompiledNetwork compiled_;
    uint64_t scheduler_base_ = 0;
    std::vector<ir::Tensor> inputs_;       // integer inputs, in graph input order
    std::vector<ir::Tensor> expected_;     // the reference interpreter's outputs
    std::vector<ir::Tensor> produced_;     // what the chip wrote
    double reference_wall_s_ = 0.0;        // the fastest of reference_runs
    double reference_first_wall_s_ = 0.0;  // the first, which also pays for first-touch memory
    double weight_sparsity_ = 0.0;
    std::optional<passes::WeightPoolReport> pool_report_;
    std::string macro_instance_;              // a CIM macro of the target, for the geometry and area
    std::vector<std::string> pool_hardware_;  // the target's pool macros and crossbars
    ProgramOutcome outcome_;
    std::vector<double> layer_end_ns_;           // per layer, when its interrupt reached the host
    std::vector<EnergySplit> layer_end_energy_;  // and what had been spent by then
    double start_ns_ = 0.0;
    double preload_end_ns_ = 0.0;
    EnergySplit preload_energy_;
};

}  // namespace cimvp
