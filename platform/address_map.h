// Where each instance sits in the address space, as the netlist's router windows place it. Built
// by the platform while it binds; read by firmware-like models (the scheduler) and host workloads,
// which on silicon would have the address map compiled in.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace cimvp {

class AddressMap {
public:
    struct Window {
        uint64_t base;
        uint64_t size;
        std::string type;  // the instance's model type, so firmware can pick its driver
    };
    // The first window of an instance counts; an instance reachable through two routers keeps the first.
    void add(const std::string& instance, uint64_t base, uint64_t size, const std::string& type) {
        windows_.emplace(instance, Window{base, size, type});
    }
    std::optional<Window> find(const std::string& instance) const {
        const auto found = windows_.find(instance);
        if (found == windows_.end()) return std::nullopt;
        return found->second;
    }
    const std::map<std::string, Window>& all() const { return windows_; }

private:
    std::map<std::string, Window> windows_;
};

}  // namespace cimvp
