// The base of every hardware model: a SystemC module with typed parameters, named ports for
// netlist binding, counters, energy per event kind, busy time and an area figure.
#pragma once

#include <systemc>
#include <tlm>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "platform/accounting.h"
#include "platform/address_map.h"
#include "platform/error.h"
#include "platform/params.h"
#include "platform/tracer.h"

namespace cimvp {

using TargetSocketBase = tlm::tlm_base_target_socket_b<32, tlm::tlm_fw_transport_if<>, tlm::tlm_bw_transport_if<>>;

// What the netlist says about one instance, handed to the model's constructor.
struct ComponentContext {
    std::string name;
    std::string type;
    YAML::Node params;         // the `params:` map, possibly undefined
    std::string file;          // netlist file, for error locations
    SourceLocation where;      // the module entry in the netlist
    double platform_clock_hz;  // the netlist's `clock:`
    const AddressMap* address_map = nullptr;  // complete once the platform is built
};

class Component : public sc_core::sc_module {
public:
    explicit Component(const ComponentContext& context);
    Component(const Component&) = delete;
    Component& operator=(const Component&) = delete;

    const std::string& type_name() const { return type_; }
    const ComponentContext& context() const { return context_; }

    // --- ports, bound by the netlist builder by name ---------------------------------------
    struct InitiatorPort {
        std::function<void(TargetSocketBase&)> bind;
        bool multi = false;
        bool required = true;
        bool windowed = false;  // every binding carries an address window (router outputs)
        int bindings = 0;
    };
    struct TargetPort {
        TargetSocketBase* socket = nullptr;
        bool multi = false;
        bool required = true;
        int bindings = 0;
    };
    struct IrqPort {
        sc_core::sc_out<bool>* out = nullptr;
        // For an input: binds it to a wire driven by the output of instance `source`.
        std::function<void(sc_core::sc_signal<bool>& wire, const std::string& source)> bind_in;
        bool required = false;
        bool multi = false;  // an input that any number of outputs may drive, each on its own wire
        int bindings = 0;
        sc_core::sc_signal<bool>* wire = nullptr;  // the signal an output drives, once connected
    };
    std::map<std::string, InitiatorPort>& initiator_ports() { return initiators_; }
    std::map<std::string, TargetPort>& target_ports() { return targets_; }
    std::map<std::string, IrqPort>& irq_ports() { return irqs_; }
    const std::map<std::string, InitiatorPort>& initiator_ports() const { return initiators_; }
    const std::map<std::string, TargetPort>& target_ports() const { return targets_; }
    const std::map<std::string, IrqPort>& irq_ports() const { return irqs_; }

    // Bytes of address space this component occupies when mapped behind a router without an
    // explicit `size:`; 0 means the netlist must give one.
    virtual uint64_t address_span() const { return 0; }

    // Called by the builder for each router binding with a window (`at:`), before binding;
    // `target` names the bound instance for error messages.
    virtual void map_window(const std::string& socket, uint64_t base, uint64_t size, const std::string& target,
                            const SourceLocation& where);

    // --- accounting ------------------------------------------------------------------------
    Counters& counters() { return counters_; }
    const Counters& counters() const { return counters_; }
    EnergyLedger& energy() { return energy_; }
    const EnergyLedger& energy() const { return energy_; }
    const BusyTracker& busy() const { return busy_; }

    // Counts [start, end) as busy time (overlap with earlier work is not counted twice). When
    // tracing, each newly busy part also becomes a slice named `what` on this component's timeline
    // and a pulse on its `busy` waveform; returns the first such slice's handle (-1 when there is
    // none).
    int record_busy(const sc_core::sc_time& start, const sc_core::sc_time& end, const char* what,
                    nlohmann::json args);
    // The same without slice arguments: inline, since routers and memories call it per access.
    int record_busy(const sc_core::sc_time& start, const sc_core::sc_time& end, const char* what = "busy") {
        return record_busy(start.value(), end.value(), what);
    }
    // The same in kernel time units (sc_time::value()).
    int record_busy(uint64_t start, uint64_t end, const char* what) {
        if (tracer_ != nullptr) return record_traced_busy(start, end, what, nullptr);
        busy_.add(start, end, [](uint64_t, uint64_t) {});
        return -1;
    }

    // Tracing is attached by the simulation when the scenario asks for it; nullptr when off.
    void attach_tracer(Tracer* tracer);
    Tracer* tracer() const { return tracer_; }
    virtual double area_um2() const { return 0.0; }
    // Bytes through this component's ports: its `bytes`, `bytes_read` and `bytes_written` counters.
    uint64_t bytes_moved() const {
        return counters_.get("bytes") + counters_.get("bytes_read") + counters_.get("bytes_written");
    }

    // Called once when the simulation has ended, to close time-proportional accounting
    // (refresh, leakage) up to `end`.
    virtual void finalize(const sc_core::sc_time& end) {}

    // Model-specific additions to this component's entry in report.json.
    virtual void add_to_report(nlohmann::json& entry) const {}

protected:
    template <class Socket>
    void expose_initiator(const std::string& port, Socket& socket, bool multi = false, bool required = true) {
        initiators_[port] = InitiatorPort{[&socket](TargetSocketBase& target) { socket.bind(target); }, multi,
                                          required, false, 0};
    }
    // A multi-bound initiator whose every binding has an address window, delivered to map_window().
    template <class Socket>
    void expose_windowed_initiator(const std::string& port, Socket& socket) {
        initiators_[port] = InitiatorPort{[&socket](TargetSocketBase& target) { socket.bind(target); }, true,
                                          true, true, 0};
    }
    void expose_target(const std::string& port, TargetSocketBase& socket, bool multi = false, bool required = true) {
        targets_[port] = TargetPort{&socket, multi, required, 0};
    }
    void expose_irq_out(const std::string& port, sc_core::sc_out<bool>& out) {
        IrqPort irq;
        irq.out = &out;
        irqs_[port] = std::move(irq);
    }
    void expose_irq_in(const std::string& port, sc_core::sc_in<bool>& in, bool required = false) {
        IrqPort irq;
        irq.bind_in = [&in](sc_core::sc_signal<bool>& wire, const std::string&) { in.bind(wire); };
        irq.required = required;
        irqs_[port] = std::move(irq);
    }
    // An input for several interrupt lines, optional; `bind` learns which instance drives each one.
    void expose_irq_inputs(const std::string& port,
                           std::function<void(sc_core::sc_signal<bool>& wire, const std::string& source)> bind) {
        IrqPort irq;
        irq.bind_in = std::move(bind);
        irq.multi = true;
        irqs_[port] = std::move(irq);
    }

private:
    // record_busy while tracing: each newly busy part becomes a slice and a waveform pulse, the
    // first one carrying `args`.
    int record_traced_busy(uint64_t start, uint64_t end, const char* what, nlohmann::json args);

    ComponentContext context_;
    std::string type_;
    std::map<std::string, InitiatorPort> initiators_;
    std::map<std::string, TargetPort> targets_;
    std::map<std::string, IrqPort> irqs_;
    Counters counters_;
    EnergyLedger energy_;
    BusyTracker busy_;
    Tracer* tracer_ = nullptr;
    int busy_track_ = -1;
    Tracer::SignalHandle busy_signal_{name(), "busy", 1};
};

}  // namespace cimvp
