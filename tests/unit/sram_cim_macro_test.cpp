// The SRAM CIM macro: values against a naive integer reference, the two fidelity levels against
// each other, counters against closed-form formulas, MARS block skipping, ADC clipping, weight-write
// cost, bit-packed and compressed weight reads, binary (+-1) weights and their energy, and error
// reporting, driven through a netlist like firmware would.
#include "models/cim/sram_cim_macro.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <stdexcept>

#include "models/cim/sparse_tile.h"
#include "models/memory/sram_buffer.h"
#include "tests/support/engine_commands.h"
#include "tests/support/macro_fixture.h"
#include "tests/support/platform_fixture.h"

using namespace cimvp;
using namespace cimvp::testing;

namespace {

// A random matrix of `count` values in the range of `bits`-bit integers.
std::vector<int32_t> random_values(std::mt19937& random, size_t count, int bits, bool is_signed) {
    const int low = is_signed ? -(1 << (bits - 1)) : 0;
    const int high = is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
    std::uniform_int_distribution<int> pick(low, high);
    std::vector<int32_t> values(count);
    for (auto& value : values) value = pick(random);
    return values;
}

// Weights: as random_values, but +-1 at 1 bit, where weights are binary.
std::vector<int32_t> random_weights(std::mt19937& random, size_t count, int bits, bool is_signed) {
    if (bits != 1) return random_values(random, count, bits, is_signed);
    std::bernoulli_distribution plus(0.5);
    std::vector<int32_t> values(count);
    for (auto& value : values) value = plus(random) ? 1 : -1;
    return values;
}

// y[v][c] = sum_r x[v][r] * w[r][c], in 64 bits.
std::vector<int64_t> reference(const std::vector<int32_t>& x, const std::vector<int32_t>& w, int vectors, int rows,
                               int channels) {
    std::vector<int64_t> y(static_cast<size_t>(vectors) * channels, 0);
    for (int v = 0; v < vectors; ++v) {
        for (int c = 0; c < channels; ++c) {
            for (int r = 0; r < rows; ++r) y[v * channels + c] += int64_t{x[v * rows + r]} * w[r * channels + c];
        }
    }
    return y;
}

std::vector<uint8_t> as_bytes(const std::vector<int32_t>& values) {
    std::vector<uint8_t> bytes(values.size());
    for (size_t i = 0; i < values.size(); ++i) bytes[i] = static_cast<uint8_t>(values[i]);
    return bytes;
}

std::vector<int32_t> read_outputs(SramBuffer& buffer, uint64_t address, size_t count) {
    std::vector<int32_t> values(count);
    std::memcpy(values.data(), buffer.data() + (address - kBuffer), count * 4);
    return values;
}

}  // namespace

// --- the array on its own: fast vs detailed vs reference ------------------------------------

struct ArrayCase {
    int bits_per_cell, max_active_wl, partitions, rows, channels, row_offset, column_offset;
    int input_bits, weight_bits;
    bool signed_inputs, signed_weights;
};

TEST(CimArray, FastAndDetailedAgreeWithTheReferenceOnValuesAndEveryCounter) {
    const ArrayCase cases[] = {
        {1, 16, 1, 128, 16, 0, 0, 8, 8, true, true},
        {1, 8, 2, 72, 10, 8, 4, 8, 8, false, true},
        {1, 32, 4, 100, 7, 3, 9, 5, 4, true, false},
        {2, 16, 1, 128, 24, 0, 0, 8, 8, true, true},
        {2, 4, 8, 37, 20, 50, 3, 3, 7, false, false},
        {4, 64, 2, 128, 12, 0, 17, 8, 12, true, true},
        {1, 1, 1, 9, 3, 119, 100, 1, 1, true, true},
        {3, 128, 1, 128, 9, 0, 0, 7, 16, false, true},
        // Binary (+-1) weights, aligned and not, with signed and unsigned inputs.
        {1, 16, 2, 128, 40, 0, 8, 8, 1, true, true},
        {2, 8, 1, 50, 30, 5, 3, 4, 1, false, true},
        {4, 16, 1, 64, 128, 64, 0, 8, 1, false, false},
    };
    std::mt19937 random(7);
    for (const ArrayCase& t : cases) {
        SCOPED_TRACE("bits_per_cell " + std::to_string(t.bits_per_cell) + " wl " + std::to_string(t.max_active_wl) +
                     " rows " + std::to_string(t.rows));
        CimGeometry geometry;
        geometry.bits_per_cell = t.bits_per_cell;
        geometry.max_active_wl = t.max_active_wl;
        geometry.partitions = t.partitions;
        CimArray array(geometry);
        ASSERT_LE(t.column_offset + t.channels * array.weight_columns(t.weight_bits, t.signed_weights), 128);
        ASSERT_LE(t.row_offset + t.rows, 128);
        const int vectors = 5;
        const auto w =
            random_weights(random, static_cast<size_t>(t.rows) * t.channels, t.weight_bits, t.signed_weights);
        const auto x = random_values(random, static_cast<size_t>(vectors) * t.rows, t.input_bits, t.signed_inputs);
        array.write_weights(t.row_offset, t.column_offset, t.rows, t.channels, t.weight_bits, t.signed_weights,
                            w.data(), nullptr);
        MvmShape shape{t.row_offset, t.rows,        t.column_offset, t.channels,
                       t.input_bits, t.weight_bits, t.signed_inputs, t.signed_weights};
        const auto inputs = as_bytes(x);
        std::vector<int64_t> fast(static_cast<size_t>(vectors) * t.channels, 0), detailed(fast);
        const MvmCounts fast_counts =
            array.run_fast(shape, vectors, inputs.data(), fast.data());
        const MvmCounts detailed_counts = array.run_detailed(shape, vectors, inputs.data(), detailed.data());
        EXPECT_EQ(fast, reference(x, w, vectors, t.rows, t.channels));
        EXPECT_EQ(detailed, fast);
        EXPECT_TRUE(fast_counts == detailed_counts);
        EXPECT_EQ(fast_counts.adc_conversions, detailed_counts.adc_conversions);
        EXPECT_EQ(fast_counts.compute_cycles, detailed_counts.compute_cycles);
        EXPECT_EQ(fast_counts.macs, uint64_t(vectors) * t.rows * t.channels);
    }
}

