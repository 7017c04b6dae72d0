#include "platform/registry.h"

#include <stdexcept>

namespace cimvp {

ModelRegistry& ModelRegistry::instance() {
    static ModelRegistry registry;
    return registry;
}

void ModelRegistry::add(ModelType model) {
    const std::string type = model.type;
    if (!models_.emplace(type, std::move(model)).second) {
        throw std::logic_error("model type '" + type + "' registered twice");
    }
}

const ModelType* ModelRegistry::find(const std::string& type) const {
    const auto found = models_.find(type);
    return found == models_.end() ? nullptr : &found->second;
}

}  // namespace cimvp
