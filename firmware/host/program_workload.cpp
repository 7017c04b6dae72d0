#include "firmware/host/program_workload.h"

#include <filesystem>
#include <limits>

#include "firmware/isa/assembler.h"
#include "platform/platform.h"

namespace cimvp {

CIMVP_REGISTER_WORKLOAD("program", ProgramWorkload,
                        "loads a program image (.s or binary) and runs it on the scheduler until it halts");

ProgramWorkload::Params::Params(ParamReader& reader) {
    image = reader.text("image", std::nullopt, "program: assembler text (.s) or a binary image, relative to the scenario");
    image_address = static_cast<uint64_t>(reader.integer("image_address", std::nullopt, 0,
                                                         std::numeric_limits<int64_t>::max(),
                                                         "where the loader places the image's header and tables"));
    scheduler = reader.text("scheduler", std::string("sched"), "scheduler instance that runs the program");
    output_address = static_cast<uint64_t>(reader.integer("output_address", 0, 0, std::numeric_limits<int64_t>::max(),
                                                          "result region read back into the report (0: none)"));
    output_bytes = static_cast<uint64_t>(
        reader.integer("output_bytes", 0, 0, 1 << 20, "bytes of the result region, reported as hex"));
}

ProgramWorkload::ProgramWorkload(const WorkloadContext& context)
    : params_(read_params_of<Params>(context)),
      platform_(context.platform),
      host_(context.platform.get<Host>(context.host, "workload program")) {
    const std::string path =
        (std::filesystem::path(context.file).parent_path() / params_.image).lexically_normal().string();
    // Bad images are input errors: report them before anything is simulated.
    try {
        image_bytes_ = path.size() > 2 && path.compare(path.size() - 2, 2, ".s") == 0
                           ? isa::encode_image(isa::assemble_file(path))
                           : isa::read_file_bytes(path);
        isa::decode_image(image_bytes_);
    } catch (const ConfigError&) {
        throw;  // the assembler already names FILE:LINE:COL
    } catch (const std::exception& error) {
        throw ConfigError(context.where, std::string("workload program: ") + error.what());
    }
    const auto window = platform_.find(params_.scheduler) != nullptr && host_.context().address_map
                            ? host_.context().address_map->find(params_.scheduler)
                            : std::nullopt;
    if (!window) {
        throw ConfigError(context.where, "workload program: scheduler '" + params_.scheduler +
                                             "' is not in the platform's address map");
    }
    scheduler_base_ = window->base;
}

void ProgramWorkload::run() {
    load_program(host_, image_bytes_, params_.image_address);
    outcome_ = run_program(host_, scheduler_base_, params_.image_address, params_.scheduler, platform_);
    if (!outcome_.ok) throw SimulationError(outcome_.error);
    if (params_.output_address != 0 && params_.output_bytes != 0) {
        output_.resize(params_.output_bytes);
        host_.peek(params_.output_address, output_.data(), output_.size());
    }
}

bool ProgramWorkload::report(nlohmann::json& results) const {
    results = {{"type", "program"},
               {"image", params_.image},
               {"halted", outcome_.ok},
               {"instructions", outcome_.executed},
               {"interrupts", outcome_.interrupts},
               {"program_ns", outcome_.duration.to_seconds() * 1e9}};
    if (!output_.empty()) {
        std::string hex;
        for (uint8_t byte : output_) {
            static const char* digits = "0123456789abcdef";
            hex += digits[byte >> 4];
            hex += digits[byte & 15];
        }
        results["output_hex"] = hex;
    }
    return outcome_.ok;
}

}  // namespace cimvp
