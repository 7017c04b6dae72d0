// The DMA engine copies 1-D and 2-D strided blocks described in memory, raises its interrupt when
// its queue drains, and reports a bad address or a malformed descriptor through its registers.
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

constexpr uint64_t kDma = 0x100, kSrc = 0x10000, kDst = 0x20000, kDescriptors = kSrc + 0x8000;

struct Result {
    uint64_t status, error_code, error_address;
};

// Places the descriptors, rings the doorbell for all of them, waits for the interrupt, reads the
// status and error registers, and acknowledges (which clears the error registers).
Result run_copies(Host& host, const std::vector<DmaDescriptor>& copies) {
    host.load(kDescriptors, copies.data(), copies.size() * sizeof(DmaDescriptor));
    host.write64(kDma + engine_reg::kCommandAddress, kDescriptors);
    host.write64(kDma + engine_reg::kDoorbell, copies.size());
    host.wait_for_interrupt();
    const Result result{host.read64(kDma + engine_reg::kStatus), host.read64(kDma + engine_reg::kErrorCode),
                        host.read64(kDma + engine_reg::kErrorAddress)};
    host.write64(kDma + engine_reg::kStatus, result.status);
    return result;
}

DmaDescriptor copy(uint64_t src, uint64_t dst, uint64_t row_bytes, uint64_t rows = 1, uint64_t src_stride = 0,
                   uint64_t dst_stride = 0) {
    return {src, dst, row_bytes, rows, src_stride, dst_stride, {0, 0}};
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
        status = run_copies(host, {copy(kSrc + 10, kDst + 4, 100, 5, 256, 128)}).status;
        completed = host.read64(kDma + engine_reg::kCompleted);
        host.wait_for_interrupt_clear();
        irq_after_ack = host.irq.read();
    });
    EXPECT_EQ(status, engine_reg::kStatusDone);
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
    const auto& dma = platform->get<DmaEngine>("dma", "test");
    EXPECT_EQ(dma.counters().get("bytes_copied"), 500u);
    // 100-byte rows in 64-byte bursts: 2 reads + 2 writes per row, plus the descriptor fetch.
    EXPECT_EQ(dma.counters().get("transactions"), 5u * 4u + 1u);
    EXPECT_DOUBLE_EQ(dma.energy().total_pj("copy_byte"), 500 * 2.5);
}

TEST(DmaEngine, ShortRowsAreGatheredAndScatteredABurstAtATime) {
    auto platform = build_platform(kNetlist);
    auto& src = platform->get<SramBuffer>("src", "test");
    auto& dst = platform->get<SramBuffer>("dst", "test");
    for (int i = 0; i < 1024; ++i) src.data()[i] = static_cast<uint8_t>(i * 5 + 1);
    uint64_t status = 0;
    run_on_host(*platform, [&](Host& host) {
        // 10 rows of 16 bytes, read every 40 bytes, written every 24: a 64-byte burst holds 4 rows.
        status = run_copies(host, {copy(kSrc, kDst, 16, 10, 40, 24)}).status;
    });
    EXPECT_EQ(status, engine_reg::kStatusDone);
    for (int row = 0; row < 10; ++row) {
        for (int column = 0; column < 16; ++column) {
            ASSERT_EQ(dst.data()[row * 24 + column], src.data()[row * 40 + column]) << "row " << row;
        }
        for (int gap = 16; gap < 24; ++gap) EXPECT_EQ(dst.data()[row * 24 + gap], 0) << "after row " << row;
    }
    const auto& dma = platform->get<DmaEngine>("dma", "test");
    // Steps of 4, 4 and 2 rows: one strided read and one strided write each, plus the descriptor.
    EXPECT_EQ(dma.counters().get("transactions"), 3u * 2u + 1u);
    EXPECT_EQ(dma.counters().get("bytes_read"), 160u);
    EXPECT_EQ(dma.counters().get("bytes_written"), 160u);
    EXPECT_EQ(dma.counters().get("bytes_copied"), 160u);
}

TEST(DmaEngine, RunsQueuedCopiesInOrder) {
    auto platform = build_platform(kNetlist);
    auto& src = platform->get<SramBuffer>("src", "test");
    auto& dst = platform->get<SramBuffer>("dst", "test");
    for (int i = 0; i < 4096; ++i) src.data()[i] = static_cast<uint8_t>(i);
    uint64_t status = 0;
    run_on_host(*platform, [&](Host& host) {
        // The second copy overwrites part of the first: order matters.
        status = run_copies(host, {copy(kSrc, kDst, 300), copy(kSrc + 1000, kDst + 100, 200)}).status;
    });
    EXPECT_EQ(status, engine_reg::kStatusDone);
    EXPECT_EQ(0, std::memcmp(dst.data(), src.data(), 100));
    EXPECT_EQ(0, std::memcmp(dst.data() + 100, src.data() + 1000, 200));
}

TEST(DmaEngine, ReportsAnUnmappedAddressThroughStatusAndErrorRegisters) {
    auto platform = build_platform(kNetlist);
    Result result{};
    run_on_host(*platform, [&](Host& host) { result = run_copies(host, {copy(0x70000, kDst, 64)}); });
    EXPECT_EQ(result.status, engine_reg::kStatusError);
    EXPECT_EQ(result.error_code, engine_error::kBusError);
    EXPECT_EQ(result.error_address, 0x70000u);
}

TEST(DmaEngine, RejectsAMalformedDescriptorAtItsField) {
    auto platform = build_platform(kNetlist);
    Result result{};
    run_on_host(*platform, [&](Host& host) {
        DmaDescriptor bad = copy(kSrc, kDst, 64);
        bad.reserved[0] = 3;
        result = run_copies(host, {bad});
    });
    EXPECT_EQ(result.status, engine_reg::kStatusError);
    EXPECT_EQ(result.error_code, engine_error::kBadDescriptor);
    EXPECT_EQ(result.error_address, kDescriptors + offsetof(DmaDescriptor, reserved));
}
