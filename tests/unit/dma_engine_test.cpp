// The DMA engine copies 1-D and 2-D strided blocks described in memory, raises its interrupt at
// the end of the chain, and reports a bad address through its status and error registers.
#include <gtest/gtest.h>

#include "models/memory/dma_engine.h"
#include "models/memory/sram_buffer.h"
#include "tests/support/platform_fixture.h"

using namespace cimvp;
using cimvp::testing::build_platform;
using cimvp::testing::run_on_host;

namespace {

const char* kNetlist = R"(
platform: t
modules:
  - {name: host, type: host}
  - {name: noc, type: router}
  - {name: dma, type: dma_engine, params: {burst: 64B}}
  - {name: src, type: sram_buffer, params: {size: 64KiB}}
  - {name: dst, type: sram_buffer, params: {size: 64KiB}}
connections:
  - {from: host.mem, to: noc.in}
  - {from: dma.mem, to: noc.in}
  - {from: noc.out, to: dma.cfg, at: 0x100}
  - {from: noc.out, to: src.tgt, at: 0x10000}
  - {from: noc.out, to: dst.tgt, at: 0x20000}
  - {from: dma.irq, to: host.irq}
)";

constexpr uint64_t kDma = 0x100, kSrc = 0x10000, kDst = 0x20000;

uint64_t run_chain(Host& host, const std::vector<DmaDescriptor>& chain, uint64_t at) {
    std::vector<DmaDescriptor> linked = chain;
    for (size_t i = 0; i + 1 < linked.size(); ++i) linked[i].next = at + (i + 1) * sizeof(DmaDescriptor);
    host.load(at, linked.data(), linked.size() * sizeof(DmaDescriptor));
    host.write64(kDma + dma_reg::kDescriptor, at);
    host.write64(kDma + dma_reg::kControl, 1);
    host.wait_for_interrupt();
    const uint64_t status = host.read64(kDma + dma_reg::kStatus);
    host.write64(kDma + dma_reg::kStatus, status);  // acknowledge
    return status;
}

}  // namespace

TEST(DmaEngine, CopiesATwoDimensionalStridedBlock) {
    auto platform = build_platform(kNetlist);
    auto& src = platform->get<SramBuffer>("src", "test");
    auto& dst = platform->get<SramBuffer>("dst", "test");
    for (int i = 0; i < 8192; ++i) src.data()[i] = static_cast<uint8_t>(i * 7 + 3);
    uint64_t status = 0, completed = 0;
    bool irq_after_ack = true;
    run_on_host(*platform, [&](Host& host) {
        // 5 rows of 100 bytes, read every 256 bytes, written every 128 bytes.
        status = run_chain(host, {{kSrc + 10, kDst + 4, 100, 5, 256, 128, 0, 0}}, kSrc + 0x8000);
        completed = host.read64(kDma + dma_reg::kCompleted);
        sc_core::wait(sc_core::SC_ZERO_TIME);
        irq_after_ack = host.irq.read();
    });
    EXPECT_EQ(status, dma_reg::kStatusDone);
    EXPECT_EQ(completed, 1u);
    EXPECT_FALSE(irq_after_ack);
    for (int row = 0; row < 5; ++row) {
        for (int column = 0; column < 100; ++column) {
            ASSERT_EQ(dst.data()[4 + row * 128 + column], src.data()[10 + row * 256 + column])
                << "row " << row << " column " << column;
        }
        // The gaps between destination rows are untouched.
        EXPECT_EQ(dst.data()[4 + row * 128 + 100], 0);
    }
    EXPECT_EQ(platform->get<DmaEngine>("dma", "test").counters().get("bytes_copied"), 500u);
    // 100-byte rows in 64-byte bursts: 2 reads + 2 writes per row, plus the descriptor fetch.
    EXPECT_EQ(platform->get<DmaEngine>("dma", "test").counters().get("transactions"), 5u * 4u + 1u);
}

TEST(DmaEngine, FollowsAChainOfDescriptors) {
    auto platform = build_platform(kNetlist);
    auto& src = platform->get<SramBuffer>("src", "test");
    auto& dst = platform->get<SramBuffer>("dst", "test");
    for (int i = 0; i < 4096; ++i) src.data()[i] = static_cast<uint8_t>(i);
    uint64_t status = 0;
    run_on_host(*platform, [&](Host& host) {
        status = run_chain(host, {{kSrc, kDst + 1000, 300, 1, 0, 0, 0, 0}, {kSrc + 300, kDst, 200, 1, 0, 0, 0, 0}},
                           kSrc + 0x8000);
    });
    EXPECT_EQ(status, dma_reg::kStatusDone);
    EXPECT_EQ(0, std::memcmp(dst.data() + 1000, src.data(), 300));
    EXPECT_EQ(0, std::memcmp(dst.data(), src.data() + 300, 200));
}

TEST(DmaEngine, ReportsAnUnmappedAddressThroughStatusAndErrorRegister) {
    auto platform = build_platform(kNetlist);
    uint64_t status = 0, error_address = 0;
    run_on_host(*platform, [&](Host& host) {
        status = run_chain(host, {{0x70000, kDst, 64, 1, 0, 0, 0, 0}}, kSrc + 0x8000);
        error_address = host.read64(kDma + dma_reg::kErrorAddress);
    });
    EXPECT_EQ(status, dma_reg::kStatusError);
    EXPECT_EQ(error_address, 0x70000u);
}

TEST(DmaEngine, RejectsAMalformedDescriptor) {
    auto platform = build_platform(kNetlist);
    uint64_t status = 0, error_address = 0;
    run_on_host(*platform, [&](Host& host) {
        status = run_chain(host, {{kSrc, kDst, 64, 1, 0, 0, 0, /*flags=*/3}}, kSrc + 0x8000);
        error_address = host.read64(kDma + dma_reg::kErrorAddress);
    });
    EXPECT_EQ(status, dma_reg::kStatusError);
    EXPECT_EQ(error_address, kSrc + 0x8000);
}
