// The CIM array's fast-mode costs on a 128 x 128 macro (1 bit per cell, 16 word lines per group,
// 8 columns per ADC): writing a weight tile, decoding it for the dot products, the dot products and
// the closed-form counts. Arguments: weight bits (4 or 8, signed; inputs have as many bits), MARS
// mask (0 = dense, 1 = about half of the blocks skipped) and, for run_fast, vectors per call.
// Run by hand: <build>/bench/cim_array_bench (not part of ctest).
#include <benchmark/benchmark.h>

#include <random>
#include <systemc>
#include <vector>

#include "models/cim/cim_array.h"
#include "models/cim/sparse_tile.h"

using namespace cimvp;

namespace {

// A full-width tile of signed weights and the array it goes into.
struct Tile {
    CimArray array{CimGeometry{}};
    MvmShape shape;
    std::vector<int32_t> weights;
    std::vector<uint8_t> mask;  // empty when dense

    Tile(int weight_bits, bool masked) {
        const CimGeometry& g = array.geometry();
        shape.rows = g.rows;
        shape.channels = g.columns / array.weight_columns(weight_bits, true);
        shape.input_bits = weight_bits;
        shape.weight_bits = weight_bits;
        std::mt19937 random(5);
        std::uniform_int_distribution<int32_t> value(-(1 << (weight_bits - 1)), (1 << (weight_bits - 1)) - 1);
        weights.resize(static_cast<size_t>(shape.rows) * shape.channels);
        for (int32_t& w : weights) w = value(random);
        if (masked) {
            mask.resize(static_cast<size_t>(array.groups()) * array.column_groups());
            for (uint8_t& m : mask) m = random() % 2;
        }
    }

    int write() {
        return array.write_weights(shape.row_offset, shape.column_offset, shape.rows, shape.channels, shape.weight_bits,
                                   true, weights.data(), mask.empty() ? nullptr : mask.data());
    }
};

// Activations after a ReLU: about half are zero, the rest spread over the non-negative range.
std::vector<uint8_t> relu_inputs(int bits, size_t count) {
    std::mt19937 random(9);
    std::uniform_int_distribution<int> value(0, (1 << (bits - 1)) - 1);
    std::vector<uint8_t> inputs(count);
    for (uint8_t& x : inputs) x = random() % 2 == 0 ? 0 : static_cast<uint8_t>(value(random));
    return inputs;
}

void BM_WriteWeights(benchmark::State& state) {
    Tile tile(static_cast<int>(state.range(0)), state.range(1) != 0);
    for (auto _ : state) benchmark::DoNotOptimize(tile.write());
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(tile.weights.size()));
}

// A band's reload: the write and the decoded tile run_fast uses after it.
void BM_WriteAndCachedWeightMatrix(benchmark::State& state) {
    Tile tile(static_cast<int>(state.range(0)), state.range(1) != 0);
    for (auto _ : state) {
        tile.write();
        benchmark::DoNotOptimize(tile.array.cached_weight_matrix(tile.shape).data());
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(tile.weights.size()));
}

void BM_RunFast(benchmark::State& state) {
    Tile tile(static_cast<int>(state.range(0)), state.range(1) != 0);
    const auto vectors = static_cast<uint64_t>(state.range(2));
    tile.write();
    const std::vector<uint8_t> inputs = relu_inputs(tile.shape.input_bits, vectors * tile.shape.rows);
    std::vector<int64_t> sums(vectors * tile.shape.channels);
    for (auto _ : state) {
        benchmark::DoNotOptimize(tile.array.run_fast(tile.shape, vectors, inputs.data(), sums.data()));
        benchmark::ClobberMemory();
    }
    // Word-level multiply-accumulates of the whole tile, skipped blocks included.
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(vectors * tile.weights.size()));
}

// What the macro does with a MARS weight write once its bytes have arrived: size the packed tile
// from the mask, unpack it and write it.
void BM_UnpackAndWrite(benchmark::State& state) {
    Tile tile(static_cast<int>(state.range(0)), true);
    const CimGeometry& g = tile.array.geometry();
    const SparseTileLayout layout(tile.shape.rows, tile.shape.channels, tile.shape.weight_bits,
                                  tile.array.weight_columns(tile.shape.weight_bits, true), g.max_active_wl,
                                  g.columns_per_adc);
    const std::vector<uint8_t> bytes = layout.pack(tile.weights, tile.mask);
    for (auto _ : state) {
        benchmark::DoNotOptimize(layout.packed_bytes(tile.mask));
        const std::vector<int32_t> weights = layout.unpack(bytes, tile.mask);
        benchmark::DoNotOptimize(tile.array.write_weights(0, 0, tile.shape.rows, tile.shape.channels,
                                                          tile.shape.weight_bits, true, weights.data(),
                                                          tile.mask.data()));
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(tile.weights.size()));
}

