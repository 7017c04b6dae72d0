// Beneš routing: random permutations for every power-of-two size from 2 to 256 arrive where the
// permutation says when elements walk through the computed switch settings; a partial permutation
// is completed with the unused inputs; a repeated or out-of-range source is refused with a message
// that names the entry; the switch count and stage count follow the closed forms.
#include "models/permute/benes_network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

using namespace cimvp;

namespace {

// Routes `sources` and returns what each output receives when input i carries value 1000 + i.
std::vector<int32_t> route_and_walk(BenesNetwork& network, const std::vector<int32_t>& sources) {
    network.route(sources);
    std::vector<int32_t> inputs(network.ports()), outputs(network.ports());
    std::iota(inputs.begin(), inputs.end(), 1000);
    network.propagate(inputs.data(), outputs.data());
    return outputs;
}

std::string error_of(const std::vector<int32_t>& sources, uint32_t ports, uint32_t* output = nullptr) {
    try {
        BenesNetwork network(ports);
        network.route(sources);
    } catch (const BenesRoutingError& error) {
        if (output != nullptr) *output = error.output();
        return error.what();
    }
    return "";
}

}  // namespace

TEST(BenesNetwork, HasTwoLog2NMinusOneStagesOfNOverTwoSwitches) {
    for (uint32_t log2 = 1; log2 <= 8; ++log2) {
        const BenesNetwork network(1u << log2);
        EXPECT_EQ(network.stages(), 2 * log2 - 1);
        EXPECT_EQ(network.switches(), (2 * log2 - 1) * (1u << (log2 - 1)));
    }
    EXPECT_THROW(BenesNetwork(0), std::invalid_argument);
    EXPECT_THROW(BenesNetwork(1), std::invalid_argument);
    EXPECT_THROW(BenesNetwork(96), std::invalid_argument);
}

TEST(BenesNetwork, RoutesAThousandRandomPermutationsOfEverySizeUpTo256) {
    std::mt19937 random(5);
    for (uint32_t ports = 2; ports <= 256; ports *= 2) {
        BenesNetwork network(ports);
        std::vector<int32_t> permutation(ports);
        std::iota(permutation.begin(), permutation.end(), 0);
        for (int trial = 0; trial < 1000; ++trial) {
            std::shuffle(permutation.begin(), permutation.end(), random);
            const std::vector<int32_t> outputs = route_and_walk(network, permutation);
            for (uint32_t o = 0; o < ports; ++o) {
                ASSERT_EQ(outputs[o], 1000 + permutation[o])
                    << "ports " << ports << " trial " << trial << " output " << o;
            }
        }
    }
}

TEST(BenesNetwork, RoutesTheIdentityAndTheReversalWithKnownSettings) {
    // A 2-port network is one switch, crossed only for the swap; the looping algorithm routes the
    // identity with every switch straight.
    BenesNetwork two(2);
    two.route({1, 0});
    EXPECT_TRUE(two.crossed(0, 0));
    two.route({0, 1});
    EXPECT_FALSE(two.crossed(0, 0));
    BenesNetwork eight(8);
    const std::vector<int32_t> identity = {0, 1, 2, 3, 4, 5, 6, 7};
    EXPECT_EQ(route_and_walk(eight, identity), (std::vector<int32_t>{1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007}));
    for (uint32_t stage = 0; stage < eight.stages(); ++stage) {
        for (uint32_t i = 0; i < 4; ++i) EXPECT_FALSE(eight.crossed(stage, i)) << stage << "," << i;
    }
}

TEST(BenesNetwork, CompletesAPartialPermutationWithTheUnusedInputsInOrder) {
    const int32_t none = BenesNetwork::kNoSource;
    EXPECT_EQ(BenesNetwork::complete({3, none, 0, none, 6}, 8), (std::vector<int32_t>{3, 1, 0, 2, 6, 4, 5, 7}));
    EXPECT_EQ(BenesNetwork::complete({}, 4), (std::vector<int32_t>{0, 1, 2, 3}));

    // A partial table routes: its outputs get their sources, and the free ones get distinct unused inputs.
    std::mt19937 random(6);
    BenesNetwork network(64);
    for (int trial = 0; trial < 200; ++trial) {
        std::vector<int32_t> inputs(64);
        std::iota(inputs.begin(), inputs.end(), 0);
        std::shuffle(inputs.begin(), inputs.end(), random);
        std::vector<int32_t> partial(40);
        for (size_t o = 0; o < partial.size(); ++o) partial[o] = (random() % 3 == 0) ? none : inputs[o];
        const std::vector<int32_t> outputs = route_and_walk(network, partial);
        std::vector<int32_t> received(outputs);
        for (size_t o = 0; o < partial.size(); ++o) {
            if (partial[o] != none) {
                ASSERT_EQ(outputs[o], 1000 + partial[o]) << trial << " " << o;
            }
        }
        std::sort(received.begin(), received.end());
        for (int32_t i = 0; i < 64; ++i) ASSERT_EQ(received[i], 1000 + i) << "not a permutation, trial " << trial;
    }
}

TEST(BenesNetwork, RefusesARepeatedSourceNamingBothOutputs) {
    uint32_t output = 0;
    EXPECT_EQ(error_of({2, 0, 5, 2, 1}, 8, &output),
              "output 3 repeats input 2 (already routed to output 0): a Beneš network routes only permutations");
    EXPECT_EQ(output, 3u);
    EXPECT_THROW(BenesNetwork::complete({1, 1}, 2), BenesRoutingError);
}

TEST(BenesNetwork, RefusesASourceOutsideTheNetworkAndATooLongTable) {
    uint32_t output = 0;
    EXPECT_EQ(error_of({0, 4}, 4, &output), "output 1 asks for input 4 of a 4-port network");
    EXPECT_EQ(output, 1u);
    EXPECT_EQ(error_of({0, 1, 2}, 2), "the table has 3 entries for 2 outputs");
}
