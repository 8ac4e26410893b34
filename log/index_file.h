#pragma once
// The fixed-size entries of one index file (`.index` or `.timeindex`), kept
// on disk instead of in memory. offset_index and time_index give the entries
// their meaning; this class only stores them.
//
// The file always holds exactly the first persisted() entries, back to back
// (no preallocation, no zero tail: kafka-dump-log reads an active segment's
// index as it is). Newer entries wait in a small buffer and are written in
// one pwrite once it holds pending_limit_bytes, or at persist() (roll,
// flush, close, recovery). Reads of written entries go through the
// thread's index_block_cache, so memory is bounded by that cache and by the
// buffer, whatever the size of the file. The file is opened only for a read
// that misses the cache, a write or a truncation: a partition keeps one
// descriptor per segment (its .log).
//
// Reads are values, never crashes: an entry that cannot be read (file cut
// or removed under us, I/O error) makes read() false, and callers answer as
// if the index had no entry there (a scan from further back).
//
// Not thread-safe: owned by its index, touched by the partition's owner
// executor; sync() may run on any thread (it only uses the path).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

namespace sluice::log {

class index_file {
public:
    // Entries not yet written are written once they reach this many bytes.
    static constexpr size_t pending_limit_bytes = 512;

    explicit index_file(size_t entry_size);
    index_file(const index_file&) = delete;
    index_file& operator=(const index_file&) = delete;

    // Names the file, creating it (empty) if missing; its entries are not
    // counted until load_entries() or reset().
    bool open(const std::filesystem::path& path);
    // Reads the whole file once, through a bounded buffer, handing each entry
    // to `check` (false: reject). On success the entries are the file's; on
    // failure (size not a multiple of the entry size, unreadable, rejected)
    // there are none and the file is left for reset() to clear.
    template <typename F>
    bool load_entries(F&& check);

    // Adds an entry (`entry_size` bytes) after the last one.
    void append(const uint8_t* entry);
    // Writes every entry not yet in the file.
    bool persist();
    // Keeps the first `count` entries (the file is cut too when it held more).
    bool truncate(size_t count);
    // No entries, empty file.
    bool reset();

    // Copies entry `i` (< size()) to `out`; false if it cannot be read.
    bool read(size_t i, uint8_t* out) const;
    // The number of leading entries for which `before(entry bytes)` is true,
    // for a predicate true on a prefix (entries are sorted); nullopt if an
    // entry could not be read. Searches the last block first (Kafka's "warm
    // section"): readers near the end touch one block, not log2(n).
    template <typename P>
    std::optional<size_t> partition_point(P&& before) const;

    size_t size() const { return persisted_ + pending_.size() / entry_size_; }
    size_t persisted() const { return persisted_; }
    bool sync() const;
    const std::filesystem::path& path() const { return path_; }

private:
    static int64_t load_block(const void* context, uint64_t position, uint8_t* out, size_t size);
    bool scan_file(bool (*each)(void*, const uint8_t*), void* context);

    size_t entry_size_;
    size_t block_entries_;  // entries per cache block
    std::filesystem::path path_;
    uint64_t file_id_ = 0;  // changes whenever written entries change (not when more are added)
    size_t persisted_ = 0;  // entries in the file
    std::vector<uint8_t> pending_;  // entries after those, not written yet
};

template <typename F>
bool index_file::load_entries(F&& check) {
    return scan_file([](void* f, const uint8_t* entry) { return (*static_cast<F*>(f))(entry); },
                     static_cast<void*>(&check));
}

template <typename P>
std::optional<size_t> index_file::partition_point(P&& before) const {
    uint8_t entry[16];
    size_t lo = 0;
    size_t hi = size();
    if (hi == 0) return 0;
    // The warm section: the block holding the last written entry, and what is pending.
    size_t warm = persisted_ == 0 ? 0 : (persisted_ - 1) / block_entries_ * block_entries_;
    if (warm > 0) {
        if (!read(warm, entry)) return std::nullopt;
        if (before(static_cast<const uint8_t*>(entry))) {
            lo = warm + 1;
        } else {
            hi = warm;
        }
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (!read(mid, entry)) return std::nullopt;
        if (before(static_cast<const uint8_t*>(entry))) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

}  // namespace sluice::log
