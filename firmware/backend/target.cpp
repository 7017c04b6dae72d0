#include "firmware/backend/target.h"

#include <set>

#include "models/cim/sram_cim_macro.h"
#include "platform/netlist.h"

namespace cimvp::backend {
namespace {

class TargetReader {
public:
    explicit TargetReader(const Platform& platform) : platform_(platform), netlist_(platform.netlist()) {}

    Target read() {
        Target target;
        target.file = netlist_.file;
        target.scheduler = engine(first_of_type("scheduler"), "scheduler", where_of_file());
        target.dram = region(first_of_type("dram_controller"), "dram_controller", where_of_file());
        const YAML::Node cores = child_or_undefined(netlist_.root, "cores");
        if (cores) {
            read_cores(cores, target);
        } else {
            target.cores.push_back(whole_chip());
        }
        check_geometry(target);
        return target;
    }

private:
    SourceLocation where_of_file() const { return SourceLocation{netlist_.file, 0, 0}; }
    static SourceLocation where_of(const YAML::Node& node, const std::string& file) {
        return SourceLocation{file, node.Mark().line + 1, node.Mark().column + 1};
    }

    [[noreturn]] void fail(const SourceLocation& where, const std::string& message) const {
        throw ConfigError(where, "compiler target: " + message);
    }

    std::vector<std::string> instances_of_type(const std::string& type) const {
        std::vector<std::string> names;
        for (const ModuleDecl& module : netlist_.modules) {
            if (module.type == type) names.push_back(module.name);
        }
        return names;
    }

    std::string first_of_type(const std::string& type) const {
        const std::vector<std::string> names = instances_of_type(type);
        if (names.empty()) fail(where_of_file(), "the platform has no '" + type + "' instance");
        return names.front();
    }

    // The instance `name`, checked to be of `type`.
    void check_type(const std::string& name, const std::string& type, const SourceLocation& where) const {
        const Component* component = platform_.find(name);
        if (component == nullptr) fail(where, "no instance '" + name + "'");
        if (component->type_name() != type) {
            fail(where, "'" + name + "' is a " + component->type_name() + ", not a " + type);
        }
    }

    MemoryRegion region(const std::string& name, const std::string& type, const SourceLocation& where) const {
        check_type(name, type, where);
        const auto window = platform_.address_map().find(name);
        if (!window) fail(where, "'" + name + "' is not mapped behind a router, so no address reaches it");
        return MemoryRegion{name, window->base, window->size};
    }

    MacroTarget macro(const std::string& name, const SourceLocation& where) const {
        check_type(name, "sram_cim_macro", where);
        if (!platform_.address_map().find(name)) fail(where, "macro '" + name + "' has no register window");
        const auto* model = dynamic_cast<const SramCimMacro*>(platform_.find(name));
        return MacroTarget{name, model->params().geometry};
    }

    std::string engine(const std::string& name, const std::string& type, const SourceLocation& where) const {
        check_type(name, type, where);
        if (!platform_.address_map().find(name)) fail(where, "'" + name + "' has no register window");
        return name;
    }

    // No `cores:`: every macro, the first DMA engine and vector unit, and the largest SRAM buffer.
    CoreTarget whole_chip() const {
        CoreTarget core;
        core.name = "chip";
        for (const std::string& name : instances_of_type("sram_cim_macro")) {
            core.macros.push_back(macro(name, where_of_file()));
        }
        if (core.macros.empty()) fail(where_of_file(), "the platform has no 'sram_cim_macro' instance");
        core.dma = engine(first_of_type("dma_engine"), "dma_engine", where_of_file());
        core.vector_unit = engine(first_of_type("vector_unit"), "vector_unit", where_of_file());
        for (const std::string& name : instances_of_type("sram_buffer")) {
            const MemoryRegion candidate = region(name, "sram_buffer", where_of_file());
            if (candidate.size > core.buffer.size) core.buffer = candidate;
        }
        if (core.buffer.size == 0) fail(where_of_file(), "the platform has no mapped 'sram_buffer' instance");
        return core;
    }

