// Workload `program`: the host loads a program image (assembled text or binary), starts the
// scheduler on it and waits until it halts. A failing program ends the run with the scheduler's
// reason (PC, instruction, cause). Optionally reads a result region back into the report.
#pragma once

#include "firmware/host/program_loader.h"
#include "platform/workload.h"

namespace cimvp {

class ProgramWorkload : public Workload {
public:
    struct Params {
        std::string image;  // path relative to the scenario file
        uint64_t image_address;
        std::string scheduler;
        uint64_t output_address;  // 0: nothing to read back
        uint64_t output_bytes;
        explicit Params(ParamReader& reader);
    };

    explicit ProgramWorkload(const WorkloadContext& context);
    void run() override;
    bool report(nlohmann::json& results) const override;

private:
    Params params_;
    Platform& platform_;
    Host& host_;
    std::vector<uint8_t> image_bytes_;
    uint64_t scheduler_base_ = 0;
    ProgramOutcome outcome_;
    std::vector<uint8_t> output_;
};

}  // namespace cimvp
