// `cimvp zoo`: lists the model zoo and exports its networks as ONNX.
#include <iostream>
#include <stdexcept>

#include "firmware/compiler/onnx/onnx_export.h"
#include "firmware/compiler/zoo/zoo.h"
#include "platform/cli/command.h"

namespace cimvp::cli {
namespace {

[[noreturn]] void usage_error(const std::string& message) {
    throw std::runtime_error("cimvp zoo: error: " + message + " (see cimvp zoo --help)");
}

int list_models() {
    for (const auto& model : zoo::list_models()) {
        std::cout << model.name << std::string(model.name.size() < 22 ? 22 - model.name.size() : 1, ' ')
                  << model.description << "\n";
    }
    return 0;
}

int export_model(const std::vector<std::string>& args) {
    std::string name, out;
    uint64_t seed = zoo::kDefaultSeed;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const bool has_value = i + 1 < args.size();
        if (args[i] == "--out" && has_value) {
            out = args[++i];
        } else if (args[i] == "--seed" && has_value) {
            const std::string text = args[++i];
            if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
                usage_error("--seed expects a non-negative integer, got '" + text + "'");
            }
            seed = std::stoull(text);
        } else if (args[i] == "--out" || args[i] == "--seed") {
            usage_error("option " + args[i] + " needs a value");
        } else if (args[i].rfind("--", 0) == 0) {
            usage_error("unknown option '" + args[i] + "'");
        } else if (name.empty()) {
            name = args[i];
        } else {
            usage_error("unexpected argument '" + args[i] + "'");
        }
    }
    if (name.empty()) usage_error("export needs a model NAME (see cimvp zoo list)");
    if (out.empty()) usage_error("export needs --out FILE.onnx");
    if (!zoo::has_model(name))
        throw std::runtime_error("cimvp zoo: error: unknown zoo model '" + name + "' (see cimvp zoo list)");
    ir::export_onnx(zoo::build_model(name, seed), out);
    std::cout << "wrote " << name << " to " << out << "\n";
    return 0;
}

int run(const std::vector<std::string>& args) {
    if (args.empty()) usage_error("missing subcommand, expected list or export");
    if (args[0] == "list") {
        if (args.size() > 1) usage_error("list takes no arguments");
        return list_models();
    }
    if (args[0] == "export") return export_model(args);
    usage_error("unknown subcommand '" + args[0] + "', expected list or export");
}

}  // namespace

CIMVP_REGISTER_COMMAND("zoo", "list the model zoo, or export a zoo network as ONNX",
                       "usage: cimvp zoo list\n"
                       "       cimvp zoo export NAME --out FILE.onnx [--seed N]\n\n"
                       "Zoo networks are built in code with deterministic random weights (seed 1 unless\n"
                       "--seed is given). NAME is FAMILY for the ImageNet form (1x3x224x224, 1000 classes)\n"
                       "or FAMILY_cifar10 / FAMILY_cifar100 for the CIFAR forms (1x3x32x32); `list` prints\n"
                       "them all. Elsewhere a zoo network is named zoo:NAME, e.g. cimvp infer zoo:resnet18.\n",
                       run);

}  // namespace cimvp::cli
