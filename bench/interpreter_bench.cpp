// Single-threaded throughput of the reference interpreters on zoo networks. The int8 figure
// counts the network's conv and FC multiply-accumulates (the IR summary's MACs) per second.
#include <benchmark/benchmark.h>

#include <systemc>

#include "firmware/compiler/interpreter/integer_interpreter.h"
#include "firmware/compiler/ir/summary.h"
#include "firmware/compiler/passes/calibrate.h"
#include "firmware/compiler/passes/quantize.h"
#include "firmware/compiler/passes/quantize_network.h"
#include "firmware/compiler/zoo/zoo.h"

namespace {

using namespace cimvp;

void set_mac_rate(benchmark::State& state, const ir::Graph& graph) {
    const auto macs = static_cast<double>(ir::summarize(graph).total_macs);
    state.counters["GMAC"] = benchmark::Counter(macs * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GMAC_per_inference"] = macs * 1e-9;
}

void integer_inference(benchmark::State& state, const std::string& model) {
    const ir::Graph graph = zoo::build_model(model);
    const ir::Graph integer = passes::quantize_network(graph, passes::random_samples(graph, 2, 1000), {});
    const interpreter::IntegerInterpreter interpreter(integer);
    const std::string& input = graph.inputs[0];
    const ir::TensorMap inputs = {
        {input, passes::quantize_input(passes::random_input(graph, input, 1, "bench"), integer.tensor(input).quant)}};
    for (auto _ : state) benchmark::DoNotOptimize(interpreter.run(inputs));
    set_mac_rate(state, integer);
}

void float_inference(benchmark::State& state, const std::string& model) {
    const ir::Graph graph = zoo::build_model(model);
    const std::string& input = graph.inputs[0];
    const ir::TensorMap inputs = {{input, passes::random_input(graph, input, 1, "bench")}};
    for (auto _ : state) benchmark::DoNotOptimize(ir::run_float(graph, inputs));
    set_mac_rate(state, graph);
}

BENCHMARK_CAPTURE(integer_inference, resnet18_w8a8, std::string("resnet18"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(float_inference, resnet18, std::string("resnet18"))->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(integer_inference, resnet18_cifar10_w8a8, std::string("resnet18_cifar10"))
    ->Unit(benchmark::kMillisecond);

}  // namespace

// SystemC's library provides main() and calls sc_main, since every area links SystemC.
int sc_main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