TEST(CimArray, CountsFollowTheClosedForm) {
    // 128 x 128 array, 16 word lines per group, 8 columns per ADC, 1 bit per cell, 2 partitions.
    // An aligned tile of R = 96 rows and C = 12 signed 8-bit channels (8 columns each) over P = 10
    // vectors of 6-bit inputs:
    //   groups G = R / 16 = 6; columns used = 8 C = 96 in 12 column groups of 8;
    //   bitserial_cycles    = P x input_bits x G
    //   adc_conversions     = P x input_bits x G x 8C
    //   cell_operations     = P x input_bits x R x 8C
    //   compute_cycles      = P x input_bits x 4 x columns_per_adc: the ADCs serve their 8 columns in turn,
    //                         and partition 0 (groups 0..3) has 4 activations against partition 1's 2 (groups 4, 5)
    CimGeometry geometry;
    geometry.partitions = 2;
    CimArray array(geometry);
    const int P = 10, bits = 6, R = 96, C = 12, G = 6;
    const MvmCounts counts = array.count(MvmShape{0, R, 0, C, bits, 8, true, true}, P);
    EXPECT_EQ(counts.bitserial_cycles, uint64_t(P) * bits * G);
    EXPECT_EQ(counts.adc_conversions, uint64_t(P) * bits * G * 8 * C);
    EXPECT_EQ(counts.cell_operations, uint64_t(P) * bits * R * 8 * C);
    EXPECT_EQ(counts.compute_cycles, uint64_t(P) * bits * 4 * 8);
    EXPECT_EQ(counts.macs, uint64_t(P) * R * C);
    EXPECT_EQ(counts.skipped_groups, 0u);

    // A tile that starts mid-group touches one more group: rows 8..103 span groups 0..6.
    const MvmCounts shifted = array.count(MvmShape{8, R, 0, C, bits, 8, true, true}, P);
    EXPECT_EQ(shifted.bitserial_cycles, uint64_t(P) * bits * (G + 1));
    EXPECT_EQ(shifted.adc_conversions, uint64_t(P) * bits * (G + 1) * 8 * C);
    // Partition 0 still has 4 activations (groups 0..3), partition 1 now 3 (groups 4..6).
    EXPECT_EQ(shifted.compute_cycles, uint64_t(P) * bits * 4 * 8);
    // A tile in partition 1 only runs alongside nothing: its 2 groups set the pace.
    EXPECT_EQ(array.count(MvmShape{64, 32, 0, C, bits, 8, true, true}, P).compute_cycles, uint64_t(P) * bits * 2 * 8);
}

TEST(CimArray, SkipsMaskedBlocksInBothModesAndStoresThemAsZeros) {
    CimGeometry geometry;  // 128 x 128, groups of 16 rows, column groups of 8
    CimArray array(geometry);
    const int R = 64, C = 4, P = 3, bits = 8;  // 4 groups x 4 column groups (one 8-bit channel each)
    std::mt19937 random(11);
    auto w = random_values(random, R * C, 8, true);
    const auto x = random_values(random, P * R, bits, false);
    // Keep blocks on the diagonal and (0, 3); skip the other 11 of 16.
    std::vector<uint8_t> mask(16, 0);
    for (int g = 0; g < 4; ++g) mask[g * 4 + g] = 1;
    mask[0 * 4 + 3] = 1;
    const int rows_written = array.write_weights(0, 0, R, C, 8, true, w.data(), mask.data());
    EXPECT_EQ(rows_written, R);  // every group keeps at least one block
    for (int r = 0; r < R; ++r) {
        for (int c = 0; c < C; ++c) {
            if (mask[(r / 16) * 4 + c] == 0) w[r * C + c] = 0;  // what the mask declares
        }
    }
    const MvmShape shape{0, R, 0, C, bits, 8, false, true};
    const auto inputs = as_bytes(x);
    std::vector<int64_t> fast(P * C, 0), detailed(P * C, 0);
    const MvmCounts fast_counts = array.run_fast(shape, P, inputs.data(), fast.data());
    const MvmCounts detailed_counts = array.run_detailed(shape, P, inputs.data(), detailed.data());
    EXPECT_EQ(fast, reference(x, w, P, R, C));
    EXPECT_EQ(detailed, fast);
    EXPECT_TRUE(fast_counts == detailed_counts);
    // Skipped: 11 blocks of 8 columns, each per vector and input bit.
    EXPECT_EQ(fast_counts.skipped_groups, uint64_t(P) * bits * 11);
    EXPECT_EQ(fast_counts.skipped_conversions, uint64_t(P) * bits * 11 * 8);
    EXPECT_EQ(fast_counts.adc_conversions, uint64_t(P) * bits * 5 * 8);
    EXPECT_EQ(fast_counts.bitserial_cycles, uint64_t(P) * bits * 4);
    EXPECT_EQ(fast_counts.macs, uint64_t(P) * 16 * 5);  // 5 kept blocks of 16 rows x 1 channel
}

