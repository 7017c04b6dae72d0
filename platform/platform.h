// A platform built from a netlist: the component instances, their socket bindings and the
// interrupt wires between them. Everything is checked before simulation starts.
#pragma once

#include <systemc>

#include <memory>
#include <string>
#include <vector>

#include "platform/component.h"
#include "platform/netlist.h"

namespace cimvp {

class Platform {
public:
    // Instantiates and binds every module; throws ConfigError naming file:line:col on any problem.
    explicit Platform(const Netlist& netlist);
    Platform(const Platform&) = delete;
    Platform& operator=(const Platform&) = delete;

    const Netlist& netlist() const { return netlist_; }
    const std::vector<std::unique_ptr<Component>>& components() const { return components_; }
    // Where every mapped instance sits, as the router windows place it.
    const AddressMap& address_map() const { return address_map_; }

    // The instance called `name`, or nullptr.
    Component* find(const std::string& name) const;

    // The instance called `name` as model type T; throws naming `who` asked if absent or of another type.
    template <class T>
    T& get(const std::string& name, const std::string& who) const {
        Component* component = find(name);
        T* typed = dynamic_cast<T*>(component);
        if (typed == nullptr) {
            throw ConfigError(SourceLocation{netlist_.file, 0, 0},
                              who + " needs an instance '" + name + "'" +
                                  (component ? " of another type (it is '" + component->type_name() + "')" : ""));
        }
        return *typed;
    }

    double area_um2() const;

private:
    void instantiate(const ModuleDecl& module);
    void connect(const ConnectionDecl& connection);
    // Fails on a required socket left unbound; ties optional interrupt ports to idle wires,
    // because SystemC refuses to simulate with an unbound port.
    void finish_binding();
    Component& instance(const Endpoint& endpoint) const;

    Netlist netlist_;
    AddressMap address_map_;
    std::vector<std::unique_ptr<Component>> components_;
    std::vector<std::unique_ptr<sc_core::sc_signal<bool>>> wires_;
    std::vector<SourceLocation> module_locations_;
};

}  // namespace cimvp