// The same through write_packed_weights, which decodes straight into the kernel's layout, over
// eight tiles with masks of their own (as in a network, where no two writes share one).
void BM_WritePacked(benchmark::State& state) {
    const int weight_bits = static_cast<int>(state.range(0));
    std::vector<Tile> tiles;
    std::vector<std::vector<uint8_t>> packed;
    for (int t = 0; t < 8; ++t) tiles.emplace_back(weight_bits, true);
    CimArray& array = tiles[0].array;
    const MvmShape& shape = tiles[0].shape;
    const CimGeometry& g = array.geometry();
    const SparseTileLayout layout(shape.rows, shape.channels, weight_bits, array.weight_columns(weight_bits, true),
                                  g.max_active_wl, g.columns_per_adc);
    std::mt19937 random(11);
    for (Tile& tile : tiles) {
        for (uint8_t& m : tile.mask) m = random() % 2;
        packed.push_back(layout.pack(tile.weights, tile.mask));
    }
    size_t next = 0;
    for (auto _ : state) {
        const Tile& tile = tiles[next];
        const std::vector<uint8_t>& bytes = packed[next];
        next = (next + 1) % tiles.size();
        benchmark::DoNotOptimize(layout.packed_bytes(tile.mask));
        benchmark::DoNotOptimize(array.write_packed_weights(0, 0, true, layout, bytes.data(), bytes.size(), tile.mask));
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(tiles[0].weights.size()));
}

// A dense tile from its stored bit stream: decoded and written through write_weights, or through
// write_dense_weights, which lays the decoded words straight out as the kernel's row pairs.
void BM_WriteDenseStream(benchmark::State& state) {
    Tile tile(static_cast<int>(state.range(0)), false);
    const bool direct = state.range(1) != 0;
    const std::vector<uint8_t> stream = encode_weights(tile.weights, tile.shape.weight_bits);
    std::vector<int32_t> decoded(tile.weights.size());
    for (auto _ : state) {
        if (direct) {
            benchmark::DoNotOptimize(tile.array.write_dense_weights(0, 0, tile.shape.rows, tile.shape.channels,
                                                                    tile.shape.weight_bits, true, stream.data()));
        } else {
            decode_weights(stream.data(), decoded.size(), tile.shape.weight_bits, decoded.data());
            benchmark::DoNotOptimize(tile.array.write_weights(0, 0, tile.shape.rows, tile.shape.channels,
                                                              tile.shape.weight_bits, true, decoded.data(), nullptr));
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(tile.weights.size()));
}

void BM_Count(benchmark::State& state) {
    Tile tile(static_cast<int>(state.range(0)), state.range(1) != 0);
    tile.write();
    for (auto _ : state) benchmark::DoNotOptimize(tile.array.count(tile.shape, 32));
}

}  // namespace

BENCHMARK(BM_WriteWeights)->ArgNames({"bits", "mask"})->ArgsProduct({{4, 8}, {0, 1}});
BENCHMARK(BM_WriteAndCachedWeightMatrix)->ArgNames({"bits", "mask"})->ArgsProduct({{4, 8}, {0, 1}});
BENCHMARK(BM_RunFast)->ArgNames({"bits", "mask", "vectors"})->ArgsProduct({{4, 8}, {0, 1}, {64, 512}});
BENCHMARK(BM_UnpackAndWrite)->ArgNames({"bits"})->Arg(4)->Arg(8);
BENCHMARK(BM_WritePacked)->ArgNames({"bits"})->Arg(4)->Arg(8);
BENCHMARK(BM_WriteDenseStream)->ArgNames({"bits", "direct"})->ArgsProduct({{4, 8}, {0, 1}});
BENCHMARK(BM_Count)->ArgNames({"bits", "mask"})->ArgsProduct({{4, 8}, {0, 1}});

// SystemC's library provides main() and calls sc_main, since every area links SystemC.
int sc_main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