// --- the macro in a platform ------------------------------------------------------------------

TEST(SramCimMacro, ConvLikeBatchWithStridesAndAccumulationMatchesTheReference) {
    auto platform = build_platform(macro_netlist("fidelity: detailed"));
    auto& buffer = platform->get<SramBuffer>("buf", "test");
    auto& macro = platform->get<SramCimMacro>("macro", "test");
    std::mt19937 random(3);
    const int R = 100, C = 16, P = 50, input_stride = 128, output_stride = 80;
    const auto w = random_values(random, R * C, 8, true);
    const auto x = random_values(random, P * R, 8, true);
    std::memcpy(buffer.data() + (kWeights - kBuffer), as_bytes(w).data(), w.size());
    const auto xb = as_bytes(x);
    for (int v = 0; v < P; ++v) std::memcpy(buffer.data() + (kInputs - kBuffer) + v * input_stride, &xb[v * R], R);
    // Partial sums already in memory, to be accumulated onto.
    std::vector<int32_t> partial(P * C);
    for (int v = 0; v < P; ++v) {
        for (int c = 0; c < C; ++c) {
            partial[v * C + c] = v * 1000 - c * 77;
            std::memcpy(buffer.data() + (kOutputs - kBuffer) + v * output_stride + c * 4, &partial[v * C + c], 4);
        }
    }
    CimMvmCommand multiply =
        mvm(P, R, C, 8, 8, cim_flag::kSignedInputs | cim_flag::kSignedWeights | cim_flag::kAccumulate, 0, 0);
    multiply.input_stride = input_stride;
    multiply.output_stride = output_stride;
    uint64_t status = 0, completed = 0;
    run_on_host(*platform, [&](Host& host) {
        status = run_macro_commands(host, {descriptor_of(weight_write(R, C, 8, true)), descriptor_of(multiply)}).status;
        completed = host.read64(kMacro + engine_reg::kCompleted);
    });
    EXPECT_EQ(status, engine_reg::kStatusDone);
    EXPECT_EQ(completed, 2u);
    const auto y = reference(x, w, P, R, C);
    for (int v = 0; v < P; ++v) {
        const auto row = read_outputs(buffer, kOutputs + v * output_stride, C);
        for (int c = 0; c < C; ++c) ASSERT_EQ(row[c], y[v * C + c] + partial[v * C + c]) << v << "," << c;
    }
    // Closed form, 16-row groups: G = ceil(100 / 16) = 7, 8 columns per channel.
    const auto& counters = macro.counters();
    EXPECT_EQ(counters.get("bitserial_cycles"), uint64_t(P) * 8 * 7);
    EXPECT_EQ(counters.get("adc_conversions"), uint64_t(P) * 8 * 7 * 8 * C);
    EXPECT_EQ(counters.get("macs"), uint64_t(P) * R * C);
    EXPECT_EQ(counters.get("weight_rows_written"), uint64_t(R));
    EXPECT_EQ(counters.get("bytes_read"), uint64_t(R * C + P * R + P * C * 4));
    EXPECT_EQ(counters.get("bytes_written"), uint64_t(P * C * 4));
    EXPECT_DOUBLE_EQ(macro.energy().total_pj("adc_conversion"), 0.99 * P * 8 * 7 * 8 * C);
}

TEST(SramCimMacro, FastModeGivesTheSameOutputsAndCountersAsTheReference) {
    auto platform = build_platform(macro_netlist("fidelity: fast, max_active_wl: 32, bits_per_cell: 2"));
    auto& buffer = platform->get<SramBuffer>("buf", "test");
    auto& macro = platform->get<SramCimMacro>("macro", "test");
    std::mt19937 random(5);
    const int R = 128, C = 25, P = 200;  // unsigned 4-bit weights take 2 columns: 50 columns
    const auto w = random_values(random, R * C, 4, false);
    const auto x = random_values(random, P * R, 8, false);
    const auto packed = encode_weights(w, 4);
    std::memcpy(buffer.data() + (kWeights - kBuffer), packed.data(), packed.size());
    std::memcpy(buffer.data() + (kInputs - kBuffer), as_bytes(x).data(), x.size());
    uint64_t status = 0;
    run_on_host(*platform, [&](Host& host) {
        status = run_macro_commands(host, {descriptor_of(weight_write(R, C, 4, false, 0, 6)),
                                           descriptor_of(mvm(P, R, C, 8, 4, 0, 0, 6))})
                     .status;
    });
    EXPECT_EQ(status, engine_reg::kStatusDone);
    const auto y = reference(x, w, P, R, C);
    const auto out = read_outputs(buffer, kOutputs, P * C);
    for (int i = 0; i < P * C; ++i) ASSERT_EQ(out[i], y[i]) << i;
    // Columns 6..55 touch column groups 0..6 with 2, 8, 8, 8, 8, 8, 8 columns: 7 rounds of 8 per group.
    EXPECT_EQ(macro.counters().get("adc_conversions"), uint64_t(P) * 8 * (R / 32) * 50);
    EXPECT_EQ(macro.counters().get("compute_cycles"), uint64_t(P) * 8 * (R / 32) * 8);
}

