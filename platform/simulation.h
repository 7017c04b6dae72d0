// Runs one scenario: builds the platform, hands the workload to the host, simulates until the
// workload returns, closes the accounting, and produces report.json.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>

#include "platform/platform.h"
#include "platform/scenario.h"
#include "platform/workload.h"

namespace cimvp {

class PowerSampler;
class ProgressReporter;

struct RunOptions {
    std::string out_dir = ".";        // where trace files go
    std::optional<TraceConfig> trace;  // overrides the scenario's `trace:` (e.g. `--trace`)
    bool progress = false;             // progress lines on stderr
};

class Simulation {
public:
    // Builds and checks everything (netlist, parameters, workload); simulates nothing.
    explicit Simulation(const Scenario& scenario);
    ~Simulation();

    // Simulates to the end of the workload. Throws SimulationError if the workload failed
    // an access or did not finish within the scenario's time limit.
    void run(const RunOptions& options = RunOptions());

    // The report of the finished run (see docs/report.md); `outputs_ok` is false if a check failed.
    const nlohmann::json& report() const { return report_; }
    bool checks_passed() const { return checks_passed_; }

    Platform& platform() { return *platform_; }

private:
    Scenario scenario_;
    std::unique_ptr<Platform> platform_;
    std::unique_ptr<Workload> workload_;
    ProgramRunner* host_ = nullptr;
    std::unique_ptr<Tracer> tracer_;
    std::unique_ptr<PowerSampler> power_sampler_;
    std::unique_ptr<ProgressReporter> progress_;
    nlohmann::json report_;
    bool checks_passed_ = false;
};

}  // namespace cimvp
