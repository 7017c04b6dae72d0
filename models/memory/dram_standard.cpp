#include "models/memory/dram_standard.h"

namespace cimvp {
namespace {

// Sources (full citations in docs/models.md):
//  DDR4-2400: Micron 8Gb DDR4 SDRAM, MT40A512M16 (x16, die rev. B), speed grade -083 (17-17-17);
//             IDD/IPP limits as listed per device for the 4-device MTA4ATF51264AZ UDIMM; JEDEC
//             JESD79-4 speed-bin and 2KB-page timings.
//  LPDDR4-3200: JEDEC JESD209-4 timings for an 8Gb-per-channel x16 channel; per-channel IDD values
//             of the Micron LPDDR4-3200 part published in DRAMSys's MICRON_6Gb_LPDDR4-3200_32bit_A.
const DramStandard kStandards[] = {
    {"DDR4-2400",
     "Micron MT40A512M16 (8Gb x16 DDR4, -083), 4 devices per 64-bit rank",
     "1200MHz",
     8,
     64,
     4,
     8,
     2,
     "8KiB",
     "4GiB",
     "14.16ns",  // tRCD
     "14.16ns",  // tRP
     "14.16ns",  // tCL
     "10ns",     // tCWL (12 nCK)
     "32ns",     // tRAS
     "46.16ns",  // tRC
     "350ns",    // tRFC (8Gb)
     "7.8us",    // tREFI
     "3.333ns",  // tCCD_S (4 nCK)
     "5ns",      // tCCD_L
     "5.3ns",    // tRRD_S (2KB page)
     "6.4ns",    // tRRD_L (2KB page)
     "30ns",     // tFAW (2KB page)
     "15ns",     // tWR
     "2.5ns",    // tWTR_S
     "7.5ns",    // tWTR_L
     "7.5ns",    // tRTP
     {{"vdd", "1.2V", "80mA", "34mA", "47mA", "243mA", "228mA", "280mA"},
      {"vpp", "2.5V", "4mA", "3mA", "3mA", "3mA", "3mA", "28mA"}}},
    {"LPDDR4-3200",
     "Micron LPDDR4-3200 x16 channel (per-channel IDD), 1 channel per rank",
     "1600MHz",
     16,
     16,
     1,
     8,
     1,
     "2KiB",
     "1GiB",
     "18ns",     // tRCD
     "18ns",     // tRP (per bank)
     "17.5ns",   // tCL (RL 28 nCK)
     "8.75ns",   // tCWL (WL 14 nCK, set A)
     "42ns",     // tRAS
     "60ns",     // tRC
     "280ns",    // tRFC (all-bank, 8Gb per channel)
     "3.904us",  // tREFI
     "5ns",      // tCCD_S (8 nCK)
     "5ns",      // tCCD_L (no bank groups)
     "10ns",     // tRRD_S
     "10ns",     // tRRD_L
     "40ns",     // tFAW
     "18ns",     // tWR
     "10ns",     // tWTR_S
     "10ns",     // tWTR_L
     "7.5ns",    // tRTP
     {{"vdd1", "1.8V", "3.5mA", "2mA", "2.25mA", "2.25mA", "2.25mA", "10mA"},
      {"vdd2", "1.1V", "45mA", "27mA", "30mA", "275mA", "210mA", "90mA"}}},
};

}  // namespace

const DramStandard* find_dram_standard(const std::string& name) {
    for (const DramStandard& standard : kStandards) {
        if (name == standard.name) return &standard;
    }
    return nullptr;
}

std::vector<std::string> dram_standard_names() {
    std::vector<std::string> names;
    for (const DramStandard& standard : kStandards) names.emplace_back(standard.name);
    return names;
}

}  // namespace cimvp