TEST(SramCimMacro, MaskedWeightWriteSkipsBlocksAndCountsTheSkippedWork) {
    auto platform = build_platform(macro_netlist("fidelity: detailed"));
    auto& buffer = platform->get<SramBuffer>("buf", "test");
    auto& macro = platform->get<SramCimMacro>("macro", "test");
    std::mt19937 random(9);
    const int R = 32, C = 2, P = 4;  // 2 groups x 2 column groups
    auto w = random_values(random, R * C, 8, true);
    const auto x = random_values(random, P * R, 8, true);
    const std::vector<uint8_t> mask = {1, 0, 0, 0};  // keep (group 0, channel 0) only
    const SparseTileLayout layout(R, C, 8, 8, 16, 8);
    const auto packed = layout.pack(w, mask);
    ASSERT_EQ(packed.size(), 16u);  // rows 0..15 of channel 0
    std::memcpy(buffer.data() + (kWeights - kBuffer), packed.data(), packed.size());
    std::memcpy(buffer.data() + (kMask - kBuffer), mask.data(), mask.size());
    std::memcpy(buffer.data() + (kInputs - kBuffer), as_bytes(x).data(), x.size());
    CimWeightWriteCommand write = weight_write(R, C, 8, true);
    write.mask_address = kMask;
    uint64_t write_bytes = 0;
    run_on_host(*platform, [&](Host& host) {
        run_macro_commands(host, {descriptor_of(write)});
        write_bytes = macro.counters().get("bytes_read");
        run_macro_commands(host,
                           {descriptor_of(mvm(P, R, C, 8, 8, cim_flag::kSignedInputs | cim_flag::kSignedWeights))});
    });
    EXPECT_EQ(write_bytes, mask.size() + packed.size());
    for (int r = 0; r < R; ++r) {
        for (int c = 0; c < C; ++c) {
            if (!(r < 16 && c == 0)) w[r * C + c] = 0;
        }
    }
    const auto y = reference(x, w, P, R, C);
    const auto out = read_outputs(buffer, kOutputs, P * C);
    for (int i = 0; i < P * C; ++i) EXPECT_EQ(out[i], y[i]) << i;
    const auto& counters = macro.counters();
    EXPECT_EQ(counters.get("weight_rows_written"), 16u);  // group 1 is entirely skipped
    EXPECT_EQ(counters.get("skipped_groups"), uint64_t(P) * 8 * 3);
    EXPECT_EQ(counters.get("skipped_conversions"), uint64_t(P) * 8 * 3 * 8);
    EXPECT_EQ(counters.get("adc_conversions"), uint64_t(P) * 8 * 1 * 8);
    EXPECT_EQ(counters.get("bitserial_cycles"), uint64_t(P) * 8 * 1);
    nlohmann::json entry;
    macro.add_to_report(entry);
    EXPECT_DOUBLE_EQ(entry["skipped_conversion_fraction"].get<double>(), 3.0 / 4.0);
    EXPECT_EQ(entry["fidelity"], "detailed");
    EXPECT_EQ(entry["array"]["max_active_wl"], 16);
}

TEST(SramCimMacro, HalfPrunedTileReadsOnlyTheMaskAndTheKeptWeights) {
    // Signed 4-bit weights on 1-bit cells take 4 columns, so a column group of 8 holds 2 channels.
    // R = 64 rows (G = 4 groups) x C = 16 channels (Q = 8 column groups); blocks with g + q even
    // are kept: 16 of the 32. P vectors of b = 8-bit inputs, fast mode.
    auto platform = build_platform(macro_netlist("fidelity: fast"));
    auto& buffer = platform->get<SramBuffer>("buf", "test");
    auto& macro = platform->get<SramCimMacro>("macro", "test");
    const int R = 64, C = 16, P = 30, G = 4, Q = 8, kept = 16, pruned = 16, b = 8;
    std::mt19937 random(31);
    auto w = random_values(random, R * C, 4, true);
    const auto x = random_values(random, P * R, b, true);
    std::vector<uint8_t> mask(G * Q);
    for (int g = 0; g < G; ++g) {
        for (int q = 0; q < Q; ++q) mask[g * Q + q] = (g + q) % 2 == 0 ? 1 : 0;
    }
    const SparseTileLayout layout(R, C, 4, 4, 16, 8);
    const auto packed = layout.pack(w, mask);
    // Each kept block is 16 rows x 2 channels of 4 bits: half the dense R x C x 4 / 8 bytes.
    ASSERT_EQ(packed.size(), uint64_t(kept) * 16 * 2 * 4 / 8);
    ASSERT_EQ(packed.size(), uint64_t(R) * C / 4);
    std::memcpy(buffer.data() + (kWeights - kBuffer), packed.data(), packed.size());
    std::memcpy(buffer.data() + (kMask - kBuffer), mask.data(), mask.size());
    std::memcpy(buffer.data() + (kInputs - kBuffer), as_bytes(x).data(), x.size());
    CimWeightWriteCommand write = weight_write(R, C, 4, true);
    write.mask_address = kMask;
    uint64_t status = 0, write_bytes = 0, write_moved = 0;
    run_on_host(*platform, [&](Host& host) {
        status = run_macro_commands(host, {descriptor_of(write)}).status;
        write_bytes = macro.counters().get("bytes_read");
        write_moved = macro.bytes_moved();
        status |= run_macro_commands(
                      host, {descriptor_of(mvm(P, R, C, b, 4, cim_flag::kSignedInputs | cim_flag::kSignedWeights))})
                      .status;
    });
    EXPECT_EQ(status, engine_reg::kStatusDone);
    EXPECT_EQ(write_bytes, mask.size() + packed.size());
    EXPECT_EQ(write_moved, uint64_t(G * Q) + uint64_t(R) * C / 4);

    for (int r = 0; r < R; ++r) {
        for (int c = 0; c < C; ++c) {
            if (mask[(r / 16) * Q + c / 2] == 0) w[r * C + c] = 0;
        }
    }
    const auto y = reference(x, w, P, R, C);
    const auto out = read_outputs(buffer, kOutputs, P * C);
    for (int i = 0; i < P * C; ++i) ASSERT_EQ(out[i], y[i]) << i;

    const auto& counters = macro.counters();
    EXPECT_EQ(counters.get("weight_rows_written"), uint64_t(R));  // every group keeps a block
    EXPECT_EQ(counters.get("weight_cells_written"), uint64_t(R) * C * 4);
    EXPECT_DOUBLE_EQ(macro.energy().total_pj("weight_cell_write"), 0.156 * R * C * 4);
    EXPECT_EQ(counters.get("skipped_groups"), uint64_t(pruned) * b * P);
    EXPECT_EQ(counters.get("skipped_conversions"), uint64_t(pruned) * 8 * b * P);
    EXPECT_EQ(counters.get("adc_conversions"), uint64_t(kept) * 8 * b * P);
    EXPECT_EQ(counters.get("cell_operations"), uint64_t(kept) * 16 * 8 * b * P);
    EXPECT_EQ(counters.get("bitserial_cycles"), uint64_t(G) * b * P);
    EXPECT_EQ(counters.get("macs"), uint64_t(kept) * 16 * 2 * P);
}

