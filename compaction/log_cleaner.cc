#include "compaction/log_cleaner.h"

#include <spdlog/spdlog.h>

#include <set>

#include "compaction/cleaner.h"
#include "compaction/selection.h"
#include "log/checkpoint_file.h"

namespace sluice::compaction {

void log_cleaner::load_checkpoint(const std::filesystem::path& log_dir) {
    auto offsets = log::read_offset_checkpoint(log_dir / cleaner_checkpoint_file);
    if (!offsets) return;
    std::lock_guard lock(mutex_);
    for (const auto& [tp, offset] : *offsets) {
        auto& state = partitions_[tp];
        state.log_dir = log_dir;
        state.first_dirty_offset = offset;
    }
}

bool log_cleaner::write_checkpoints() const {
    std::map<std::filesystem::path, log::offset_checkpoint> files;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [tp, state] : partitions_) {
            if (!state.log_dir.empty()) files[state.log_dir][tp] = state.first_dirty_offset;
        }
    }
    bool ok = true;
    for (const auto& [dir, offsets] : files) {
        ok = log::write_offset_checkpoint(dir / cleaner_checkpoint_file, offsets) && ok;
    }
    return ok;
}

std::optional<clean_task> log_cleaner::plan(const log::partition_log& log, int64_t now_ms) {
    if (!log.config().compact) return std::nullopt;
    int64_t checkpoint = 0;
    {
        std::lock_guard lock(mutex_);
        auto& state = partitions_[log.partition()];
        if (state.incarnation != log.incarnation()) {
            // Re-created without forget(): the old state is another log's.
            if (state.incarnation != log::log_incarnation::none) state = partition_state{};
            state.incarnation = log.incarnation();
        }
        if (state.log_dir.empty()) state.log_dir = log.dir().parent_path();
        if (state.in_progress || (state.failed && now_ms < state.retry_at_ms)) return std::nullopt;
        checkpoint = state.first_dirty_offset;
    }
    auto task = plan_cleaning(log, checkpoint, now_ms);
    if (task) {
        task->incarnation = log.incarnation();
        std::lock_guard lock(mutex_);
        partitions_[log.partition()].in_progress = true;
    }
    return task;
}

commit_outcome log_cleaner::finish(const clean_result& result, commit_outcome outcome, const char* why,
                                   int64_t now_ms) {
    std::lock_guard lock(mutex_);
    auto it = partitions_.find(result.tp);
    // Forgotten, or another incarnation's state: nothing here is this result's.
    if (it == partitions_.end() || it->second.incarnation != result.incarnation) return outcome;
    auto& state = it->second;
    state.in_progress = false;
    if (outcome == commit_outcome::committed) {
        state.failed = false;
        state.first_dirty_offset = result.next_dirty_offset;
    } else if (outcome != commit_outcome::stopped) {
        // Stale and failed both wait: the log changed or is broken.
        state.failed = outcome == commit_outcome::failed;
        state.retry_at_ms = now_ms + config_.backoff_ms;
        spdlog::warn("compaction: cleaning {} {}: {} (retry in {} ms)", result.tp.dir_name(),
                     outcome == commit_outcome::failed ? "failed" : "abandoned", why, config_.backoff_ms);
    }
    return outcome;
}

swap_job log_cleaner::begin_commit(log::partition_log& log, const clean_result& result) {
    if (result.error == clean_error::none) return begin_swap(log, result.groups);
    // Nothing to swap; run_swap only deletes the staged files.
    swap_job job;
    job.tp = result.tp;
    job.incarnation = result.incarnation;
    job.dir = result.dir;
    job.stale = result.groups;
    return job;
}

commit_outcome log_cleaner::finish_commit(log::partition_log& log, const clean_result& result, swap_job& job,
                                          int64_t now_ms) {
    swap_outcome outcome = finish_swap(log, job);
    if (result.error != clean_error::none) {
        return finish(result, result.error == clean_error::stale ? commit_outcome::stale : commit_outcome::failed,
                      to_string(result.error), now_ms);
    }
    switch (outcome) {
        case swap_outcome::swapped: break;
        case swap_outcome::stopped: return finish(result, commit_outcome::stopped, "stopped", now_ms);
        case swap_outcome::stale: return finish(result, commit_outcome::stale, "log changed during cleaning", now_ms);
        case swap_outcome::io_error: return finish(result, commit_outcome::failed, "segment swap failed", now_ms);
    }
    spdlog::info("compaction: cleaned {} up to offset {}: {} of {} records kept, {} -> {} bytes",
                 result.tp.dir_name(), result.next_dirty_offset, result.stats.records_kept,
                 result.stats.records_read, result.stats.bytes_read, result.stats.bytes_written);
    return finish(result, commit_outcome::committed, "", now_ms);
}

commit_outcome log_cleaner::commit(log::partition_log& log, const clean_result& result, int64_t now_ms,
                                   const swap_hook& hook) {
    swap_job job = begin_commit(log, result);
    run_swap(job, hook);
    return finish_commit(log, result, job, now_ms);
}

void log_cleaner::discard(const clean_result& result) {
    {
        std::lock_guard lock(mutex_);
        if (auto it = partitions_.find(result.tp); it != partitions_.end()) {
            if (it->second.incarnation == result.incarnation) it->second.in_progress = false;
        }
    }
    // The names carry the result's incarnation (staged_suffix): whichever
    // directory now stands at the path, only this cleaning's files go.
    for (const auto& g : result.groups) discard_staged(result.dir, g);
}

void log_cleaner::abandon(const clean_result& result) {
    std::lock_guard lock(mutex_);
    auto it = partitions_.find(result.tp);
    if (it != partitions_.end() && it->second.incarnation == result.incarnation) it->second.in_progress = false;
}

void log_cleaner::forget(const log::topic_partition& tp) {
    std::lock_guard lock(mutex_);
    partitions_.erase(tp);
}

std::optional<int64_t> log_cleaner::checkpoint_of(const log::topic_partition& tp) const {
    std::lock_guard lock(mutex_);
    auto it = partitions_.find(tp);
    if (it == partitions_.end()) return std::nullopt;
    return it->second.first_dirty_offset;
}

bool log_cleaner::failed(const log::topic_partition& tp) const {
    std::lock_guard lock(mutex_);
    auto it = partitions_.find(tp);
    return it != partitions_.end() && it->second.failed;
}

}  // namespace sluice::compaction
