#include "compaction/key_map.h"

#include <xxhash.h>

#include <algorithm>

namespace sluice::compaction {

key_hash hash_key(protocol::bytes_view key) {
    XXH128_hash_t h = XXH3_128bits(key.data(), key.size());
    return {h.low64, h.high64};
}

key_map::key_map(size_t budget_bytes, double load_factor)
    : slots_(budget_bytes / entry_size),
      max_entries_(static_cast<size_t>(static_cast<double>(slots_) * std::clamp(load_factor, 0.0, 1.0))),
      entries_(slots_ > 0 ? new entry[slots_] : nullptr) {
    // One free slot at least, so a probe for a missing key always ends.
    if (max_entries_ >= slots_ && slots_ > 0) max_entries_ = slots_ - 1;
    clear();
}

void key_map::clear() {
    for (size_t i = 0; i < slots_; ++i) entries_[i].offset = -1;
    size_ = 0;
}

key_map::put_result key_map::put(const key_hash& key, int64_t offset) {
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
