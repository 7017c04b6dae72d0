// Timing, organisation and supply-current tables of the DRAM standards the controller supports.
// Every entry is the default text of a DramController parameter, so each one can be overridden
// from the netlist; docs/models.md gives the published source of every number.
#pragma once

#include <string>
#include <vector>

namespace cimvp {

// Datasheet currents of one device on one supply rail (DRAMPower's IDD set). Rails that a
// datasheet specifies with a shared limit (e.g. DDR4 IPP3N for IDD2N..IDD4W) repeat that value.
struct DramRailCurrents {
    const char* rail;  // "vdd", "vpp", "vdd1", "vdd2": the suffix of the current parameters
    const char* voltage;
    const char* idd0;   // one bank ACTIVATE-to-PRECHARGE
    const char* idd2n;  // precharge standby
    const char* idd3n;  // active standby
    const char* idd4r;  // burst read
    const char* idd4w;  // burst write
    const char* idd5b;  // burst (all-bank) refresh
};

struct DramStandard {
    const char* name;
    const char* device;  // the datasheet part the currents and organisation come from

    // Organisation of one channel (one rank).
    const char* data_clock;  // the command/data clock; data moves on both edges
    int burst_length;
    int bus_width_bits;
    int devices_per_rank;
    int banks;
    int bank_groups;
    const char* row_size;  // bytes of one row across the rank
    const char* size;

    // Timings (JEDEC names).
    const char* tRCD;
    const char* tRP;
    const char* tCL;
    const char* tCWL;
    const char* tRAS;
    const char* tRC;
    const char* tRFC;
    const char* tREFI;
    const char* tCCD_S;
    const char* tCCD_L;
    const char* tRRD_S;
    const char* tRRD_L;
    const char* tFAW;
    const char* tWR;
    const char* tWTR_S;
    const char* tWTR_L;
    const char* tRTP;

    DramRailCurrents rails[2];
};

// The table entry for `name`, or nullptr when the standard is not supported.
const DramStandard* find_dram_standard(const std::string& name);
std::vector<std::string> dram_standard_names();

}  // namespace cimvp
