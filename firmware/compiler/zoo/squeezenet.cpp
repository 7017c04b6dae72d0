// SqueezeNet 1.1 (Iandola et al. 2016, the torchvision layout): no batch normalization, biased
// convs, fire modules concatenating 1x1 and 3x3 expand branches, a 1x1 conv classifier and global
// average pooling. The CIFAR form uses a 3x3/1 first conv so the 32x32 input keeps enough resolution.
#include <string>

#include "firmware/compiler/zoo/network_builder.h"
#include "firmware/compiler/zoo/zoo.h"

namespace cimvp::zoo {
namespace {

std::string fire(NetworkBuilder& net, const std::string& input, int64_t squeeze, int64_t expand,
                 const std::string& name) {
    const std::string s =
        net.relu(net.conv(input, {squeeze, 1, 1, 0, true}, name + "_squeeze"), name + "_squeeze_relu");
    const std::string e1 =
        net.relu(net.conv(s, {expand, 1, 1, 0, true}, name + "_expand1x1"), name + "_expand1x1_relu");
    const std::string e3 =
        net.relu(net.conv(s, {expand, 3, 1, 1, true}, name + "_expand3x3"), name + "_expand3x3_relu");
    return net.concat({e1, e3}, name + "_concat");
}

ir::Graph build_squeezenet11(const std::string& model_name, const Dataset& dataset, uint64_t seed) {
    NetworkBuilder net(model_name, seed, {1, 3, dataset.image_size, dataset.image_size});
    const ConvSpec stem = dataset.is_cifar() ? ConvSpec{64, 3, 1, 1, true} : ConvSpec{64, 3, 2, 0, true};
    std::string x = net.relu(net.conv(net.input(), stem, "conv1"), "conv1_relu");
    x = net.max_pool(x, 3, 2, 0, true, "pool1");
    x = fire(net, x, 16, 64, "fire2");
    x = fire(net, x, 16, 64, "fire3");
    x = net.max_pool(x, 3, 2, 0, true, "pool3");
    x = fire(net, x, 32, 128, "fire4");
    x = fire(net, x, 32, 128, "fire5");
    x = net.max_pool(x, 3, 2, 0, true, "pool5");
    x = fire(net, x, 48, 192, "fire6");
    x = fire(net, x, 48, 192, "fire7");
    x = fire(net, x, 64, 256, "fire8");
    x = fire(net, x, 64, 256, "fire9");
    const std::string scores = net.conv(x, {dataset.classes, 1, 1, 0, true}, "conv10");
    net.center_outputs(scores);
    x = net.relu(scores, "conv10_relu");
    return net.finish(net.flatten(net.global_average_pool(x, "avgpool"), "flatten"));
}

}  // namespace

CIMVP_REGISTER_ZOO_FAMILY("squeezenet11", "SqueezeNet 1.1", build_squeezenet11);

}  // namespace cimvp::zoo
