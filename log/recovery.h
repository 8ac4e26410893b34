#pragma once
// Opening a partition directory and making its segments trustworthy.
//
// Crash story. Batches reach the page cache with pwrite; fsync happens only
// in flush(), which then advances the recovery point (the offset below
// which everything is known durable; persisted per log dir). So:
//  - after a clean shutdown (marker file present) every segment is trusted:
//    its index files are sanity-checked and only the headers after the last
//    index entry are read to find the end;
//  - after a crash, every segment from the one holding the recovery point on
//    is re-validated batch by batch (header sanity, CRC-32C, offsets strictly
//    increasing), its indexes are rebuilt, the first bad batch and everything
//    after it is truncated, and later segments are removed;
//  - in either case a segment whose index files look wrong is re-validated
//    and re-indexed the same way.
// A kill -9 keeps the page cache, so nothing written before it is lost; a
// power loss can lose what was not flushed, and recovery cuts the log back
// to the last whole, valid batch.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "log/segment.h"
#include "log/types.h"

namespace sluice::log {

class leader_epoch_cache;

struct recovery_report {
    size_t segments_scanned = 0;   // segments whose every batch was re-validated
    size_t indexes_rebuilt = 0;    // of those, trusted segments whose indexes were bad
    uint64_t bytes_truncated = 0;  // torn or corrupt bytes cut from .log files
    size_t segments_removed = 0;   // segments after a truncation point
};

// Re-validates every batch of `seg`, rebuilds its indexes and cuts the .log
// after the last valid batch. Batches must start at or after `min_offset`.
// `on_batch` sees each valid header. Returns the bytes cut, nullopt on I/O error.
std::optional<uint64_t> recover_segment(segment& seg, int64_t min_offset,
                                        const std::function<void(const protocol::batch_header&)>& on_batch);

struct loaded_segments {
    std::vector<std::shared_ptr<segment>> segments;  // by base offset; may be empty
    recovery_report report;
};

// Opens the segments in `dir` (deleting leftovers: orphan index files, .tmp,
// .deleted, .cleaned), trusting or recovering them as described above. Epochs
// of re-validated batches go into `epochs`. nullopt on I/O error.
std::optional<loaded_segments> load_segments(const std::filesystem::path& dir, const log_config& config,
                                             bool clean_shutdown, int64_t recovery_point,
                                             leader_epoch_cache& epochs);

}  // namespace sluice::log
