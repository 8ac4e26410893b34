#pragma once
// The per-key index of one segment (topic config sluice.key.index.enable):
// a 64-bit hash of each record key -> the record's offset and the file
// position of the batch holding it. Keys themselves are not stored; a reader
// compares the key of every record the index points at, so two keys with
// the same hash only cost a record decoded for nothing.
//
// Two states:
//   in memory  the active segment's (and a staged cleaned one's): entries are
//              added as batches are appended (leader, follower, cleaner and
//              recovery all go through segment::append / index_keys);
//   sealed     written to `<base>.keyindex` (log/format.h) when the segment
//              stops being active; lookups binary-search the file with pread,
//              so a closed segment costs no memory. Appending to a sealed
//              index (a truncation made a closed segment active again, or the
//              active segment after a clean restart) loads it back first.
// A file that is missing, torn or garbage fails validation (sizes, offsets
// and CRC-32C of the whole file) and is rebuilt from the .log: never trusted,
// never a crash. The file is replaced by rename without fsync: a crash can
// only leave an invalid file (rebuilt) or the previous valid one.
//
// Sealing a rolled segment may run on the background executor instead
// (begin_seal): the entries are frozen in a table shared with the job and
// lookups answer from it until the owner adopts the written file
// (poll_seal). Anything that changes the entries or the files first settles
// the job (settle_seal): dropped if it has not started, waited for if it has.
//
// Not thread-safe: owned by its segment and touched by the segment's owner
// (a pending_seal's run() excepted).
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "protocol/wire.h"

namespace sluice::log {

// One record of a key, as the index knows it. `position` is where its batch
// starts in the .log (several records of a key may share one batch).
struct key_entry {
    int64_t offset = 0;
    uint32_t position = 0;
    // Where the record starts inside its batch when the batch is not
    // compressed (a reader reads the header and that record only); 0 when
    // it is, and the whole batch must be read.
    uint32_t record_delta = 0;
    bool operator==(const key_entry&) const = default;
};

using key_hash_fn = uint64_t (*)(protocol::bytes_view key);

class key_index {
public:
    // XXH3-64 of the key bytes (seed 0), as stored in the file.
    static uint64_t hash(protocol::bytes_view key);
    // Tests force collisions with a hash of their own; nullptr restores XXH3.
    static void set_hash_for_testing(key_hash_fn fn);

    key_index(std::filesystem::path file, int64_t base_offset);

    // --- in memory (call ensure_in_memory first when sealed()) ---
    // Indexes every keyed record of `batch`, which starts at `position`.
    // Control batches and records without a key are left out; a batch whose
    // records cannot be decoded is left out whole (the broker validated it).
    void add_batch(protocol::bytes_view batch, uint64_t position);
    // Forgets every entry at or after `offset` (truncation).
    void truncate_from(int64_t offset);
    // Empty, in memory (recovery rebuilds from here).
    void reset();

    // --- file ---
    // Writes the entries to the file (describing a .log of `log_size` bytes
    // ending before `next_offset`) and frees the memory. False on I/O error;
    // the entries then stay in memory and lookups still work.
    bool seal(uint64_t log_size, int64_t next_offset);
    // Adopts the file if it is valid for that .log; false (nothing changed) if not.
    bool open_sealed(uint64_t log_size, int64_t next_offset);
    // Memory again, from the file if it is valid for that .log, else from the
    // .log itself (`log_fd`, the first `log_size` bytes).
    bool ensure_in_memory(int log_fd, uint64_t log_size, int64_t next_offset);
    // Rebuilds the entries in memory from the .log.
    bool rebuild(int log_fd, uint64_t log_size);

