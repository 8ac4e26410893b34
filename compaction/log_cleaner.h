#pragma once
// The broker's entry point to compaction: per-partition cleaner state (the
// cleaner checkpoint = first dirty offset, in-progress and failure marks)
// and the owner-side halves of a cleaning:
//
//   owner executor          cleaner thread (cleaner_pool)     owner executor
//   plan(log, now) ──task──▶ cleaner::run(task) ──result──▶ begin_commit(log, result)
//                                                                │ swap_job
//   owner executor          background thread                   ▼
//   finish_commit(log, ...) ◀──────────────────────────── run_swap(job)
//
// plan() snapshots closed segments (immutable) and marks the partition in
// progress, so one partition has at most one cleaning in flight; the commit
// swaps the staged segments in (compaction/swap.h: the files off the owner,
// the segment list on it) and advances the checkpoint. commit() does the
// three steps inline.
//
// State is kept per partition *incarnation* (partition_log::incarnation()):
// a result for a log that was deleted and re-created never clears the new
// log's in-progress mark, moves its checkpoint or deletes its staged files. A failed cleaning is logged, the partition marked failed and
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
    // commit() in three steps: begin_commit on the owner of `log` (marks it
    // swapping if there is anything to swap), run_swap(job) on any thread,
    // finish_commit on the owner with the same log (same incarnation) and
    // result. If the log went away meanwhile, call abandon(result) instead.
    swap_job begin_commit(log::partition_log& log, const clean_result& result);
    commit_outcome finish_commit(log::partition_log& log, const clean_result& result, swap_job& job,
                                 int64_t now_ms);
    // A result that will never be committed (partition deleted, shutdown):
    // removes its staged files and clears the in-progress mark. Does disk
    // work: run it off the owner executor (any thread).
    void discard(const clean_result& result);
    // Clears the in-progress mark of the result's incarnation only (its
    // files were dealt with by run_swap).
    void abandon(const clean_result& result);
    // The partition went away: forget it (any thread).
    void forget(const log::topic_partition& tp);

    std::optional<int64_t> checkpoint_of(const log::topic_partition& tp) const;
    bool failed(const log::topic_partition& tp) const;
    const cleaner_config& config() const { return config_; }

private:
    struct partition_state {
        std::filesystem::path log_dir;
        log::log_incarnation incarnation{};  // of the log last planned; none after load_checkpoint
        int64_t first_dirty_offset = 0;
        bool in_progress = false;
        bool failed = false;
        int64_t retry_at_ms = 0;
    };

    commit_outcome finish(const clean_result& result, commit_outcome outcome, const char* why, int64_t now_ms);

    cleaner_config config_;
    mutable std::mutex mutex_;
    std::map<log::topic_partition, partition_state> partitions_;
};

}  // namespace sluice::compaction