TEST(SramCimMacro, AMaskedWriteWithARowStrideIsRejectedAtThatField) {
    auto platform = build_platform(macro_netlist(""));
    CimWeightWriteCommand write = weight_write(16, 1, 8, true);
    write.mask_address = kMask;
    write.source_stride = 8;
    Completion result{};
    run_on_host(*platform, [&](Host& host) { result = run_macro_commands(host, {descriptor_of(write)}); });
    EXPECT_EQ(result.status, engine_reg::kStatusError);
    EXPECT_EQ(result.error_code, engine_error::kBadDescriptor);
    EXPECT_EQ(result.error_address, kCommands + offsetof(CimWeightWriteCommand, source_stride));
}

TEST(SramCimMacro, FourBitDenseTileMovesAsPackedBitsOnTheBus) {
    // R x C = 37 x 9 signed 4-bit weights: ceil(333 x 4 / 8) = 167 bytes, half a byte per weight.
    auto platform = build_platform(macro_netlist("fidelity: fast"));
    auto& buffer = platform->get<SramBuffer>("buf", "test");
    auto& macro = platform->get<SramCimMacro>("macro", "test");
    std::mt19937 random(47);
    const int R = 37, C = 9, P = 6;
    auto w = random_values(random, R * C, 4, true);
    w[0] = -8;
    w[R * C - 1] = 7;
    const auto x = random_values(random, P * R, 8, true);
    const auto packed = encode_weights(w, 4);
    ASSERT_EQ(packed.size(), 167u);
    std::memcpy(buffer.data() + (kWeights - kBuffer), packed.data(), packed.size());
    std::memcpy(buffer.data() + (kInputs - kBuffer), as_bytes(x).data(), x.size());
    uint64_t status = 0, write_bytes = 0;
    run_on_host(*platform, [&](Host& host) {
        status = run_macro_commands(host, {descriptor_of(weight_write(R, C, 4, true))}).status;
        write_bytes = macro.counters().get("bytes_read");
        status |= run_macro_commands(
                      host, {descriptor_of(mvm(P, R, C, 8, 4, cim_flag::kSignedInputs | cim_flag::kSignedWeights))})
                      .status;
    });
    EXPECT_EQ(status, engine_reg::kStatusDone);
    EXPECT_EQ(write_bytes, 167u);
    const auto y = reference(x, w, P, R, C);
    EXPECT_EQ(read_outputs(buffer, kOutputs, P * C), std::vector<int32_t>(y.begin(), y.end()));
}