    // --- sealing off the owner ---
    class pending_seal;
    // Freezes the entries for a seal `run()` elsewhere: the returned job
    // writes the file (through `.tmp` and a rename) unless, when it runs, the
    // .log open as `log_fd` is no longer `<dir>/<log_name>` (deleted,
    // truncated away, swapped) or the seal was settled first. Lookups answer
    // from the frozen entries meanwhile. Null when there is nothing to seal.
    std::shared_ptr<pending_seal> begin_seal(uint64_t log_size, int64_t next_offset, int log_fd,
                                             const std::string& log_name);
    // Owner: adopts the file once the job wrote it (the frozen entries go).
    // True while a seal is still pending.
    bool poll_seal();
    // Owner: the job will not touch the file from now on. With `write` a job
    // that has not started is run here, else it is dropped and the entries
    // come back to memory; one running is waited for.
    void settle_seal(bool write);
    bool sealing() const { return pending_ != nullptr; }

    // --- lookups ---
    // The entries of keys hashing like `key`, by offset. An unreadable
    // sealed file answers what it could read (the caller may find fewer).
    std::vector<key_entry> lookup(protocol::bytes_view key) const;

    bool sealed() const { return sealed_; }
    const std::filesystem::path& path() const { return file_; }
    size_t entry_count() const;
    // Heap bytes held by the in-memory entries (0 when sealed), roughly.
    size_t memory_bytes() const;

private:
    std::vector<key_entry> lookup_sealed(uint64_t h) const;
    // After the job has let go of the frozen entries: sealed if the file was
    // written and `adopt_file`, else the entries back in memory.
    void end_seal(bool adopt_file);

    void add(uint64_t h, uint32_t relative_offset, uint32_t position, uint32_t record_delta);
    void drop_memory();

    // In memory: one flat array in offset order, each entry linked to the
    // previous entry of its hash; a table from hash to its newest entry. One
    // table probe and one append per record, no vector per key (measured:
    // bench/RESULTS.md).
    static constexpr uint32_t no_entry = UINT32_MAX;
    struct packed {
        uint32_t relative_offset;
        uint32_t position;
        uint32_t record_delta;
        uint32_t previous;  // of the same hash, or no_entry
    };
    // The table: open addressing with linear probing over a power-of-two
    // array at most 70 % full, so no allocation per key (a node per key,
    // and its free at seal, cost more than the rest of the insert did).
    struct slot {
        uint64_t hash;
        uint32_t newest;  // no_entry: the slot is empty
    };
    uint32_t& newest_for_insert(uint64_t h);
    static const slot* find_slot(const std::vector<slot>& slots, uint64_t h);
    void grow_table();
    // Indexes an uncompressed batch's records reading only their lengths,
    // offset deltas and keys.
    void add_uncompressed(protocol::bytes_view batch, int64_t batch_base, int32_t count, uint32_t position);

    std::filesystem::path file_;
    int64_t base_offset_;
    std::vector<packed> entries_;
    std::vector<slot> slots_;
    size_t slots_used_ = 0;
    size_t memory_count_ = 0;
    bool sealed_ = false;
    size_t sealed_count_ = 0;
    std::shared_ptr<pending_seal> pending_;  // while a seal runs elsewhere

public:
    // The job of begin_seal(): immutable entries, the file to write, and
    // whether the write happened. run() on any thread, once.
    class pending_seal {
    public:
        enum class state : uint8_t { queued, written, failed, dropped };
        pending_seal(const pending_seal&) = delete;
        pending_seal& operator=(const pending_seal&) = delete;
        ~pending_seal();
        void run();
        state current() const { return state_.load(std::memory_order_acquire); }

    private:
        friend class key_index;
        pending_seal() = default;
        bool still_ours() const;
        bool write();

        std::mutex mutex_;  // held by run() and settle_seal()
        std::atomic<state> state_{state::queued};
        std::vector<packed> entries_;
        std::vector<slot> slots_;
        size_t slots_used_ = 0;
        std::filesystem::path file_;
        int64_t base_offset_ = 0;
        uint64_t log_size_ = 0;
        int64_t next_offset_ = 0;
        int log_fd_ = -1;  // a dup(2) of the .log's, closed with the job
        std::string log_name_;
    };
};

}  // namespace sluice::log
