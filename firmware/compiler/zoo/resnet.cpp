// ResNet-18 (basic blocks) and ResNet-50 (bottleneck blocks, stride on the 3x3 conv as in
// torchvision's v1.5). The CIFAR forms replace the 7x7/2 stem and its max pool by a 3x3/1 conv,
// the usual adaptation for 32x32 images.
#include <string>

#include "firmware/compiler/zoo/network_builder.h"
#include "firmware/compiler/zoo/zoo.h"

namespace cimvp::zoo {
namespace {

std::string shortcut(NetworkBuilder& net, const std::string& input, int64_t out_channels, int64_t stride,
                     const std::string& name) {
    if (stride == 1 && net.channels(input) == out_channels) return input;
    const std::string conv = net.conv(input, {out_channels, 1, stride, 0}, name + "_downsample");
    return net.batch_norm(conv, name + "_downsample_bn");
}

std::string basic_block(NetworkBuilder& net, const std::string& input, int64_t channels, int64_t stride,
                        const std::string& name) {
    std::string x = net.conv_bn_relu(input, {channels, 3, stride, 1}, name + "_conv1");
    x = net.batch_norm(net.conv(x, {channels, 3, 1, 1}, name + "_conv2"), name + "_conv2_bn");
    return net.relu(net.add(x, shortcut(net, input, channels, stride, name), name + "_add"), name + "_relu");
}

std::string bottleneck_block(NetworkBuilder& net, const std::string& input, int64_t width, int64_t stride,
                             const std::string& name) {
    const int64_t out_channels = 4 * width;
    std::string x = net.conv_bn_relu(input, {width, 1, 1, 0}, name + "_conv1");
    x = net.conv_bn_relu(x, {width, 3, stride, 1}, name + "_conv2");
    x = net.batch_norm(net.conv(x, {out_channels, 1, 1, 0}, name + "_conv3"), name + "_conv3_bn");
    return net.relu(net.add(x, shortcut(net, input, out_channels, stride, name), name + "_add"), name + "_relu");
}

ir::Graph build_resnet(const std::string& model_name, const Dataset& dataset, uint64_t seed, bool bottleneck,
                       const int (&blocks)[4]) {
    NetworkBuilder net(model_name, seed, {1, 3, dataset.image_size, dataset.image_size});
    std::string x = dataset.is_cifar() ? net.conv_bn_relu(net.input(), {64, 3, 1, 1}, "conv1")
                                       : net.max_pool(net.conv_bn_relu(net.input(), {64, 7, 2, 3}, "conv1"), 3, 2, 1,
                                                      false, "maxpool");
    const int64_t widths[4] = {64, 128, 256, 512};
    for (int stage = 0; stage < 4; ++stage) {
        for (int block = 0; block < blocks[stage]; ++block) {
            const int64_t stride = (stage > 0 && block == 0) ? 2 : 1;
            const std::string name = "layer" + std::to_string(stage + 1) + "_" + std::to_string(block);
            x = bottleneck ? bottleneck_block(net, x, widths[stage], stride, name)
                           : basic_block(net, x, widths[stage], stride, name);
        }
    }
    x = net.flatten(net.global_average_pool(x, "avgpool"), "flatten");
    const std::string logits = net.gemm(x, dataset.classes, "fc");
    net.center_outputs(logits);
    return net.finish(logits);
}

ir::Graph build_resnet18(const std::string& model_name, const Dataset& dataset, uint64_t seed) {
    return build_resnet(model_name, dataset, seed, false, {2, 2, 2, 2});
}

ir::Graph build_resnet50(const std::string& model_name, const Dataset& dataset, uint64_t seed) {
    return build_resnet(model_name, dataset, seed, true, {3, 4, 6, 3});
}

}  // namespace

CIMVP_REGISTER_ZOO_FAMILY("resnet18", "ResNet-18", build_resnet18);
CIMVP_REGISTER_ZOO_FAMILY("resnet50", "ResNet-50", build_resnet50);

}  // namespace cimvp::zoo
