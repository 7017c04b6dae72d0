#include "platform/router.h"

#include <algorithm>
#include <iterator>

#include "platform/byte_enables.h"
#include "platform/kernel_time.h"
#include "platform/registry.h"

namespace cimvp {

CIMVP_REGISTER_MODEL("router", Router, "address-decoding interconnect with per-hop latency and per-port bandwidth");

Router::Params::Params(ParamReader& reader) {
    clock_hz = reader.frequency_hz("clock", "1GHz", "router clock; sets the per-port bandwidth with `width`");
    hop_latency_ns = reader.time_ns("hop_latency", "1ns", "latency added to every transaction crossing the router");
    width_bytes = reader.bytes("width", "32B", "bytes one output port moves per clock cycle");
    energy_per_byte_pj = reader.energy_pj("energy_per_byte", "0.97pJ", "energy to move one byte across one 1 mm hop");
    area_um2 = reader.area_um2("area", "0um2", "silicon area of the router");
}

Router::Router(const ComponentContext& context)
    : Component(context),
      in("in"),
      out("out"),
      params_(read_params<Params>(context)),
      cycle_(1.0 / params_.clock_hz, sc_core::SC_SEC),
      width_(params_.width_bytes),
      hop_latency_(params_.hop_latency_ns, sc_core::SC_NS),
      transfer_energy_(energy().declare("transfer_byte", params_.energy_per_byte_pj)),
      bytes_forwarded_(counters()["bytes"]),
      transactions_(counters()["transactions"]),
      decode_errors_(counters()["decode_errors"]) {
    in.register_b_transport(this, &Router::b_transport);
    in.register_transport_dbg(this, &Router::transport_dbg);
    in.register_get_direct_mem_ptr(this, &Router::get_direct_mem_ptr);
    out.register_invalidate_direct_mem_ptr(this, &Router::invalidate_direct_mem_ptr);
    expose_target("in", in, /*multi=*/true);
    expose_windowed_initiator("out", out);
}

void Router::map_window(const std::string& socket, uint64_t base, uint64_t size, const std::string& target,
                        const SourceLocation& where) {
    if (socket != "out") Component::map_window(socket, base, size, target, where);
    if (size == 0) throw ConfigError(where, "address window of '" + std::string(name()) + ".out' has zero size");
    if (base + size < base) throw ConfigError(where, "address window wraps around the 64-bit address space");
    for (const Window& other : windows_) {
        const bool overlap = base < other.base + other.size && other.base < base + size;
        if (overlap) {
            char text[160];
            std::snprintf(text, sizeof text, "window [0x%llx, 0x%llx) overlaps [0x%llx, 0x%llx) of '%s' (line %d)",
                          static_cast<unsigned long long>(base), static_cast<unsigned long long>(base + size),
                          static_cast<unsigned long long>(other.base),
                          static_cast<unsigned long long>(other.base + other.size), other.target.c_str(),
                          other.where.line);
            throw ConfigError(where, text);
        }
    }
    windows_.push_back(Window{base, size, target, where});
    ports_by_base_.insert(
        std::upper_bound(ports_by_base_.begin(), ports_by_base_.end(), std::make_pair(base, size_t{0})),
        {base, windows_.size() - 1});
    port_calendars_.emplace_back();
}

int Router::decode(uint64_t address) const {
    const auto holds = [&](size_t port) {
        return address >= windows_[port].base && address - windows_[port].base < windows_[port].size;
    };
    // Windows never overlap, so the port that took the last transaction can be tried first: an
    // engine's accesses come in runs to the same buffer.
    if (last_port_ < windows_.size() && holds(last_port_)) return static_cast<int>(last_port_);
    // Otherwise the window with the highest base at or below the address, if it holds it.
    const auto above = std::upper_bound(ports_by_base_.begin(), ports_by_base_.end(), address,
                                        [](uint64_t a, const std::pair<uint64_t, size_t>& w) { return a < w.first; });
    if (above == ports_by_base_.begin() || !holds(std::prev(above)->second)) return -1;
    last_port_ = std::prev(above)->second;
    return static_cast<int>(last_port_);
}

int Router::route(tlm::tlm_generic_payload& payload) {
    const uint64_t address = payload.get_address();
    const int port = decode(address);
    const Window* window = port < 0 ? nullptr : &windows_[static_cast<size_t>(port)];
    // A transaction that runs past the end of its window would silently touch the next target.
    if (window == nullptr || address - window->base + payload.get_data_length() > window->size) {
        payload.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        ++decode_errors_;
        return -1;
    }
    payload.set_address(address - window->base);
    return port;
}

void Router::b_transport(int, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay) {
    const uint64_t original_address = payload.get_address();
    const int port = route(payload);
    if (port < 0) return;
    // A strided access carries its enabled bytes only.
    const uint64_t length = enabled_bytes(payload);
    // The output port is a shared resource: a transfer waits for a free stretch of the port
    // (platform/busy_calendar.h), and occupies it for whole cycles.
    const uint64_t now = kernel_time().value();
    const uint64_t arrival = now + delay.value() + hop_latency_.value();
    const uint64_t occupancy = cycle_.value() * width_.quotient(length + params_.width_bytes - 1);
    const uint64_t start = port_calendars_[static_cast<size_t>(port)].book(arrival, occupancy, now);
    const uint64_t end = start + occupancy;
    record_busy(start, end, "transfer");
    delay = sc_core::sc_time::from_value(start - now);
    out[port]->b_transport(payload, delay);
    // The transfer is not over before the port has carried every byte (cut-through).
    const uint64_t after = kernel_time().value();
    if (after + delay.value() < end) delay = sc_core::sc_time::from_value(end - after);
    payload.set_address(original_address);
    transfer_energy_.add(length);
    bytes_forwarded_ += length;
    ++transactions_;
}

unsigned int Router::transport_dbg(int, tlm::tlm_generic_payload& payload) {
    const uint64_t original_address = payload.get_address();
    const int port = route(payload);
    if (port < 0) return 0;
    const unsigned int done = out[port]->transport_dbg(payload);
    payload.set_address(original_address);
    return done;
}

bool Router::get_direct_mem_ptr(int, tlm::tlm_generic_payload& payload, tlm::tlm_dmi& dmi) {
    const uint64_t original_address = payload.get_address();
    const int port = route(payload);
    if (port < 0) return false;
    const bool granted = out[port]->get_direct_mem_ptr(payload, dmi);
    payload.set_address(original_address);
    // Translate the granted region back into the initiator's address space, clipped to the window.
    const Window& window = windows_[static_cast<size_t>(port)];
    const uint64_t window_end = window.size - 1;
    const uint64_t local_start = dmi.get_start_address();
    const uint64_t local_end = std::min<uint64_t>(dmi.get_end_address(), window_end);
    if (local_start > local_end) return false;
    dmi.set_start_address(window.base + local_start);
    dmi.set_end_address(window.base + local_end);
    // DMI bypasses the router's latency; add the hop so the initiator's timing stays honest.
    dmi.set_read_latency(dmi.get_read_latency() + hop_latency_);
    dmi.set_write_latency(dmi.get_write_latency() + hop_latency_);
    return granted;
}

void Router::invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end) {
    const Window& window = windows_[static_cast<size_t>(port)];
    const uint64_t global_start = window.base + start;
    const uint64_t global_end = end >= window.size ? window.base + window.size - 1 : window.base + end;
    for (unsigned int initiator = 0; initiator < in.size(); ++initiator) {
        in[initiator]->invalidate_direct_mem_ptr(global_start, global_end);
    }
}

}  // namespace cimvp
