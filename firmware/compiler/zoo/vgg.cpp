// VGG-16 with batch normalization after every (biased) conv, the torchvision vgg16_bn layout. The ImageNet
// form keeps the 4096-4096 classifier on the 7x7x512 feature map; the CIFAR form, whose feature
// map is 1x1x512, has a single 512-to-classes layer, as is usual for CIFAR VGG.
#include <string>

#include "firmware/compiler/zoo/network_builder.h"
#include "firmware/compiler/zoo/zoo.h"

namespace cimvp::zoo {
namespace {

ir::Graph build_vgg16(const std::string& model_name, const Dataset& dataset, uint64_t seed) {
    NetworkBuilder net(model_name, seed, {1, 3, dataset.image_size, dataset.image_size});
    const int stage_convs[5] = {2, 2, 3, 3, 3};
    const int64_t stage_channels[5] = {64, 128, 256, 512, 512};
    std::string x = net.input();
    int conv_index = 0;
    for (int stage = 0; stage < 5; ++stage) {
        for (int i = 0; i < stage_convs[stage]; ++i) {
            x = net.conv_bn_relu(x, {stage_channels[stage], 3, 1, 1, true}, "conv" + std::to_string(++conv_index));
        }
        x = net.max_pool(x, 2, 2, 0, false, "pool" + std::to_string(stage + 1));
    }
    x = net.flatten(x, "flatten");
    if (!dataset.is_cifar()) {
        x = net.relu(net.gemm(x, 4096, "fc1"), "fc1_relu");
        x = net.relu(net.gemm(x, 4096, "fc2"), "fc2_relu");
    }
    const std::string logits = net.gemm(x, dataset.classes, "classifier");
    net.center_outputs(logits);
    return net.finish(logits);
}

}  // namespace

CIMVP_REGISTER_ZOO_FAMILY("vgg16", "VGG-16 with batch norm", build_vgg16);

}  // namespace cimvp::zoo
