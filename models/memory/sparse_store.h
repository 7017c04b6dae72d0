// Page-granular sparse backing store for simulated memories. A large device (a 4 GiB DRAM) costs
// host memory only for the pages that were written with non-zero data; every other byte reads as zero.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

namespace cimvp {

class SparseStore {
public:
    static constexpr uint64_t kDefaultPageBytes = 4096;

    // `size` bytes of address space, allocated in pages of `page_bytes` (a power of two).
    explicit SparseStore(uint64_t size, uint64_t page_bytes = kDefaultPageBytes);
    SparseStore(const SparseStore&) = delete;
    SparseStore& operator=(const SparseStore&) = delete;

    uint64_t size() const { return size_; }
    uint64_t page_bytes() const { return page_bytes_; }

    // True when [address, address + length) lies inside the store (overflow-safe).
    bool contains(uint64_t address, uint64_t length) const;

    // Copy bytes out of / into the store. Both throw std::out_of_range outside the store;
    // callers that face untrusted addresses check contains() first.
    void read(uint64_t address, uint8_t* destination, uint64_t length) const;
    void write(uint64_t address, const uint8_t* source, uint64_t length);

    // Host memory held for data: allocated pages times the page size.
    uint64_t resident_bytes() const { return pages_.size() * page_bytes_; }
    uint64_t resident_pages() const { return pages_.size(); }

private:
    void check(uint64_t address, uint64_t length) const;

    uint64_t size_;
    uint64_t page_bytes_;
    unsigned page_shift_;
    std::unordered_map<uint64_t, std::unique_ptr<uint8_t[]>> pages_;
};

}  // namespace cimvp
