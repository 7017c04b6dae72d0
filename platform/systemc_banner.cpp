// SystemC prints its banner from a static initializer, before sc_main could set
// SYSC_DISABLE_COPYRIGHT_MESSAGE. This definition takes the place of the library's printer in
// every cimvp executable, so reports, piped output and test listings stay clean.
// SystemC's licence is named in the README.
namespace sc_core {
void pln() {}
}  // namespace sc_core
