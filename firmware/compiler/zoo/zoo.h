// The model zoo: networks built in code with deterministic random weights.
//
// Names are FAMILY for the ImageNet form (1x3x224x224 input, 1000 classes) and FAMILY_cifar10 /
// FAMILY_cifar100 for the CIFAR forms (1x3x32x32 input, 10 or 100 classes), e.g. resnet18,
// resnet18_cifar10, squeezenet11_cifar100. Each family registers itself from its own file.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "firmware/compiler/ir/graph.h"

namespace cimvp::zoo {

constexpr uint64_t kDefaultSeed = 1;

struct Dataset {
    std::string suffix;  // "" for ImageNet, "_cifar10", "_cifar100"
    int64_t image_size = 0;
    int64_t classes = 0;

    bool is_cifar() const { return image_size == 32; }
};

const std::vector<Dataset>& datasets();

using FamilyBuilder = std::function<ir::Graph(const std::string& model_name, const Dataset& dataset, uint64_t seed)>;

struct FamilyRegistrar {
    FamilyRegistrar(const std::string& family, const std::string& description, FamilyBuilder builder);
};

struct ModelInfo {
    std::string name;
    std::string description;  // one line, e.g. "ResNet-18, CIFAR-10 (1x3x32x32, 10 classes)"
};

// Every model name, sorted.
std::vector<ModelInfo> list_models();
bool has_model(const std::string& name);

// Throws std::runtime_error "unknown zoo model 'NAME' (see `cimvp zoo list`)" for an unknown name.
ir::Graph build_model(const std::string& name, uint64_t seed = kDefaultSeed);

// Parameters as a network library counts them: BN running statistics are buffers, not parameters.
int64_t trainable_parameter_count(const ir::Graph& graph);

}  // namespace cimvp::zoo

#define CIMVP_ZOO_CONCAT_INNER(a, b) a##b
#define CIMVP_ZOO_CONCAT(a, b) CIMVP_ZOO_CONCAT_INNER(a, b)
#define CIMVP_REGISTER_ZOO_FAMILY(family, description, builder) \
    static ::cimvp::zoo::FamilyRegistrar CIMVP_ZOO_CONCAT(cimvp_zoo_family_, __LINE__)(family, description, builder)
