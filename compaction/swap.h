#pragma once
// Puts one cleaned group into a live partition_log: the file renames of
// log/segment_swap.h, then partition_log::replace_segments. Runs on the
// log's owner executor; this is the only moment the cleaner blocks the
// partition (a few renames and directory fsyncs, one open of the new
// segment reading only the headers after its last index entry).
//
// Steps, each followed by the hook (tests stop there to simulate a crash):
//   renamed_to_swap      .cleaned -> .swap done, dir fsynced: decided
//   deleted_one_original the first original renamed to .deleted
//   deleted_originals    every original renamed to .deleted and unlinked
//   renamed_log          <base>.log.swap -> <base>.log (indexes still .swap)
//   renamed_all          indexes renamed, dir fsynced (memory not yet swapped)
#include <filesystem>
#include <functional>

#include "compaction/clean_task.h"
#include "log/partition_log.h"

namespace sluice::compaction {

enum class swap_step { renamed_to_swap, deleted_one_original, deleted_originals, renamed_log, renamed_all };
// Returns false to stop right there (the simulated crash): files stay as they are.
using swap_hook = std::function<bool(swap_step)>;

enum class swap_outcome { swapped, stale, io_error, stopped };

swap_outcome swap_in(log::partition_log& log, const cleaned_group& group, const swap_hook& hook = {});

}  // namespace sluice::compaction
