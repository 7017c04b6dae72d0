// BusyCalendar: a request takes the first free stretch at or after its arrival that holds it, so a
// booking made ahead of time (temporal decoupling) does not delay an earlier request that fits
// before it; arrivals in time order are served exactly as by a single busy-until time.
#include "platform/busy_calendar.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

using cimvp::BusyCalendar;

TEST(BusyCalendar, InTimeOrderItIsABusyUntilTime) {
    std::mt19937_64 random(7);
    BusyCalendar calendar;
    uint64_t busy_until = 0, arrival = 0;
    for (int i = 0; i < 2000; ++i) {
        arrival += random() % 12;  // sometimes before the resource is free, sometimes after
        const uint64_t duration = random() % 10;
        const uint64_t expected = std::max(arrival, busy_until);
        ASSERT_EQ(calendar.book(arrival, duration, arrival), expected) << "request " << i;
        busy_until = expected + duration;
    }
    EXPECT_EQ(calendar.last_end(), busy_until);
}

TEST(BusyCalendar, AnEarlierRequestTakesTheGapBeforeABookingAhead) {
    BusyCalendar calendar;
    EXPECT_EQ(calendar.book(1000, 100, 0), 1000u);  // booked a quantum ahead
    EXPECT_EQ(calendar.book(10, 50, 0), 10u);       // fits in [0, 1000)
    EXPECT_EQ(calendar.book(950, 50, 0), 950u);     // exactly fills up to the booking ahead
    EXPECT_EQ(calendar.intervals(), 2u);            // [10, 60) and [950, 1100), joined
}

TEST(BusyCalendar, ARequestThatDoesNotFitAGapGoesToTheNextOneThatDoes) {
    BusyCalendar calendar;
    calendar.book(100, 100, 0);  // [100, 200)
    calendar.book(230, 50, 0);   // [230, 280)
    calendar.book(300, 10, 0);   // [300, 310)
    // From 150: busy until 200, the gap [200, 230) is too short for 40, [280, 300) too, so 310.
    EXPECT_EQ(calendar.book(150, 40, 0), 310u);
    // 30 fits [200, 230) exactly and joins both neighbours.
    EXPECT_EQ(calendar.book(150, 30, 0), 200u);
    EXPECT_EQ(calendar.intervals(), 2u);  // [100, 280) and [300, 350)
    EXPECT_EQ(calendar.last_end(), 350u);
}

TEST(BusyCalendar, ZeroDurationsWaitForAFreeMomentAndBookNothing) {
    BusyCalendar calendar;
    calendar.book(100, 100, 0);
    EXPECT_EQ(calendar.book(150, 0, 0), 200u);  // as with a busy-until time
    EXPECT_EQ(calendar.book(50, 0, 0), 50u);
    EXPECT_EQ(calendar.book(500, 0, 0), 500u);
    EXPECT_EQ(calendar.intervals(), 1u);
}

TEST(BusyCalendar, BookingsOverBeforeTheKernelsTimeAreForgotten) {
    BusyCalendar calendar;
    for (uint64_t i = 0; i < 100; ++i) calendar.book(i * 20, 10, 0);  // 100 separate bookings, all ahead
    EXPECT_EQ(calendar.intervals(), 100u);
    // At 1500 only the bookings ending after it can matter: [1500, 1510) onwards, 25 of them.
    EXPECT_EQ(calendar.book(1505, 5, 1500), 1510u);
    EXPECT_EQ(calendar.intervals(), 25u);
}

// The same requests in any order leave no two bookings overlapping, and each starts at or after
// its arrival.
TEST(BusyCalendar, BookingsNeverOverlapWhateverTheOrder) {
    std::mt19937_64 random(11);
    BusyCalendar calendar;
    std::vector<std::pair<uint64_t, uint64_t>> taken;
    for (int i = 0; i < 3000; ++i) {
        const uint64_t now = static_cast<uint64_t>(i) * 3;
        const uint64_t arrival = now + random() % 1000;  // up to a "quantum" ahead of the kernel
        const uint64_t duration = 1 + random() % 20;
        const uint64_t start = calendar.book(arrival, duration, now);
        ASSERT_GE(start, arrival);
        for (const auto& [begin, end] : taken) {
            ASSERT_TRUE(start + duration <= begin || end <= start) << "request " << i << " overlaps";
        }
        taken.emplace_back(start, start + duration);
    }
}

// cover() counts busy time from spans that overlap and come out of time order: each part is
// reported once, in time order, and the bookings join into disjoint intervals.
TEST(BusyCalendar, CoverReportsOnlyTheNewlyBusyParts) {
    BusyCalendar calendar;
    std::vector<std::pair<uint64_t, uint64_t>> parts;
    const auto collect = [&](uint64_t from, uint64_t to) { parts.emplace_back(from, to); };
    calendar.cover(10, 20, collect);
    calendar.cover(40, 50, collect);
    calendar.cover(60, 70, collect);
    calendar.cover(0, 30, collect);   // around [10, 20)
    calendar.cover(45, 65, collect);  // from inside [40, 50) to inside [60, 70)
    calendar.cover(70, 80, collect);  // touches [60, 70): joins it
    calendar.cover(12, 18, collect);  // nothing new
    const std::vector<std::pair<uint64_t, uint64_t>> expected = {{10, 20}, {40, 50}, {60, 70}, {0, 10},
                                                                 {20, 30}, {50, 60}, {70, 80}};
    EXPECT_EQ(parts, expected);
    EXPECT_EQ(calendar.intervals(), 2u);  // [0, 30) and [40, 80)
    EXPECT_EQ(calendar.last_end(), 80u);
}

TEST(BusyCalendar, CoverCountsTimeBeforeAForgottenEndAsBusy) {
    BusyCalendar calendar;
    uint64_t newly = 0;
    const auto add = [&](uint64_t from, uint64_t to) { newly += to - from; };
    calendar.cover(0, 10, add);
    calendar.forget_before(12);
    calendar.cover(5, 15, add);  // [0, 10) is forgotten at 12; [5, 10) was counted with it
    EXPECT_EQ(newly, 15u);
}
