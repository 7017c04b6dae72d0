#include "platform/platform.h"

#include "platform/registry.h"

namespace cimvp {

namespace {

template <class Map>
std::string names_of(const Map& map) {
    std::string list;
    for (const auto& entry : map) list += (list.empty() ? "" : ", ") + entry.first;
    return list.empty() ? "none" : list;
}

}  // namespace

Platform::Platform(const Netlist& netlist) : netlist_(netlist) {
    for (const ModuleDecl& module : netlist_.modules) instantiate(module);
    for (const ConnectionDecl& connection : netlist_.connections) connect(connection);
    finish_binding();
}

Component* Platform::find(const std::string& name) const {
    for (const auto& component : components_) {
        if (component->name() == name) return component.get();
    }
    return nullptr;
}

double Platform::area_um2() const {
    double total = 0.0;
    for (const auto& component : components_) total += component->area_um2();
    return total;
}

void Platform::instantiate(const ModuleDecl& module) {
    const ModelType* model = ModelRegistry::instance().find(module.type);
    if (model == nullptr) {
        throw ConfigError(module.type_where, "unknown model type '" + module.type + "' (known: " +
                                                 names_of(ModelRegistry::instance().all()) + ")");
    }
    ComponentContext context{module.name,  module.type,       module.params, netlist_.file,
                             module.where, netlist_.clock_hz, &address_map_};
    components_.push_back(model->create(context));
    module_locations_.push_back(module.where);
}

Component& Platform::instance(const Endpoint& endpoint) const {
    Component* component = find(endpoint.instance);
    if (component == nullptr) throw ConfigError(endpoint.where, "unknown instance '" + endpoint.instance + "'");
    return *component;
}

void Platform::connect(const ConnectionDecl& connection) {
    Component& from = instance(connection.from);
    Component& to = instance(connection.to);

    // Interrupt wires: an output drives a signal that one or more inputs read.
    auto from_irq = from.irq_ports().find(connection.from.port);
    if (from_irq != from.irq_ports().end()) {
        auto to_irq = to.irq_ports().find(connection.to.port);
        if (from_irq->second.out == nullptr) {
            throw ConfigError(connection.from.where, "'" + connection.from.text() + "' is an interrupt input; 'from' must be an output");
        }
        if (to_irq == to.irq_ports().end() || !to_irq->second.bind_in) {
            throw ConfigError(connection.to.where, "'" + connection.to.text() + "' is not an interrupt input of '" +
                                                       to.name() + "' (interrupt ports: " + names_of(to.irq_ports()) + ")");
        }
        if (to_irq->second.bindings > 0 && !to_irq->second.multi) {
            throw ConfigError(connection.to.where, "socket '" + connection.to.text() + "' is bound twice");
        }
        if (connection.at) throw ConfigError(connection.where, "an interrupt wire has no address window");
        if (from_irq->second.bindings == 0) {
            wires_.push_back(std::make_unique<sc_core::sc_signal<bool>>(
                sc_core::sc_gen_unique_name((connection.from.instance + "_" + connection.from.port).c_str())));
            from_irq->second.out->bind(*wires_.back());
            from_irq->second.wire = wires_.back().get();
        }
        try {
            to_irq->second.bind_in(*from_irq->second.wire, connection.from.instance);
        } catch (const std::invalid_argument& error) {
            throw ConfigError(connection.where, error.what());
        }
        ++from_irq->second.bindings;
        ++to_irq->second.bindings;
        return;
    }

    auto initiator = from.initiator_ports().find(connection.from.port);
    if (initiator == from.initiator_ports().end()) {
        throw ConfigError(connection.from.where, "'" + std::string(from.name()) + "' has no initiator socket '" +
                                                     connection.from.port + "' (initiator sockets: " +
                                                     names_of(from.initiator_ports()) +
                                                     "; interrupt outputs: " + names_of(from.irq_ports()) + ")");
    }
    auto target = to.target_ports().find(connection.to.port);
    if (target == to.target_ports().end()) {
        throw ConfigError(connection.to.where, "'" + std::string(to.name()) + "' has no target socket '" + connection.to.port +
                                                   "' (target sockets: " + names_of(to.target_ports()) + ")");
    }
    if (!initiator->second.multi && initiator->second.bindings > 0) {
        throw ConfigError(connection.from.where, "socket '" + connection.from.text() + "' is bound twice");
    }
    if (!target->second.multi && target->second.bindings > 0) {
        throw ConfigError(connection.to.where, "socket '" + connection.to.text() + "' is bound twice");
    }
    if (connection.at) {
        const uint64_t size = connection.size ? *connection.size : to.address_span();
        if (size == 0) {
            throw ConfigError(connection.where, "'" + std::string(to.name()) + "' has no natural size: give 'size:' for its window");
        }
        from.map_window(connection.from.port, *connection.at, size, to.name(), connection.where);
        address_map_.add(to.name(), *connection.at, size, to.type_name());
    } else if (initiator->second.windowed) {
        throw ConfigError(connection.where,
                          "'" + connection.from.text() + "' needs an address window: add 'at:' (and 'size:')");
    }
    initiator->second.bind(*target->second.socket);
    ++initiator->second.bindings;
    ++target->second.bindings;
}

void Platform::finish_binding() {
    for (size_t index = 0; index < components_.size(); ++index) {
        Component& component = *components_[index];
        auto report = [&](const std::string& port) {
            throw ConfigError(module_locations_[index],
                              "socket '" + std::string(component.name()) + "." + port + "' is not connected");
        };
        for (const auto& [port, info] : component.initiator_ports()) {
            if (info.required && info.bindings == 0) report(port);
        }
        for (const auto& [port, info] : component.target_ports()) {
            if (info.required && info.bindings == 0) report(port);
        }
        for (auto& [port, info] : component.irq_ports()) {
            if (info.bindings > 0 || info.multi) continue;
            if (info.required) report(port);
            wires_.push_back(std::make_unique<sc_core::sc_signal<bool>>(
                sc_core::sc_gen_unique_name((std::string(component.name()) + "_" + port + "_idle").c_str())));
            if (info.out != nullptr) info.out->bind(*wires_.back());
            if (info.bind_in) info.bind_in(*wires_.back(), "");
        }
    }
}

}  // namespace cimvp
