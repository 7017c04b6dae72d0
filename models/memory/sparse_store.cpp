#include "models/memory/sparse_store.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

namespace cimvp {

SparseStore::SparseStore(uint64_t size, uint64_t page_bytes) : size_(size), page_bytes_(page_bytes), page_shift_(0) {
    if (page_bytes_ == 0 || (page_bytes_ & (page_bytes_ - 1)) != 0) {
        throw std::invalid_argument("sparse store page size must be a power of two, got " +
                                    std::to_string(page_bytes_));
    }
    while ((uint64_t{1} << page_shift_) != page_bytes_) ++page_shift_;
}

bool SparseStore::contains(uint64_t address, uint64_t length) const {
    return address <= size_ && length <= size_ - address;
}

void SparseStore::check(uint64_t address, uint64_t length) const {
    if (!contains(address, length)) {
        throw std::out_of_range("sparse store access [" + std::to_string(address) + ", +" + std::to_string(length) +
                                ") is outside its " + std::to_string(size_) + " bytes");
    }
}

void SparseStore::read(uint64_t address, uint8_t* destination, uint64_t length) const {
    check(address, length);
    while (length > 0) {
        const uint64_t offset = address & (page_bytes_ - 1);
        const uint64_t chunk = std::min(length, page_bytes_ - offset);
        const auto page = pages_.find(address >> page_shift_);
        if (page == pages_.end()) {
            std::memset(destination, 0, chunk);
        } else {
            std::memcpy(destination, page->second.get() + offset, chunk);
        }
        address += chunk;
        destination += chunk;
        length -= chunk;
    }
}

void SparseStore::write(uint64_t address, const uint8_t* source, uint64_t length) {
    check(address, length);
    while (length > 0) {
        const uint64_t offset = address & (page_bytes_ - 1);
        const uint64_t chunk = std::min(length, page_bytes_ - offset);
        auto page = pages_.find(address >> page_shift_);
        if (page == pages_.end()) {
            // Zeros written to an untouched page change nothing, so a loader clearing a large
            // region does not make the store dense.
            const bool all_zero = std::all_of(source, source + chunk, [](uint8_t byte) { return byte == 0; });
            if (!all_zero) {
                std::unique_ptr<uint8_t[]> fresh(new uint8_t[page_bytes_]());
                page = pages_.emplace(address >> page_shift_, std::move(fresh)).first;
            }
        }
        if (page != pages_.end()) std::memcpy(page->second.get() + offset, source, chunk);
        address += chunk;
        source += chunk;
        length -= chunk;
    }
}

}  // namespace cimvp