TEST(SramCimMacro, AStridedDenseWriteReadsWholeByteRowsAndRefusesSplitOnes) {
    // 6 channels x 4 bits = 3 bytes per row, rows 8 bytes apart.
    auto platform = build_platform(macro_netlist("fidelity: fast"));
    auto& buffer = platform->get<SramBuffer>("buf", "test");
    auto& macro = platform->get<SramCimMacro>("macro", "test");
    std::mt19937 random(53);
    const int R = 20, C = 6, stride = 8;
    const auto w = random_values(random, R * C, 4, true);
    const auto x = random_values(random, R, 8, false);
    const auto packed = encode_weights(w, 4);
    for (int r = 0; r < R; ++r) std::memcpy(buffer.data() + (kWeights - kBuffer) + r * stride, &packed[r * 3], 3);
    std::memcpy(buffer.data() + (kInputs - kBuffer), as_bytes(x).data(), x.size());
    CimWeightWriteCommand write = weight_write(R, C, 4, true);
    write.source_stride = stride;
    CimWeightWriteCommand split = weight_write(R, 5, 4, true);  // 20 bits per row
    split.source_stride = stride;
    Completion done{}, refused{};
    uint64_t write_bytes = 0;
    run_on_host(*platform, [&](Host& host) {
        done = run_macro_commands(host, {descriptor_of(write)});
        write_bytes = macro.counters().get("bytes_read");
        run_macro_commands(host, {descriptor_of(mvm(1, R, C, 8, 4, cim_flag::kSignedWeights))});
        refused = run_macro_commands(host, {descriptor_of(split)});
    });
    EXPECT_EQ(done.status, engine_reg::kStatusDone);
    EXPECT_EQ(write_bytes, uint64_t(R) * 3);
    const auto y = reference(x, w, 1, R, C);
    EXPECT_EQ(read_outputs(buffer, kOutputs, C), std::vector<int32_t>(y.begin(), y.end()));
    EXPECT_EQ(refused.status, engine_reg::kStatusError);
    EXPECT_EQ(refused.error_address, kCommands + offsetof(CimWeightWriteCommand, source_stride));
}

// --- binary (+-1) weights -------------------------------------------------------------------------

// One +-1 tile at column 3, multiplied with signed and then unsigned 8-bit inputs.
void expect_exact_binary_sums(const std::string& fidelity) {
    auto platform = build_platform(macro_netlist("fidelity: " + fidelity));
    auto& buffer = platform->get<SramBuffer>("buf", "test");
    std::mt19937 random(59);
    const int R = 100, C = 50, P = 7;  // one column per channel
    const auto w = random_weights(random, R * C, 1, true);
    const auto signed_x = random_values(random, P * R, 8, true), unsigned_x = random_values(random, P * R, 8, false);
    const auto packed = encode_weights(w, 1);
    ASSERT_EQ(packed.size(), 625u);  // 5000 bits
    std::memcpy(buffer.data() + (kWeights - kBuffer), packed.data(), packed.size());
    std::vector<int32_t> signed_y, unsigned_y;
    run_on_host(*platform, [&](Host& host) {
        EXPECT_EQ(run_macro_commands(host, {descriptor_of(weight_write(R, C, 1, true, 0, 3))}).status,
                  engine_reg::kStatusDone);
        for (const bool is_signed : {true, false}) {
            const auto& x = is_signed ? signed_x : unsigned_x;
            std::memcpy(buffer.data() + (kInputs - kBuffer), as_bytes(x).data(), x.size());
            const uint8_t flags = cim_flag::kSignedWeights | (is_signed ? cim_flag::kSignedInputs : 0);
            EXPECT_EQ(run_macro_commands(host, {descriptor_of(mvm(P, R, C, 8, 1, flags, 0, 3))}).status,
                      engine_reg::kStatusDone);
            (is_signed ? signed_y : unsigned_y) = read_outputs(buffer, kOutputs, P * C);
        }
    });
    const auto signed_reference = reference(signed_x, w, P, R, C);
    const auto unsigned_reference = reference(unsigned_x, w, P, R, C);
    EXPECT_EQ(signed_y, std::vector<int32_t>(signed_reference.begin(), signed_reference.end()));
    EXPECT_EQ(unsigned_y, std::vector<int32_t>(unsigned_reference.begin(), unsigned_reference.end()));
}

TEST(SramCimMacro, BinaryWeightsGiveExactSumsInFastMode) { expect_exact_binary_sums("fast"); }

TEST(SramCimMacro, BinaryWeightsGiveExactSumsInDetailedMode) { expect_exact_binary_sums("detailed"); }

TEST(SramCimMacro, BinaryMvmEnergyFollowsTheClosedForm) {
    // An aligned dense 1-bit tile: R = 64 rows (G = 4 groups of 16), C = 20 channels on 20 columns
    // (column groups of 8: 8, 8, 4), P vectors of b-bit inputs. Per vector and input bit, every
    // group converts each column once, the popcount adds the group's 16 input bits, and each
    // converted column takes one 2s - n.
    auto platform = build_platform(macro_netlist("fidelity: detailed"));
    auto& buffer = platform->get<SramBuffer>("buf", "test");
    auto& macro = platform->get<SramCimMacro>("macro", "test");
    const int R = 64, C = 20, P = 5, b = 6, G = 4;
    std::mt19937 random(61);
    const auto w = random_weights(random, R * C, 1, true);
    const auto x = random_values(random, P * R, b, false);
    const auto packed = encode_weights(w, 1);
    std::memcpy(buffer.data() + (kWeights - kBuffer), packed.data(), packed.size());
    std::memcpy(buffer.data() + (kInputs - kBuffer), as_bytes(x).data(), x.size());
    double write_pj = 0;
    run_on_host(*platform, [&](Host& host) {
        run_macro_commands(host, {descriptor_of(weight_write(R, C, 1, true))});
        write_pj = macro.energy().total_pj();
        run_macro_commands(host, {descriptor_of(mvm(P, R, C, b, 1, cim_flag::kSignedWeights))});
    });
    const auto y = reference(x, w, P, R, C);
    EXPECT_EQ(read_outputs(buffer, kOutputs, P * C), std::vector<int32_t>(y.begin(), y.end()));
    const auto& counters = macro.counters();
    const double conversions = double(P) * b * G * C, cells = double(P) * b * R * C, popcount = double(P) * b * R;
    EXPECT_EQ(counters.get("adc_conversions"), uint64_t(conversions));
    EXPECT_EQ(counters.get("cell_operations"), uint64_t(cells));
    EXPECT_EQ(counters.get("input_sum_bits"), uint64_t(popcount));
    EXPECT_EQ(counters.get("binary_corrections"), uint64_t(conversions));
    EXPECT_EQ(counters.get("weight_cells_written"), uint64_t(R) * C);
    EXPECT_DOUBLE_EQ(macro.energy().total_pj("input_sum_bit"), 0.00375 * popcount);
    EXPECT_DOUBLE_EQ(macro.energy().total_pj("binary_correction"), 0.021 * conversions);
    // MVM energy = cells x 10.4 fJ + conversions x (0.99 + 2 x 0.021) pJ + popcount x 3.75 fJ.
    EXPECT_NEAR(macro.energy().total_pj() - write_pj,
                0.0104 * cells + (0.99 + 2 * 0.021) * conversions + 0.00375 * popcount, 1e-6);
}

