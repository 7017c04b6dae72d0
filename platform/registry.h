// The catalogue of model types: each model registers itself by type name with one line,
//   CIMVP_REGISTER_MODEL("sram_buffer", SramBuffer, "banked on-chip SRAM buffer");
// so that the netlist can instantiate it and `cimvp models` can list its parameters.
// A registered class needs a nested `Params` type constructible from a ParamReader&, and a
// constructor taking a ComponentContext. Models are created through the registry only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "platform/component.h"
#include "platform/params.h"

namespace cimvp {

struct ModelType {
    std::string type;
    std::string summary;
    std::function<std::unique_ptr<Component>(const ComponentContext&)> create;
    std::function<std::vector<ParamSpec>()> describe;
};

class ModelRegistry {
public:
    static ModelRegistry& instance();
    void add(ModelType model);
    const ModelType* find(const std::string& type) const;
    const std::map<std::string, ModelType>& all() const { return models_; }

private:
    std::map<std::string, ModelType> models_;
};

template <class Model>
struct ModelRegistrar {
    ModelRegistrar(const char* type, const char* summary) {
        ModelRegistry::instance().add(ModelType{
            type, summary,
            [](const ComponentContext& context) -> std::unique_ptr<Component> {
                // SystemC names a module from the sc_module_name on top of its stack, and that name
                // must outlive the construction of every member socket.
                const sc_core::sc_module_name name(context.name.c_str());
                return std::make_unique<Model>(context);
            },
            [] {
                ParamReader reader = ParamReader::describing();
                typename Model::Params params(reader);
                (void)params;
                return reader.specs();
            }});
    }
};

// Reads a model's Params from its context, rejecting unknown keys.
template <class Params>
Params read_params(const ComponentContext& context) {
    ParamReader reader(context.params, context.file, context.where);
    Params params(reader);
    reader.finish();
    return params;
}

}  // namespace cimvp

#define CIMVP_REGISTRY_CONCAT_INNER(a, b) a##b
#define CIMVP_REGISTRY_CONCAT(a, b) CIMVP_REGISTRY_CONCAT_INNER(a, b)
#define CIMVP_REGISTER_MODEL(type_name, Class, summary)                                                 \
    static const ::cimvp::ModelRegistrar<Class> CIMVP_REGISTRY_CONCAT(cimvp_model_registrar_, __LINE__)( \
        type_name, summary)
