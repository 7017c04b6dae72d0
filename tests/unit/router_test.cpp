// The router decodes windows, rebases addresses, charges its hop and port occupancy, and answers
// unmapped or window-crossing accesses with TLM_ADDRESS_ERROR_RESPONSE.
#include <gtest/gtest.h>

#include "models/memory/sram_buffer.h"
#include "platform/router.h"
#include "tests/support/platform_fixture.h"

using namespace cimvp;
using cimvp::testing::build_platform;
using cimvp::testing::run_on_host;

namespace {

const char* kNetlist = R"(
platform: t
clock: 1GHz
modules:
  - {name: host, type: host, params: {clock: 1GHz}}
  - {name: noc, type: router, params: {clock: 1GHz, width: 32B, hop_latency: 1ns, energy_per_byte: 1pJ}}
  - {name: a, type: sram_buffer, params: {size: 4KiB, banks: 4, width: 8B, clock: 1GHz, write_latency: 1ns, dmi: true}}
  - {name: b, type: sram_buffer, params: {size: 4KiB}}
connections:
  - {from: host.mem, to: noc.in}
  - {from: noc.out, to: a.tgt, at: 0x1000}
  - {from: noc.out, to: b.tgt, at: 0x8000}
)";

// The message of the access error the host hit, or "".
std::string access_error(Host& host, uint64_t address, unsigned length) {
    std::vector<uint8_t> data(length);
    try {
        host.read(address, data.data(), length);
    } catch (const SimulationError& error) {
        return error.what();
    }
    return "";
}

}  // namespace

TEST(Router, DecodesEachWindowAndNothingElse) {
    auto platform = build_platform(kNetlist);
    const auto& router = platform->get<Router>("noc", "test");
    EXPECT_EQ(router.decode(0x0fff), -1);
    EXPECT_EQ(router.decode(0x1000), 0);
    EXPECT_EQ(router.decode(0x1fff), 0);
    EXPECT_EQ(router.decode(0x2000), -1);
    EXPECT_EQ(router.decode(0x8000), 1);
    EXPECT_EQ(router.decode(0x8fff), 1);
    EXPECT_EQ(router.decode(0x9000), -1);
}

TEST(Router, RebasesAddressesIntoTheTarget) {
    auto platform = build_platform(kNetlist);
    auto& b = platform->get<SramBuffer>("b", "test");
    run_on_host(*platform, [](Host& host) { host.write64(0x8000 + 16, 0x1122334455667788ULL); });
    uint64_t stored = 0;
    std::memcpy(&stored, b.data() + 16, 8);
    EXPECT_EQ(stored, 0x1122334455667788ULL);
}

TEST(Router, UnmappedAndWindowCrossingAccessesGetAddressErrors) {
    auto platform = build_platform(kNetlist);
    std::string unmapped, crossing, inside;
    run_on_host(*platform, [&](Host& host) {
        unmapped = access_error(host, 0x4000, 8);
        crossing = access_error(host, 0x1ff8, 16);
        inside = access_error(host, 0x1ff8, 8);
    });
    EXPECT_EQ(unmapped, "host: read of 8 bytes at 0x4000 failed: TLM_ADDRESS_ERROR_RESPONSE");
    EXPECT_EQ(crossing, "host: read of 16 bytes at 0x1ff8 failed: TLM_ADDRESS_ERROR_RESPONSE");
    EXPECT_EQ(inside, "");
    EXPECT_EQ(platform->get<Router>("noc", "test").counters().get("decode_errors"), 2u);
}

TEST(Router, ChargesHopLatencyAndPortOccupancy) {
    auto platform = build_platform(kNetlist);
    sc_core::sc_time first_done, second_done;
    run_on_host(*platform, [&](Host& host) {
        std::vector<uint8_t> data(256, 7);
        host.write(0x1000, data.data(), 256);
        first_done = sc_core::sc_time_stamp();
        host.write(0x1000, data.data(), 256);
        second_done = sc_core::sc_time_stamp();
    });
    // Host issue 1 ns + hop 1 ns: the write reaches the port at 2 ns and holds it for
    // 256 B / 32 B per cycle = 8 ns. Buffer `a` serves 32 words over 4 banks in 8 cycles
    // (2 + 8 = 10 ns) plus 1 ns write latency: done at 11 ns, after the port (10 ns).
    EXPECT_EQ(first_done, sc_core::sc_time(11, sc_core::SC_NS));
    EXPECT_EQ(second_done, first_done + sc_core::sc_time(11, sc_core::SC_NS));
    const auto& router = platform->get<Router>("noc", "test");
    EXPECT_EQ(router.counters().get("bytes"), 512u);
    EXPECT_DOUBLE_EQ(router.energy().total_pj(), 512.0);
    EXPECT_EQ(router.busy().busy(), sc_core::sc_time(16, sc_core::SC_NS));
}

TEST(Router, ForwardsDebugTransportWithTranslation) {
    auto platform = build_platform(kNetlist);
    auto& a = platform->get<SramBuffer>("a", "test");
    run_on_host(*platform, [](Host& host) {
        const char text[] = "loader";
        host.load(0x1000 + 100, text, sizeof text);
    });
    EXPECT_STREQ(reinterpret_cast<const char*>(a.data() + 100), "loader");
    EXPECT_EQ(a.counters().get("bytes_written"), 0u);  // debug accesses are not counted
}

TEST(Router, TranslatesDmiRegionsIntoTheInitiatorsAddressSpace) {
    auto platform = build_platform(kNetlist);
    auto& a = platform->get<SramBuffer>("a", "test");
    tlm::tlm_dmi granted, refused;
    bool a_granted = false, b_granted = true;
    run_on_host(*platform, [&](Host& host) {
        tlm::tlm_generic_payload request;
        request.set_command(tlm::TLM_READ_COMMAND);
        request.set_address(0x1010);
        a_granted = host.mem->get_direct_mem_ptr(request, granted);
        request.set_address(0x8010);  // buffer b keeps DMI off
        b_granted = host.mem->get_direct_mem_ptr(request, refused);
    });
    EXPECT_TRUE(a_granted);
    EXPECT_EQ(granted.get_start_address(), 0x1000u);
    EXPECT_EQ(granted.get_end_address(), 0x1fffu);
    EXPECT_EQ(granted.get_dmi_ptr(), a.data());
    // The buffer's 1 ns read latency plus the 1 ns hop the router adds back.
    EXPECT_EQ(granted.get_read_latency(), sc_core::sc_time(1, sc_core::SC_NS) + sc_core::sc_time(1, sc_core::SC_NS));
    EXPECT_FALSE(b_granted);
}