TEST(SramCimMacro, MultiBitTilesCountNoBinaryWork) {
    auto platform = build_platform(macro_netlist("fidelity: fast"));
    auto& macro = platform->get<SramCimMacro>("macro", "test");
    run_on_host(*platform, [&](Host& host) {
        run_macro_commands(host, {descriptor_of(weight_write(32, 4, 2, true)),
                                  descriptor_of(mvm(3, 32, 4, 8, 2, cim_flag::kSignedWeights))});
    });
    EXPECT_GT(macro.counters().get("adc_conversions"), 0u);
    EXPECT_EQ(macro.counters().get("input_sum_bits"), 0u);
    EXPECT_EQ(macro.counters().get("binary_corrections"), 0u);
    EXPECT_EQ(macro.energy().total_pj("binary_correction"), 0.0);
}

TEST(SramCimMacro, AnUnsignedOneBitTileIsRejectedAtTheFlags) {
    auto platform = build_platform(macro_netlist(""));
    Completion write{}, multiply{};
    run_on_host(*platform, [&](Host& host) {
        write = run_macro_commands(host, {descriptor_of(weight_write(16, 1, 1, false))});
        multiply = run_macro_commands(host, {descriptor_of(mvm(1, 16, 1, 8, 1, 0))});
    });
    EXPECT_EQ(write.status, engine_reg::kStatusError);
    EXPECT_EQ(write.error_address, kCommands + offsetof(CimWeightWriteCommand, flags));
    EXPECT_EQ(multiply.status, engine_reg::kStatusError);
    EXPECT_EQ(multiply.error_address, kCommands + offsetof(CimMvmCommand, flags));
}

