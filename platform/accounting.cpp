#include "platform/accounting.h"

namespace cimvp {

EnergyLedger::Handle EnergyLedger::declare(const std::string& kind, double pj_per_event) {
    Event& event = events_[kind];
    event.pj_per_event = pj_per_event;
    return Handle(&event);
}

double EnergyLedger::total_pj() const {
    double total = 0.0;
    for (const auto& [kind, event] : events_) total += event.total_pj();
    return total;
}

double EnergyLedger::total_pj(const std::string& kind) const {
    const auto found = events_.find(kind);
    return found == events_.end() ? 0.0 : found->second.total_pj();
}

}  // namespace cimvp
