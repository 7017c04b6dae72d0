#include "platform/workload.h"

#include <stdexcept>

namespace cimvp {

WorkloadRegistry& WorkloadRegistry::instance() {
    static WorkloadRegistry registry;
    return registry;
}

void WorkloadRegistry::add(WorkloadType type) {
    const std::string name = type.type;
    if (!types_.emplace(name, std::move(type)).second) {
        throw std::logic_error("workload type '" + name + "' registered twice");
    }
}

const WorkloadType* WorkloadRegistry::find(const std::string& type) const {
    const auto found = types_.find(type);
    return found == types_.end() ? nullptr : &found->second;
}

}  // namespace cimvp
