// VGG-16 against its published totals; building 138 M weights takes several seconds, so this runs
// under the `long` label (ctest -L long).
#include <gtest/gtest.h>

#include "firmware/compiler/ir/summary.h"
#include "firmware/compiler/zoo/zoo.h"

using namespace cimvp;

// VGG-16 with BN: 15.47 GMACs and 138.4 M parameters (torchvision vgg16_bn, whose convs are biased).
TEST(ZooLong, Vgg16MatchesPublishedTotals) {
    const ir::Graph vgg = zoo::build_model("vgg16");
    EXPECT_NEAR(ir::summarize(vgg).total_macs / 1e9, 15.47, 0.005);
    EXPECT_EQ(zoo::trainable_parameter_count(vgg), 138365992);
}
