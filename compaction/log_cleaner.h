#pragma once
// The broker's entry point to compaction: per-partition cleaner state (the
// cleaner checkpoint = first dirty offset, in-progress and failure marks)
// and the owner-side halves of a cleaning:
//
//   owner executor          cleaner thread (cleaner_pool)     owner executor
//   plan(log, now) ──task──▶ cleaner::run(task) ──result──▶ commit(log, result, now)
//
// plan() snapshots closed segments (immutable) and marks the partition in
// progress, so one partition has at most one cleaning in flight; commit()
// swaps the staged segments in (compaction/swap.h) and advances the
// checkpoint. A failed cleaning is logged, the partition marked failed and
// retried after log.cleaner.backoff.ms; other partitions are unaffected.
//
// Thread-safe (one mutex around the state map; never held during I/O
// except write_checkpoints()).
// The checkpoint lives in each log dir's `cleaner-offset-checkpoint`
// (Kafka's format). It may lag the swaps: after a restart with an older
// checkpoint the cleaner re-cleans some offsets, which changes nothing.
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "compaction/clean_task.h"
#include "compaction/cleaner_config.h"
#include "compaction/swap.h"
#include "log/partition_log.h"

namespace sluice::compaction {

inline constexpr std::string_view cleaner_checkpoint_file = "cleaner-offset-checkpoint";

enum class commit_outcome { committed, failed, stale, stopped };

class log_cleaner {
public:
    explicit log_cleaner(cleaner_config config = {}) : config_(config) {}

    // Startup: reads `<log_dir>/cleaner-offset-checkpoint` (missing = empty).
    void load_checkpoint(const std::filesystem::path& log_dir);
    // Writes every known log dir's checkpoint file (any thread; fsyncs).
    bool write_checkpoints() const;

    // Owner executor of `log`: the next task, or nullopt (not compacted,
    // nothing worth cleaning, already in progress, failed and backing off).
    std::optional<clean_task> plan(const log::partition_log& log, int64_t now_ms);
    // Owner executor of `log`: applies a result of cleaner::run for it.
    commit_outcome commit(log::partition_log& log, const clean_result& result, int64_t now_ms,
                          const swap_hook& hook = {});
    // A result that will never be committed (partition deleted, shutdown):
    // removes its staged files and clears the in-progress mark.
    void discard(const clean_result& result);
    // The partition went away: forget it (any thread).
    void forget(const log::topic_partition& tp);

    std::optional<int64_t> checkpoint_of(const log::topic_partition& tp) const;
    bool failed(const log::topic_partition& tp) const;
    const cleaner_config& config() const { return config_; }

private:
    struct partition_state {
        std::filesystem::path log_dir;
        int64_t first_dirty_offset = 0;
        bool in_progress = false;
        bool failed = false;
        int64_t retry_at_ms = 0;
    };

    cleaner_config config_;
    mutable std::mutex mutex_;
    std::map<log::topic_partition, partition_state> partitions_;
};

}  // namespace sluice::compaction
