#include "firmware/compiler/zoo/zoo.h"

#include <map>
#include <stdexcept>

namespace cimvp::zoo {
namespace {

struct Family {
    std::string description;
    FamilyBuilder builder;
};

std::map<std::string, Family>& families() {
    static std::map<std::string, Family> table;
    return table;
}

std::string dataset_text(const Dataset& dataset) {
    const std::string name = dataset.is_cifar() ? "CIFAR-" + std::to_string(dataset.classes) : "ImageNet";
    const std::string size = std::to_string(dataset.image_size);
    return name + " (1x3x" + size + "x" + size + ", " + std::to_string(dataset.classes) + " classes)";
}

}  // namespace

const std::vector<Dataset>& datasets() {
    static const std::vector<Dataset> all{{"", 224, 1000}, {"_cifar10", 32, 10}, {"_cifar100", 32, 100}};
    return all;
}

FamilyRegistrar::FamilyRegistrar(const std::string& family, const std::string& description, FamilyBuilder builder) {
    families()[family] = Family{description, std::move(builder)};
}

std::vector<ModelInfo> list_models() {
    std::vector<ModelInfo> models;
    for (const auto& [family, entry] : families()) {
        for (const auto& dataset : datasets()) {
            models.push_back({family + dataset.suffix, entry.description + ", " + dataset_text(dataset)});
        }
    }
    return models;
}

bool has_model(const std::string& name) {
    for (const auto& model : list_models()) {
        if (model.name == name) return true;
    }
    return false;
}

ir::Graph build_model(const std::string& name, uint64_t seed) {
    for (const auto& [family, entry] : families()) {
        for (const auto& dataset : datasets()) {
            if (family + dataset.suffix == name) return entry.builder(name, dataset, seed);
        }
    }
    throw std::runtime_error("unknown zoo model '" + name + "' (see `cimvp zoo list`)");
}

int64_t trainable_parameter_count(const ir::Graph& graph) {
    int64_t count = 0;
    for (const auto& [name, tensor] : graph.initializers) {
        const bool statistics = name.size() > 5 && (name.compare(name.size() - 5, 5, ".mean") == 0 ||
                                                    name.compare(name.size() - 4, 4, ".var") == 0);
        if (!statistics) count += tensor.element_count();
    }
    return count;
}

}  // namespace cimvp::zoo
