// Strided accesses as TLM-2.0 byte-enable patterns. A read or write of `rows` rows of `row_bytes`,
// `stride` bytes apart, is one transaction over the span they cover, with a byte-enable pattern of
// `stride` bytes whose first `row_bytes` are enabled; the pattern repeats over the data (IEEE 1666
// section 14.14). Targets walk the enabled runs with for_each_enabled_run. The initiator may add
// a RowPattern extension that says the same thing in two numbers, so that targets need not scan
// the pattern; a target that ignores it reads the byte enables and moves the same bytes.
#pragma once

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <cstring>
#include <tlm>
#include <vector>

namespace cimvp {

// The hint: the pattern is `row_bytes` enabled bytes, then disabled bytes up to `stride`.
struct RowPattern : tlm::tlm_extension<RowPattern> {
    uint64_t row_bytes = 0;
    uint64_t stride = 0;
    tlm::tlm_extension_base* clone() const override { return new RowPattern(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override { *this = static_cast<const RowPattern&>(other); }
};

// The pattern for rows of `row_bytes` every `stride` bytes (row_bytes < stride).
inline void row_pattern(uint64_t row_bytes, uint64_t stride, std::vector<uint8_t>& pattern) {
    pattern.assign(stride, TLM_BYTE_DISABLED);
    std::fill(pattern.begin(), pattern.begin() + static_cast<std::ptrdiff_t>(row_bytes), TLM_BYTE_ENABLED);
}

// A run of enabled bytes [begin, end) within one period of a byte-enable pattern.
struct EnabledRun {
    uint64_t begin, end;
};
using EnabledRuns = boost::container::small_vector<EnabledRun, 4>;  // a pattern is usually one run

inline bool all_zero_32(const uint8_t* bytes) {
    uint64_t words[4];
    std::memcpy(words, bytes, sizeof words);
    return (words[0] | words[1] | words[2] | words[3]) == 0;
}

// The runs of enabled bytes in one period of the payload's byte-enable pattern.
inline EnabledRuns enabled_runs(const tlm::tlm_generic_payload& payload) {
    const uint8_t* pattern = payload.get_byte_enable_ptr();
    const uint64_t period = payload.get_byte_enable_length();
    EnabledRuns runs;
    const RowPattern* rows = payload.get_extension<RowPattern>();
    if (rows != nullptr && rows->stride == period && rows->row_bytes <= period) {
        runs.push_back(EnabledRun{0, rows->row_bytes});
        return runs;
    }
    for (uint64_t i = 0; i < period;) {
        // Disabled bytes are skipped 32 at a time (the gaps between rows are long); an enabled
        // run ends at the next zero byte.
        while (i + 32 <= period && all_zero_32(pattern + i)) i += 32;
        while (i < period && pattern[i] == TLM_BYTE_DISABLED) ++i;
        if (i == period) break;
        const auto* zero = static_cast<const uint8_t*>(std::memchr(pattern + i, TLM_BYTE_DISABLED, period - i));
        const uint64_t end = zero == nullptr ? period : static_cast<uint64_t>(zero - pattern);
        runs.push_back(EnabledRun{i, end});
        i = end;
    }
    return runs;
}

// Calls visit(offset, length) for each run of enabled bytes of `payload`'s data, in address order,
// with offsets from the payload's address. Without a byte-enable pointer the whole data is one run.
template <class Visit>
void for_each_enabled_run(const tlm::tlm_generic_payload& payload, Visit&& visit) {
    const uint64_t length = payload.get_data_length();
    const uint64_t period = payload.get_byte_enable_length();
    if (payload.get_byte_enable_ptr() == nullptr || period == 0) {
        if (length > 0) visit(uint64_t{0}, length);
        return;
    }
    // A run touching the period's end joins the next period's first run when both are enabled, so
    // runs are merged as they are visited.
    const EnabledRuns runs = enabled_runs(payload);
    uint64_t open_begin = 0, open_end = 0;  // the run not yet visited, [begin, end); empty when equal
    for (uint64_t base = 0; base < length; base += period) {
        for (const EnabledRun& run : runs) {
            const uint64_t begin = base + run.begin;
            if (begin >= length) break;
            const uint64_t end = std::min(length, base + run.end);
            if (open_end == begin && open_end > open_begin) {
                open_end = end;
                continue;
            }
            if (open_end > open_begin) visit(open_begin, open_end - open_begin);
            open_begin = begin;
            open_end = end;
        }
    }
    if (open_end > open_begin) visit(open_begin, open_end - open_begin);
}

// The bytes a payload actually moves: its enabled bytes, counted per period rather than per run.
inline uint64_t enabled_bytes(const tlm::tlm_generic_payload& payload) {
    const uint64_t length = payload.get_data_length();
    const uint64_t period = payload.get_byte_enable_length();
    if (payload.get_byte_enable_ptr() == nullptr || period == 0) return length;
    const uint64_t whole_periods = length / period, rest = length % period;
    uint64_t bytes = 0;
    for (const EnabledRun& run : enabled_runs(payload)) {
        bytes += whole_periods * (run.end - run.begin);
        if (run.begin < rest) bytes += std::min(run.end, rest) - run.begin;
    }
    return bytes;
}

}  // namespace cimvp
