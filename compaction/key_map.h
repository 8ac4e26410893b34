#pragma once
// The cleaner's key -> latest offset map (Kafka's SkimpyOffsetMap).
//
// Keys are not stored: a key is its 128-bit XXH3 hash (a collision would
// need ~2^64 keys). Open addressing with linear probing over fixed 24-byte
// entries (16-byte hash, 8-byte offset; offset -1 marks a free slot),
// allocated once from a byte budget (log.cleaner.dedupe.buffer.size) and
// never grown: allocated_bytes() <= the budget. At most load_factor of the
// slots are used (log.cleaner.io.buffer.load.factor), so probes stay short;
// put() reports `full` instead, and the cleaner ends its pass there.
//
// Not thread-safe: one map per cleaner thread, reused across passes.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "protocol/wire.h"

namespace sluice::compaction {

struct key_hash {
    uint64_t low = 0;
    uint64_t high = 0;
    bool operator==(const key_hash&) const = default;
};

key_hash hash_key(protocol::bytes_view key);

class key_map {
public:
    static constexpr size_t entry_size = 24;
    enum class put_result { inserted, updated, full };

    key_map(size_t budget_bytes, double load_factor);
    key_map(const key_map&) = delete;
    key_map& operator=(const key_map&) = delete;

    // Records `offset` as the latest for `key`; offsets only grow. The table
    // starts small and doubles (rehashing) up to the budget, so a cleaner
    // that only ever sees a few keys never touches the whole budget.
    put_result put(const key_hash& key, int64_t offset);
    // The latest offset of `key`, -1 if absent.
    int64_t get(const key_hash& key) const;
    void clear();
    // Gives the memory back (between cleanings); the next put starts small.
    void release();

    size_t size() const { return size_; }
    size_t max_entries() const { return max_entries_; }
    size_t slots() const { return slots_; }
    size_t allocated_bytes() const { return slots_ * sizeof(entry); }

private:
    struct entry {
        key_hash hash;
        int64_t offset;
    };
    static_assert(sizeof(entry) == entry_size);
    size_t home_slot(const key_hash& key) const {
        // Lemire's multiply-shift range reduction: any slot count, no modulo.
        return static_cast<size_t>((static_cast<unsigned __int128>(key.low) * slots_) >> 64);
    }

    void allocate(size_t slots);
    bool grow();

    size_t budget_slots_;
    double load_factor_;
    size_t slots_ = 0;
    size_t max_entries_ = 0;
    size_t size_ = 0;
    std::unique_ptr<entry[]> entries_;
};

}  // namespace sluice::compaction
