#include "platform/simulation.h"

#include <chrono>

#include "platform/power_sampler.h"
#include "platform/progress.h"
#include "platform/report.h"

namespace cimvp {

Simulation::Simulation(const Scenario& scenario) : scenario_(scenario) {
    platform_ = std::make_unique<Platform>(scenario_.netlist);
    host_ = dynamic_cast<ProgramRunner*>(platform_->find(scenario_.host));
    if (host_ == nullptr) {
        throw ConfigError(SourceLocation{scenario_.file, 0, 0},
                          "the scenario's workload runs on instance '" + scenario_.host +
                              "', which the platform lacks or which cannot run programs (use type: host)");
    }
    const WorkloadType* type = WorkloadRegistry::instance().find(scenario_.workload_type);
    if (type == nullptr) {
        std::string known;
        for (const auto& [name, entry] : WorkloadRegistry::instance().all()) known += (known.empty() ? "" : ", ") + name;
        throw ConfigError(scenario_.workload_where, "unknown workload type '" + scenario_.workload_type +
                                                        "' (known: " + known + ")");
    }
    workload_ = type->create(WorkloadContext{*platform_, scenario_.workload_params, scenario_.file,
                                             scenario_.workload_where, scenario_.host});
    Workload* workload = workload_.get();
    host_->set_program([workload] { workload->run(); });
}

Simulation::~Simulation() = default;

void Simulation::run(const RunOptions& options) {
    tlm::tlm_global_quantum::instance().set(sc_core::sc_time(scenario_.quantum_ns, sc_core::SC_NS));
    const TraceConfig trace = options.trace ? *options.trace : scenario_.trace;
    if (trace.enabled()) {
        tracer_ = std::make_unique<Tracer>(trace);
        std::vector<Component*> components;
        for (const auto& component : platform_->components()) {
            component->attach_tracer(tracer_.get());
            components.push_back(component.get());
        }
        if (trace.power_interval_ns > 0) {
            power_sampler_ = std::make_unique<PowerSampler>(components, *tracer_,
                                                            sc_core::sc_time(trace.power_interval_ns, sc_core::SC_NS));
        }
    }
    if (options.progress) {
        Workload* workload = workload_.get();
        progress_ = std::make_unique<ProgressReporter>(scenario_.name, [workload] {
            return std::make_pair(workload->fraction_done(), workload->progress());
        });
    }
    const auto wall_start = std::chrono::steady_clock::now();
    sc_core::sc_start(sc_core::sc_time(scenario_.time_limit_ns, sc_core::SC_NS));
    const double wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    if (progress_) progress_->finish();
    if (!host_->failure().empty()) throw SimulationError("workload failed: " + host_->failure());
    if (!host_->finished()) {
        throw SimulationError("workload did not finish within time_limit " +
                              format_quantity(scenario_.time_limit_ns, Dimension::Time) +
                              " of simulated time (raise 'time_limit' in " + scenario_.file +
                              " if the run is merely long)");
    }
    const sc_core::sc_time end = sc_core::sc_time_stamp();
    if (power_sampler_) power_sampler_->finish(end);
    for (const auto& component : platform_->components()) component->finalize(end);

    nlohmann::json results = nlohmann::json::object();
    checks_passed_ = workload_->report(results);
    report_ = make_report(scenario_, *platform_, end.to_seconds() * 1e9, wall_seconds);
    // A per-layer table is the report's own section, so tools need not know the workload type.
    if (results.contains("layers")) {
        report_["layers"] = results["layers"];
        results.erase("layers");
    }
    report_["workload"] = results;
    if (tracer_) report_["timeline_summary"] = tracer_->write(options.out_dir, platform_->netlist().platform);
}

}  // namespace cimvp
