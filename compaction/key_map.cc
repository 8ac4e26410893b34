#include "compaction/key_map.h"

#include <xxhash.h>

#include <algorithm>

namespace sluice::compaction {

key_hash hash_key(protocol::bytes_view key) {
    XXH128_hash_t h = XXH3_128bits(key.data(), key.size());
    return {h.low64, h.high64};
}

namespace {
constexpr size_t initial_slots = size_t{1} << 14;  // 384 KiB
}

key_map::key_map(size_t budget_bytes, double load_factor)
    : budget_slots_(budget_bytes / entry_size), load_factor_(std::clamp(load_factor, 0.0, 1.0)) {}

void key_map::allocate(size_t slots) {
    slots_ = slots;
    max_entries_ = static_cast<size_t>(static_cast<double>(slots_) * load_factor_);
    // One free slot at least, so a probe for a missing key always ends.
    if (max_entries_ >= slots_ && slots_ > 0) max_entries_ = slots_ - 1;
    entries_.reset(slots_ > 0 ? new entry[slots_] : nullptr);
    for (size_t i = 0; i < slots_; ++i) entries_[i].offset = -1;
}

bool key_map::grow() {
    if (slots_ >= budget_slots_) return false;
    size_t next = slots_ == 0 ? std::min(initial_slots, budget_slots_) : std::min(slots_ * 2, budget_slots_);
    std::unique_ptr<entry[]> old = std::move(entries_);
    size_t old_slots = slots_;
    allocate(next);
    for (size_t i = 0; i < old_slots; ++i) {
        const entry& e = old[i];
        if (e.offset < 0) continue;
        size_t j = home_slot(e.hash);
        while (entries_[j].offset >= 0) j = j + 1 == slots_ ? 0 : j + 1;
        entries_[j] = e;
    }
    return true;
}

void key_map::clear() {
    for (size_t i = 0; i < slots_; ++i) entries_[i].offset = -1;
    size_ = 0;
}

void key_map::release() {
    entries_.reset();
    slots_ = 0;
    max_entries_ = 0;
    size_ = 0;
}

key_map::put_result key_map::put(const key_hash& key, int64_t offset) {
    // Room for one more entry, growing first if the budget allows.
    while (size_ >= max_entries_ || slots_ == 0) {
        if (!grow()) break;
    }
    if (slots_ == 0) return put_result::full;
    for (size_t i = home_slot(key);; i = i + 1 == slots_ ? 0 : i + 1) {
        entry& e = entries_[i];
        if (e.offset < 0) {
            if (size_ >= max_entries_) return put_result::full;
            e.hash = key;
            e.offset = offset;
            ++size_;
            return put_result::inserted;
        }
        if (e.hash == key) {
            e.offset = std::max(e.offset, offset);
            return put_result::updated;
        }
    }
}

int64_t key_map::get(const key_hash& key) const {
    if (slots_ == 0) return -1;
    for (size_t i = home_slot(key);; i = i + 1 == slots_ ? 0 : i + 1) {
        const entry& e = entries_[i];
        if (e.offset < 0) return -1;
        if (e.hash == key) return e.offset;
    }
}

}  // namespace sluice::compaction
