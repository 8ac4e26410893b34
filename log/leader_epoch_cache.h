#pragma once
// Which leader epoch started at which offset, for one partition — the facts
// replication needs to answer OffsetForLeaderEpoch and to truncate a
// follower at the right place. Persisted as Kafka's
// `leader-epoch-checkpoint` in the partition directory.
//
// Appends only change the in-memory entries (and mark them dirty); the file
// is rewritten by the flush that makes those batches durable, so the append
// path never fsyncs. That is safe because recovery re-reads the epochs of
// every batch it re-validates, i.e. of everything after the recovery point.
//
// Owned by the partition_log; not thread-safe.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "log/checkpoint_file.h"

namespace sluice::log {

class leader_epoch_cache {
public:
    explicit leader_epoch_cache(std::filesystem::path file) : file_(std::move(file)) {}

    // Reads the checkpoint; false (and no entries) when missing or damaged.
    bool load();
    // Records that `epoch` starts at `start_offset`, if it is newer than the
    // latest epoch known. Epochs below 0 (no epoch) are ignored.
    void assign(int32_t epoch, int64_t start_offset);
    // Forgets epochs that start at or after `end_offset` (log truncated there).
    void truncate_from_end(int64_t end_offset);
    // The log now starts at `start_offset`: drops epochs wholly before it and
    // moves the start of the one containing it (as Kafka does).
    void truncate_from_start(int64_t start_offset);
    void clear();

    std::optional<int32_t> latest_epoch() const;
    // For OffsetForLeaderEpoch, as Kafka answers it: the largest epoch <=
    // `epoch` and the offset at which the next epoch starts (`log_end_offset`
    // for the latest); {epoch, start of the first epoch} when `epoch` is older
    // than every known one; {-1, -1} for no epoch or one newer than all.
    epoch_entry end_offset_for(int32_t epoch, int64_t log_end_offset) const;
    // The same answer as if the log were truncated at `end_offset` first
    // (a follower with a cut pending), without changing or copying anything.
    epoch_entry end_offset_before(int64_t end_offset, int32_t epoch, int64_t log_end_offset) const;

    const std::vector<epoch_entry>& entries() const { return entries_; }
    bool dirty() const { return dirty_; }
    void mark_clean() { dirty_ = false; }
    const std::filesystem::path& file() const { return file_; }
    // Writes the checkpoint now (atomically) and marks it clean.
    bool write();

private:
    std::filesystem::path file_;
    std::vector<epoch_entry> entries_;
    bool dirty_ = false;
};

}  // namespace sluice::log
