// LocalTime skips a wait only when no other process could run before it ends: every other process
// then sees the same state at the same simulated time as with plain waits.
#include "platform/local_time.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

using namespace cimvp;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

// A module whose one thread runs `body`.
struct Thread : sc_core::sc_module {
    std::function<void()> body;
    Thread(sc_core::sc_module_name name, std::function<void()> run) : sc_module(name), body(std::move(run)) {
        SC_THREAD(main);
    }
    SC_HAS_PROCESS(Thread);
    void main() { body(); }
};

void set_quantum(double ns) { tlm::tlm_global_quantum::instance().set(sc_time(ns, SC_NS)); }

}  // namespace

TEST(LocalTime, AloneItRunsAheadWithoutWaitingUntilAQuantumBuildsUp) {
    set_quantum(1000);
    std::vector<double> kernel_ns, local_ns;
    Thread steps("steps", [&] {
        LocalTime time;
        for (int step = 0; step < 150; ++step) {
            time.elapse(sc_time(10, SC_NS));
            kernel_ns.push_back(sc_core::sc_time_stamp().to_seconds() * 1e9);
            local_ns.push_back(time.now().to_seconds() * 1e9);
        }
        time.sync();
    });
    sc_core::sc_start();
    ASSERT_EQ(local_ns.size(), 150u);
    for (size_t i = 0; i < local_ns.size(); ++i) EXPECT_DOUBLE_EQ(local_ns[i], 10.0 * (i + 1));
    // Nothing else is due, so the kernel stays at 0 until the thread is a whole quantum ahead.
    EXPECT_DOUBLE_EQ(kernel_ns[98], 0);
    EXPECT_DOUBLE_EQ(kernel_ns[99], 1000);
    EXPECT_DOUBLE_EQ(kernel_ns[149], 1000);
    EXPECT_DOUBLE_EQ(sc_core::sc_time_stamp().to_seconds() * 1e9, 1500);
}

TEST(LocalTime, AnotherProcessDueInsideTheStepSeesWhatItWouldAfterEveryWait) {
    set_quantum(1000);
    int steps_done = 0;
    int seen_at_55ns = -1;
    double kernel_after_sixth = -1;
    Thread steps("steps", [&] {
        LocalTime time;
        for (int step = 0; step < 10; ++step) {
            time.elapse(sc_time(10, SC_NS));
            if (step == 5) kernel_after_sixth = sc_core::sc_time_stamp().to_seconds() * 1e9;
            ++steps_done;
        }
    });
    Thread observer("observer", [&] {
        sc_core::wait(sc_time(55, SC_NS));
        seen_at_55ns = steps_done;
    });
    sc_core::sc_start();
    // With a wait per step, steps 1..5 end by 50 ns and step 6 at 60 ns.
    EXPECT_EQ(seen_at_55ns, 5);
    EXPECT_DOUBLE_EQ(kernel_after_sixth, 60);
    EXPECT_EQ(steps_done, 10);
}

TEST(LocalTime, AProcessDueAtTheSameInstantMakesItWait) {
    set_quantum(1000);
    double kernel_after_third = -1;
    Thread steps("steps", [&] {
        LocalTime time;
        for (int step = 0; step < 3; ++step) time.elapse(sc_time(10, SC_NS));
        kernel_after_third = sc_core::sc_time_stamp().to_seconds() * 1e9;
    });
    Thread observer("observer", [] { sc_core::wait(sc_time(30, SC_NS)); });
    sc_core::sc_start();
    // The observer is due at 30 ns too: the kernel, not the thread, orders the two there.
    EXPECT_DOUBLE_EQ(kernel_after_third, 30);
}

TEST(LocalTime, WaitUntilCatchesUpBeforeBlockingOnTheEvent) {
    set_quantum(1000);
    sc_core::sc_event ready_event;
    bool ready = false;
    double woke_ns = -1, local_ns = -1;
    Thread waiter("waiter", [&] {
        LocalTime time;
        time.elapse(sc_time(30, SC_NS));
        time.wait_until([&] { return ready; }, ready_event);
        woke_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
        local_ns = time.now().to_seconds() * 1e9;
    });
    Thread setter("setter", [&] {
        sc_core::wait(sc_time(40, SC_NS));
        ready = true;
        ready_event.notify(sc_core::SC_ZERO_TIME);
    });
    sc_core::sc_start();
    EXPECT_DOUBLE_EQ(woke_ns, 40);
    EXPECT_DOUBLE_EQ(local_ns, 40);
}

TEST(LocalTime, AConditionAlreadyTrueAfterCatchingUpNeedsNoEvent) {
    set_quantum(1000);
    sc_core::sc_event never;
    bool ready = false;
    double woke_ns = -1;
    Thread waiter("waiter", [&] {
        LocalTime time;
        time.elapse(sc_time(50, SC_NS));  // the setter is due at 40 ns: this waits until 50 ns
        time.wait_until([&] { return ready; }, never);
        woke_ns = sc_core::sc_time_stamp().to_seconds() * 1e9;
    });
    Thread setter("setter", [&] {
        sc_core::wait(sc_time(40, SC_NS));
        ready = true;
    });
    sc_core::sc_start();
    EXPECT_DOUBLE_EQ(woke_ns, 50);
}

TEST(LocalTime, AZeroStepStillYieldsToAProcessDueNow) {
    set_quantum(1000);
    std::vector<std::string> order;
    sc_core::sc_event go;
    Thread first("first", [&] {
        LocalTime time;
        sc_core::wait(sc_time(5, SC_NS));
        go.notify();  // immediate: the second thread is runnable now
        time.elapse(sc_core::SC_ZERO_TIME);
        order.push_back("first");
    });
    Thread second("second", [&] {
        sc_core::wait(go);
        order.push_back("second");
    });
    sc_core::sc_start();
    // As wait(SC_ZERO_TIME) would: the process due now runs first.
    ASSERT_EQ(order.size(), 2u);
    EXPECT_EQ(order[0], "second");
    EXPECT_EQ(order[1], "first");
}
