// What a scenario runs on its platform: a program for the host CPU plus the checks made on the
// results. Workload types register themselves by name, like models:
//   CIMVP_REGISTER_WORKLOAD("dma_stream", DmaStream, "copies a buffer through the DMA engine");
#pragma once

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/params.h"

namespace cimvp {

class Platform;

struct WorkloadContext {
    Platform& platform;
    YAML::Node params;
    std::string file;
    SourceLocation where;
    std::string host;  // the instance that runs the program
};

// Implemented by the model that runs workload programs (models/soc/host.h), so the platform
// layer can start a workload without depending on a particular model.
class ProgramRunner {
public:
    virtual ~ProgramRunner() = default;
    // The program runs in the runner's thread from time zero; the simulation stops when it returns.
    virtual void set_program(std::function<void()> program) = 0;
    virtual bool finished() const = 0;
    // Why the program stopped early (an access error, a failed check), or empty.
    virtual const std::string& failure() const = 0;
};

class Workload {
public:
    virtual ~Workload() = default;
    // Runs in the host's thread during simulation.
    virtual void run() = 0;
    // After simulation: adds the workload's results to `results` and returns false if a check failed.
    virtual bool report(nlohmann::json& results) const = 0;
    // Progress for long runs: what is happening now ("" when nothing to say), and the fraction done
    // (negative when unknown).
    virtual std::string progress() const { return ""; }
    virtual double fraction_done() const { return -1.0; }
};

struct WorkloadType {
    std::string type;
    std::string summary;
    std::function<std::unique_ptr<Workload>(const WorkloadContext&)> create;
    std::function<std::vector<ParamSpec>()> describe;
};

class WorkloadRegistry {
public:
    static WorkloadRegistry& instance();
    void add(WorkloadType type);
    const WorkloadType* find(const std::string& type) const;
    const std::map<std::string, WorkloadType>& all() const { return types_; }

private:
    std::map<std::string, WorkloadType> types_;
};

template <class T>
struct WorkloadRegistrar {
    WorkloadRegistrar(const char* type, const char* summary) {
        WorkloadRegistry::instance().add(WorkloadType{
            type, summary,
            [](const WorkloadContext& context) -> std::unique_ptr<Workload> { return std::make_unique<T>(context); },
            [] {
                ParamReader reader = ParamReader::describing();
                typename T::Params params(reader);
                (void)params;
                return reader.specs();
            }});
    }
};

}  // namespace cimvp

#define CIMVP_WORKLOAD_CONCAT_INNER(a, b) a##b
#define CIMVP_WORKLOAD_CONCAT(a, b) CIMVP_WORKLOAD_CONCAT_INNER(a, b)
#define CIMVP_REGISTER_WORKLOAD(type_name, Class, summary)                                                     \
    static const ::cimvp::WorkloadRegistrar<Class> CIMVP_WORKLOAD_CONCAT(cimvp_workload_registrar_, __LINE__)( \
        type_name, summary)

namespace cimvp {

// Reads a workload's Params from its context, rejecting unknown keys.
template <class Params>
Params read_params_of(const WorkloadContext& context) {
    ParamReader reader(context.params, context.file, context.where);
    Params params(reader);
    reader.finish();
    return params;
}

}  // namespace cimvp
