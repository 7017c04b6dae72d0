// Shared entry point of every test executable. SystemC's main() calls this sc_main; any SystemC
// warning or error raised during a test is turned into a test failure.
#include <gtest/gtest.h>

#include <systemc>

#include <cstdlib>

namespace {

void fail_on_report(const sc_core::sc_report& report, const sc_core::sc_actions& actions) {
    if (report.get_severity() >= sc_core::SC_WARNING) {
        ADD_FAILURE() << "SystemC " << (report.get_severity() == sc_core::SC_WARNING ? "warning" : "error") << ": "
                      << report.get_msg_type() << ": " << report.get_msg();
    }
    sc_core::sc_report_handler::default_handler(report, actions & ~sc_core::SC_DISPLAY);
}

}  // namespace

int sc_main(int argc, char** argv) {
    setenv("SYSC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    sc_core::sc_report_handler::set_handler(fail_on_report);
    testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