    std::string scalar(const YAML::Node& entry, const std::string& key) const {
        const YAML::Node value = child_or_undefined(entry, key);
        if (!value || !value.IsScalar()) fail(where_of(entry, netlist_.file), "cores entry needs '" + key + "'");
        return value.Scalar();
    }

    void read_cores(const YAML::Node& cores, Target& target) const {
        if (!cores.IsSequence() || cores.size() == 0) {
            fail(where_of(cores, netlist_.file), "'cores' must be a non-empty list");
        }
        std::set<std::string> used;
        for (const YAML::Node& entry : cores) {
            const SourceLocation where = where_of(entry, netlist_.file);
            if (!entry.IsMap()) fail(where, "each 'cores' entry is a map");
            reject_unknown_keys(entry, {"name", "macros", "buffer", "weights", "dma", "vector", "pool_macro", "crossbar"},
                                netlist_.file, "a cores entry");
            CoreTarget core;
            core.name = scalar(entry, "name");
            const YAML::Node macros = child_or_undefined(entry, "macros");
            if (!macros || !macros.IsSequence() || macros.size() == 0) {
                fail(where, "core '" + core.name + "' needs a non-empty 'macros' list");
            }
            for (const YAML::Node& name : macros) {
                const SourceLocation at = where_of(name, netlist_.file);
                if (!used.insert(name.Scalar()).second) fail(at, "macro '" + name.Scalar() + "' is in two cores");
                core.macros.push_back(macro(name.Scalar(), at));
            }
            core.buffer = region(scalar(entry, "buffer"), "sram_buffer", where_of(entry["buffer"], netlist_.file));
            if (child_or_undefined(entry, "weights")) {
                core.weight_buffer =
                    region(scalar(entry, "weights"), "sram_buffer", where_of(entry["weights"], netlist_.file));
            }
            core.dma = engine(scalar(entry, "dma"), "dma_engine", where_of(entry["dma"], netlist_.file));
            core.vector_unit = engine(scalar(entry, "vector"), "vector_unit", where_of(entry["vector"], netlist_.file));
            const bool has_pool = bool(child_or_undefined(entry, "pool_macro"));
            if (has_pool != bool(child_or_undefined(entry, "crossbar"))) {
                fail(where, "core '" + core.name + "' needs both 'pool_macro' and 'crossbar', or neither");
            }
            if (has_pool) {
                const std::string pool = scalar(entry, "pool_macro");
                const SourceLocation at = where_of(entry["pool_macro"], netlist_.file);
                if (!used.insert(pool).second) fail(at, "macro '" + pool + "' is in two cores");
                core.pool_macro = macro(pool, at);
                core.crossbar =
                    engine(scalar(entry, "crossbar"), "permutation_crossbar", where_of(entry["crossbar"], netlist_.file));
            }
            target.cores.push_back(core);
        }
    }

    void check_geometry(const Target& target) const {
        const CimGeometry& first = target.geometry();
        for (const CoreTarget& core : target.cores) {
            for (const MacroTarget& m : core.macros) {
                const CimGeometry& g = m.geometry;
                if (g.rows != first.rows || g.columns != first.columns || g.bits_per_cell != first.bits_per_cell ||
                    g.max_active_wl != first.max_active_wl || g.columns_per_adc != first.columns_per_adc) {
                    fail(where_of_file(), "macro '" + m.instance + "' differs in geometry from '" +
                                              target.cores.front().macros.front().instance +
                                              "'; the back end maps onto identical macros");
                }
            }
        }
    }

    const Platform& platform_;
    const Netlist& netlist_;
};

}  // namespace

int Target::macro_count() const {
    int count = 0;
    for (const CoreTarget& core : cores) count += static_cast<int>(core.macros.size());
    return count;
}

bool Target::has_pool_hardware() const {
    for (const CoreTarget& core : cores) {
        if (!core.pool_macro) return false;
    }
    return true;
}

std::vector<int> Target::core_of_macro() const {
    std::vector<int> cores_by_macro;
    for (size_t c = 0; c < cores.size(); ++c) {
        cores_by_macro.insert(cores_by_macro.end(), cores[c].macros.size(), static_cast<int>(c));
    }
    return cores_by_macro;
}

Target describe_target(const Platform& platform) { return TargetReader(platform).read(); }

}  // namespace cimvp::backend
