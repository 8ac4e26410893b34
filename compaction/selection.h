#pragma once
// Which part of a log may be cleaned and whether it is worth it now
// (Kafka's LogCleanerManager.cleanableOffsets / dirty ratio), computed on the
// owner executor from the segment list.
//
//   [log start ........ first dirty ............ first uncleanable ... active]
//    clean section        dirty section            young / unstable / active
//
// first dirty = the cleaner checkpoint (clamped into the log).
// first uncleanable = the lowest of: the active segment's base, the high
//   watermark, the base of the first segment with a record younger than
//   min.compaction.lag.ms (by segment max timestamp). Transactions will add
//   the last stable offset here (see README: aborted transactions).
// Only whole segments ending at or below first uncleanable are cleanable.
// dirty ratio = dirty bytes / (clean + dirty bytes) of cleanable segments,
// where a segment is dirty if it ends after first dirty. The log is chosen
// when the ratio reaches min.cleanable.dirty.ratio, or when the first dirty
// segment's first batch is older than max.compaction.lag.ms.
#include <cstdint>
#include <optional>

#include "compaction/clean_task.h"
#include "log/partition_log.h"

namespace sluice::compaction {

struct log_selection {
    int64_t first_dirty_offset = 0;
    int64_t first_uncleanable_offset = 0;
    uint64_t clean_bytes = 0;
    uint64_t dirty_bytes = 0;
    double dirty_ratio = 0;
    bool max_lag_exceeded = false;
    size_t cleanable_segments = 0;
    bool should_clean = false;
};

// Owner executor only.
log_selection measure(const log::partition_log& log, int64_t checkpoint, int64_t now_ms);
// The task for `log` when should_clean, else nullopt. Owner executor only.
std::optional<clean_task> plan_cleaning(const log::partition_log& log, int64_t checkpoint, int64_t now_ms);

}  // namespace sluice::compaction
