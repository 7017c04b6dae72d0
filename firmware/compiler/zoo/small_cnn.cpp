// A small CNN for quick runs and tests: three conv-BN-ReLU stages (32, 64, 128 channels) with 2x2
// max pooling, global average pooling and one fully connected layer. The ImageNet form adds a
// stride-2 stem conv and a max pool so its cost stays small at 224x224.
#include <string>

#include "firmware/compiler/zoo/network_builder.h"
#include "firmware/compiler/zoo/zoo.h"

namespace cimvp::zoo {
namespace {

ir::Graph build_small_cnn(const std::string& model_name, const Dataset& dataset, uint64_t seed) {
    NetworkBuilder net(model_name, seed, {1, 3, dataset.image_size, dataset.image_size});
    std::string x = net.input();
    if (!dataset.is_cifar()) x = net.max_pool(net.conv_bn_relu(x, {16, 3, 2, 1}, "stem"), 2, 2, 0, false, "stem_pool");
    x = net.max_pool(net.conv_bn_relu(x, {32, 3, 1, 1}, "conv1"), 2, 2, 0, false, "pool1");
    x = net.max_pool(net.conv_bn_relu(x, {64, 3, 1, 1}, "conv2"), 2, 2, 0, false, "pool2");
    x = net.conv_bn_relu(x, {128, 3, 1, 1}, "conv3");
    x = net.flatten(net.global_average_pool(x, "avgpool"), "flatten");
    const std::string logits = net.gemm(x, dataset.classes, "fc");
    net.center_outputs(logits);
    return net.finish(logits);
}

}  // namespace

CIMVP_REGISTER_ZOO_FAMILY("small_cnn", "Small CNN (3 conv layers)", build_small_cnn);

}  // namespace cimvp::zoo
