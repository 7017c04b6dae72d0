// A thread's own time, allowed to run ahead of the kernel's while no other process could act in
// between. A wait that no other process would interleave with changes nothing but the kernel's
// bookkeeping: the thread reads and writes the same state at the same simulated times either way.
// So `elapse` waits only when another process is due at or before the thread's new time (or a
// quantum has built up), and the thread otherwise goes on at once with fewer process switches and
// identical results. Timed accesses are issued at now(): targets add the annotated delay to the
// kernel's time, so they see the same absolute times as after the waits.
#pragma once

#include <systemc>
#include <tlm>

#include "platform/kernel_time.h"
#include "platform/time_watch.h"

namespace cimvp {

class LocalTime {
public:
    sc_core::sc_time now() const { return kernel_time() + ahead_; }
    // How far the thread is ahead of the kernel: the delay to annotate on an access issued now().
    const sc_core::sc_time& ahead() const { return ahead_; }

    // What wait(duration) does, and waits only when it has to.
    void elapse(const sc_core::sc_time& duration) {
        ahead_ += duration;
        // Nothing else is due up to and including the new time. Strictly before: a process due at
        // that very instant keeps its place in the kernel's order relative to this one.
        if (ahead_ < tlm::tlm_global_quantum::instance().get() && sc_core::sc_time_to_pending_activity() > ahead_) {
            return;
        }
        wait_ahead();  // a real wait, even of zero: wait(SC_ZERO_TIME) lets the processes due now run first
    }

    // Catches the kernel up with the thread: needed before the thread blocks on an event, or
    // notifies one, since those act at the kernel's time.
    void sync() {
        if (ahead_ != sc_core::SC_ZERO_TIME) wait_ahead();
    }

    // Waits for `event` until ready() holds, checking first and after every wake-up. The kernel
    // catches up before the first wait: the condition may change while it does.
    template <class Ready>
    void wait_until(Ready ready, const sc_core::sc_event& event) {
        if (ready()) return;
        sync();
        while (!ready()) {
            sc_core::wait(event);
            TimeWatch::check();
        }
    }

private:
    void wait_ahead() {
        const sc_core::sc_time behind = ahead_;
        ahead_ = sc_core::SC_ZERO_TIME;
        sc_core::wait(behind);
        TimeWatch::check();
    }

    sc_core::sc_time ahead_;
};

}  // namespace cimvp
