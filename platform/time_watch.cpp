#include "platform/time_watch.h"

#include <algorithm>

namespace cimvp {

void TimeWatch::add(const void* owner, uint64_t due, Watcher watcher) {
    entries_.push_back(Entry{owner, due, std::move(watcher)});
    update_next_due();
}

void TimeWatch::remove(const void* owner) {
    entries_.erase(std::remove_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.owner == owner; }),
                   entries_.end());
    update_next_due();
}

void TimeWatch::run_due(uint64_t now) {
    // Watchers do not add or remove watchers.
    for (Entry& entry : entries_) {
        if (entry.due <= now) entry.due = entry.watcher(now);
    }
    update_next_due();
}

void TimeWatch::update_next_due() {
    next_due_ = std::numeric_limits<uint64_t>::max();
    for (const Entry& entry : entries_) next_due_ = std::min(next_due_, entry.due);
}

}  // namespace cimvp
