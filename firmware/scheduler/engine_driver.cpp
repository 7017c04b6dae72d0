#include "firmware/scheduler/engine_driver.h"

#include <stdexcept>

namespace cimvp {

EngineDriverRegistry& EngineDriverRegistry::instance() {
    static EngineDriverRegistry registry;
    return registry;
}

void EngineDriverRegistry::add(const std::string& model_type, Factory factory) {
    if (!factories_.emplace(model_type, std::move(factory)).second) {
        throw std::logic_error("engine driver for '" + model_type + "' registered twice");
    }
}

std::unique_ptr<EngineDriver> EngineDriverRegistry::create(const std::string& model_type) const {
    const auto found = factories_.find(model_type);
    return found == factories_.end() ? nullptr : found->second();
}

}  // namespace cimvp
