// The address-decoding interconnect. Initiators bind to `in`, targets to `out`; each `out`
// binding carries an address window (`at:` and `size:` in the netlist). Transactions are
// forwarded with the window base subtracted, so every target sees addresses from zero.
#pragma once

#include <tlm_utils/multi_passthrough_initiator_socket.h>
#include <tlm_utils/multi_passthrough_target_socket.h>

#include <string>
#include <utility>
#include <vector>

#include "platform/busy_calendar.h"
#include "platform/component.h"
#include "platform/divisor.h"

namespace cimvp {

class Router : public Component {
public:
    struct Params {
        double clock_hz;
        double hop_latency_ns;
        uint64_t width_bytes;  // bytes one port moves per cycle
        double energy_per_byte_pj;
        double area_um2;
        explicit Params(ParamReader& reader);
    };

    explicit Router(const ComponentContext& context);

    tlm_utils::multi_passthrough_target_socket<Router> in;
    tlm_utils::multi_passthrough_initiator_socket<Router> out;

    void map_window(const std::string& socket, uint64_t base, uint64_t size, const std::string& target,
                    const SourceLocation& where) override;
    double area_um2() const override { return params_.area_um2; }

    struct Window {
        uint64_t base;
        uint64_t size;
        std::string target;  // for error messages
        SourceLocation where;
    };
    const std::vector<Window>& windows() const { return windows_; }

    // The output port whose window holds `address`, or -1.
    int decode(uint64_t address) const;

private:
    void b_transport(int port, tlm::tlm_generic_payload& payload, sc_core::sc_time& delay);
    unsigned int transport_dbg(int port, tlm::tlm_generic_payload& payload);
    bool get_direct_mem_ptr(int port, tlm::tlm_generic_payload& payload, tlm::tlm_dmi& dmi);
    void invalidate_direct_mem_ptr(int port, sc_dt::uint64 start, sc_dt::uint64 end);

    // Routes `payload` to its window, rebasing its address; returns the port or -1 after
    // setting TLM_ADDRESS_ERROR_RESPONSE.
    int route(tlm::tlm_generic_payload& payload);

    Params params_;
    sc_core::sc_time cycle_;
    Divisor width_;  // bytes per cycle, for the cycles a transfer occupies its port
    sc_core::sc_time hop_latency_;
    std::vector<Window> windows_;
    std::vector<std::pair<uint64_t, size_t>> ports_by_base_;  // (window base, port), sorted, for decode
    mutable size_t last_port_ = 0;                            // decode's first guess
    std::vector<BusyCalendar> port_calendars_;  // when each output port is taken
    EnergyLedger::Handle transfer_energy_;
    uint64_t& bytes_forwarded_;
    uint64_t& transactions_;
    uint64_t& decode_errors_;
};

}  // namespace cimvp
