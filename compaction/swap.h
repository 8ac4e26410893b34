#pragma once
// Puts cleaned groups into a live partition_log in three steps, so the
// partition's owner executor never waits on the files:
//
//   owner       begin_swap(log, groups)  keeps the groups whose run the log
//               still holds (holds_closed_run), opens the partition dir and
//               marks the log swapping (partition_log::begin_segment_swap):
//               from here until finish_swap no segment leaves the log and
//               no file of it is unlinked by name (retention and truncation
//               wait), so the runs stay exactly what the cleaner read
//   any thread  run_swap(job)            per group the renames and directory
//               fsyncs of log/segment_swap.h, then the new segment is opened;
//               the staged files of stale groups are deleted
//   owner       finish_swap(log, job)    replace_segments per swapped group
//               (re-checked; cannot fail while the log was swapping), then
//               end_segment_swap. The old segment objects keep their fds,
//               so slices in flight read the old data meanwhile.
//
// The job works through a directory fd: if the partition is deleted (its
// dir renamed to -delete) and re-created meanwhile, the job finishes in the
// doomed dir and never touches the new one. The owner must then not call
// finish_swap (the log is gone: see partition_log::incarnation()).
//
// A crash at any point of run_swap is finished or rolled back by recovery
// (log/segment_swap.h); after run_swap the disk holds the new segments and
// a crash before finish_swap just loads them. Steps, each followed by the
// hook (tests stop there to simulate a crash):
//   renamed_to_swap      .cleaned -> .swap done, dir fsynced: decided
//   deleted_one_original the first original renamed to .deleted
//   deleted_originals    every original renamed to .deleted and unlinked
//   renamed_log          <base>.log.swap -> <base>.log (indexes still .swap)
//   renamed_all          indexes renamed, dir fsynced (memory not yet swapped)
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "compaction/clean_task.h"
#include "log/file_util.h"
#include "log/partition_log.h"

namespace sluice::compaction {

enum class swap_step { renamed_to_swap, deleted_one_original, deleted_originals, renamed_log, renamed_all };
// Returns false to stop right there (the simulated crash): files stay as they are.
using swap_hook = std::function<bool(swap_step)>;

enum class swap_outcome { swapped, stale, io_error, stopped };

struct swap_job {
    log::topic_partition tp;
    log::log_incarnation incarnation{};
    std::filesystem::path dir;
    std::optional<log::file_util::directory> handle;  // `dir` as begin_swap found it
    log::log_config config;
    std::vector<cleaned_group> groups;  // still held by the log at begin_swap, in order
    std::vector<cleaned_group> stale;   // not held: their staged files go
    bool marked = false;                // begin_segment_swap() was called
    // Set by run_swap: the new segment of groups[0..swapped.size()), and
    // how the first group not swapped (if any) ended.
    std::vector<std::shared_ptr<log::segment>> swapped;
    swap_outcome outcome = swap_outcome::swapped;
};

// Owner executor of `log`.
swap_job begin_swap(log::partition_log& log, const std::vector<cleaned_group>& groups);
// Any thread; the log is not touched.
void run_swap(swap_job& job, const swap_hook& hook = {});
// Owner executor of the same `log` (same incarnation). Stale when some group
// was stale, else the job's outcome.
swap_outcome finish_swap(log::partition_log& log, swap_job& job);

// All three on the calling thread (tests, tools).
swap_outcome swap_in(log::partition_log& log, const cleaned_group& group, const swap_hook& hook = {});

}  // namespace sluice::compaction