TEST(CimArray, ABinaryTileHoldingAnythingButPlusOrMinusOneIsRefused) {
    CimArray array{CimGeometry{}};
    std::vector<int32_t> weights(16 * 2, -1);
    weights[5 * 2 + 1] = 0;
    const auto error_of = [&] {
        try {
            array.write_weights(0, 0, 16, 2, 1, true, weights.data(), nullptr);
        } catch (const std::invalid_argument& error) {
            return std::string(error.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(error_of(), "cim array: weights hold 0 at row 5, channel 1; 1-bit weights must be +1 or -1");
    weights[5 * 2 + 1] = 2;
    EXPECT_EQ(error_of(), "cim array: weights hold 2 at row 5, channel 1; 1-bit weights must be +1 or -1");
    weights[5 * 2 + 1] = 1;
    EXPECT_EQ(error_of(), "no error");
}

TEST(SramCimMacro, NonIdealAdcClipsEachGroupSum) {
    // 3-bit ADC (at most 7) with 16 word lines on: sixteen 1 x 1 products per group read as 7.
    // Unsigned 2-bit weights of value 1 (0x55 packs four) put a 1 in the low column only.
    auto platform = build_platform(macro_netlist("fidelity: detailed, adc_ideal: false, adc_bits: 3"));
    auto& buffer = platform->get<SramBuffer>("buf", "test");
    auto& macro = platform->get<SramCimMacro>("macro", "test");
    const int R = 40, C = 3;  // groups of 16, 16 and 8 rows
    std::memset(buffer.data() + (kWeights - kBuffer), 0x55, R * C * 2 / 8);
    std::memset(buffer.data() + (kInputs - kBuffer), 1, R);
    run_on_host(*platform, [&](Host& host) {
        run_macro_commands(host, {descriptor_of(weight_write(R, C, 2, false)), descriptor_of(mvm(1, R, C, 1, 2, 0))});
    });
    const auto out = read_outputs(buffer, kOutputs, C);
    for (int c = 0; c < C; ++c) EXPECT_EQ(out[c], 7 + 7 + 7) << c;  // the 8-row group also clips (8 > 7)
    EXPECT_EQ(macro.counters().get("clipped_conversions"), 3u * C);
}

TEST(SramCimMacro, WeightWriteTimeAndEnergyFollowTheRowsWritten) {
    auto platform = build_platform(macro_netlist("fidelity: fast"));
    auto& macro = platform->get<SramCimMacro>("macro", "test");
    double busy_tall = 0, busy_wide = 0;
    run_on_host(*platform, [&](Host& host) {
        // Two tiles of the same 64 bytes: 32 rows x 2 channels, then 16 rows x 4 channels.
        run_macro_commands(host, {descriptor_of(weight_write(32, 2, 8, true))});
        busy_tall = macro.busy().busy().to_seconds();
        run_macro_commands(host, {descriptor_of(weight_write(16, 4, 8, true))});
        busy_wide = macro.busy().busy().to_seconds() - busy_tall;
    });
    EXPECT_EQ(macro.counters().get("weight_rows_written"), 32u + 16u);
    EXPECT_EQ(macro.counters().get("weight_cells_written"), 32u * 16 + 16u * 32);
    EXPECT_DOUBLE_EQ(macro.energy().total_pj("weight_cell_write"), 0.156 * (32 * 16 + 16 * 32));
    // Same bytes read, so the difference is the 16 word lines written one per 1 ns cycle.
    EXPECT_NEAR(busy_tall - busy_wide, 16e-9, 1e-13);
}

TEST(SramCimMacro, ComputeTimeIsComputeCyclesTimesTheClock) {
    auto platform = build_platform(macro_netlist("fidelity: fast, clock: 500MHz"));
    auto& macro = platform->get<SramCimMacro>("macro", "test");
    double busy_four = 0, busy_eight = 0;
    uint64_t cycles_four = 0;
    run_on_host(*platform, [&](Host& host) {
        run_macro_commands(host, {descriptor_of(weight_write(64, 4, 8, true))});
        double before = macro.busy().busy().to_seconds();
        run_macro_commands(host, {descriptor_of(mvm(8, 64, 4, 4, 8, cim_flag::kSignedWeights))});
        busy_four = macro.busy().busy().to_seconds() - before;
        cycles_four = macro.counters().get("compute_cycles");
        before = macro.busy().busy().to_seconds();
        run_macro_commands(host, {descriptor_of(mvm(8, 64, 4, 8, 8, cim_flag::kSignedWeights))});
        busy_eight = macro.busy().busy().to_seconds() - before;
    });
    // P x input_bits x groups x columns_per_adc = 8 x 4 x 4 x 8 rounds for 4-bit inputs.
    EXPECT_EQ(cycles_four, 8u * 4 * 4 * 8);
    EXPECT_NEAR(busy_eight - busy_four, static_cast<double>(cycles_four) * 2e-9, 1e-13);
}

TEST(SramCimMacro, BadDescriptorsReportTheOffendingField) {
    auto platform = build_platform(macro_netlist(""));
    Completion result[3] = {};
    uint64_t completed = 0;
    Descriptor unknown{};
    unknown[0] = 9;
    run_on_host(*platform, [&](Host& host) {
        // 17 signed 8-bit channels need 136 columns of 128.
        const Descriptor commands[] = {unknown, descriptor_of(mvm(1, 129, 1, 8, 8, 0)),
                                       descriptor_of(weight_write(16, 17, 8, true))};
        for (int i = 0; i < 3; ++i) result[i] = run_macro_commands(host, {commands[i]});
        completed = host.read64(kMacro + engine_reg::kCompleted);
    });
    for (const Completion& r : result) {
        EXPECT_EQ(r.status, engine_reg::kStatusError);
        EXPECT_EQ(r.error_code, engine_error::kBadDescriptor);
    }
    EXPECT_EQ(result[0].error_address, kCommands + 0);
    EXPECT_EQ(result[1].error_address, kCommands + offsetof(CimMvmCommand, rows));
    EXPECT_EQ(result[2].error_address, kCommands + offsetof(CimWeightWriteCommand, channels));
    EXPECT_EQ(completed, 0u);
}

TEST(SramCimMacro, AnInputOutsideMemoryIsABusErrorAtThatAddress) {
    auto platform = build_platform(macro_netlist(""));
    CimMvmCommand multiply = mvm(4, 16, 1, 8, 8, 0);
    multiply.input = 0x900000;
    uint64_t status = 0, code = 0, address = 0;
    run_on_host(*platform, [&](Host& host) {
        host.load(kCommands, descriptor_of(multiply).data(), 64);
        host.write64(kMacro + engine_reg::kCommandAddress, kCommands);
        host.write64(kMacro + engine_reg::kDoorbell, 1);
        host.wait_for_interrupt();
        status = host.read64(kMacro + engine_reg::kStatus);
        code = host.read64(kMacro + engine_reg::kErrorCode);
        address = host.read64(kMacro + engine_reg::kErrorAddress);
    });
    EXPECT_EQ(status, engine_reg::kStatusError);
    EXPECT_EQ(code, engine_error::kBusError);
    EXPECT_EQ(address, 0x900000u);
}

TEST(SramCimMacro, RejectsAGroupSizeThatDoesNotDivideTheRows) {
    const std::string message =
        cimvp::testing::config_error_of([] { build_platform(macro_netlist("rows: 100, max_active_wl: 16")); });
    EXPECT_NE(message.find("test.yaml:"), std::string::npos) << message;
    EXPECT_NE(message.find("max_active_wl"), std::string::npos) << message;
    EXPECT_NE(message.find("must divide rows"), std::string::npos) << message;
}

TEST(SramCimMacro, RejectsANonIdealAdcInFastMode) {
    const std::string message =
        cimvp::testing::config_error_of([] { build_platform(macro_netlist("adc_ideal: false")); });
    EXPECT_NE(message.find("adc_ideal"), std::string::npos) << message;
    EXPECT_NE(message.find("needs fidelity: detailed"), std::string::npos) << message;
}
