#pragma once
// What travels between the partition's owner executor and a cleaner thread:
// a clean_task (made by plan on the owner: a snapshot of closed segments,
// which are immutable) and a clean_result (made by run on a cleaner thread:
// staged `.cleaned` segments beside the originals), committed on the owner.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "log/partition_log.h"
#include "log/segment.h"
#include "log/types.h"

namespace sluice::compaction {

// A closed segment as the owner saw it. The cleaner reads only these
// fields and the fd (pread), never the segment's mutable state.
struct segment_snapshot {
    std::shared_ptr<log::segment> seg;
    uint64_t size = 0;
    int64_t base_offset = 0;
    int64_t next_offset = 0;
    int64_t largest_timestamp = -1;  // segment max timestamp (mtime without any)
    size_t offset_index_entries = 0;
    size_t time_index_entries = 0;
};

// Where a producer the log knows left off (Kafka's lastRecordsOfActiveProducers):
// the last offset of its last data batch (-1 if none is known) and its epoch.
struct producer_tail {
    int64_t last_data_offset = -1;
    int16_t epoch = -1;
};

struct clean_task {
    log::topic_partition tp;
    log::log_incarnation incarnation{};  // the log planned for; a re-created partition is another
    std::filesystem::path dir;  // the partition directory
    log::log_config config;
    std::vector<segment_snapshot> segments;  // every cleanable segment, by offset
    int64_t first_dirty_offset = 0;          // the cleaner checkpoint
    int64_t first_uncleanable_offset = 0;    // cleaning stops below it
    int64_t now_ms = 0;
    double dirty_ratio = 0;
    bool max_lag_exceeded = false;
    // The log's aborted transactions whose markers are in the cleanable range.
    std::vector<log::aborted_txn> aborted;
    // Each producer the log still knows: its last batch stays (batch_filter.h).
    std::unordered_map<int64_t, producer_tail> producer_tails;
};

enum class clean_error {
    none,
    io_error,       // reading a segment or writing a staged one failed
    corrupt_batch,  // a batch failed its CRC or framing
    map_too_small,  // not even one key fitted the key map
    stale,          // the log changed under the task (truncation, retention): retry later
};
const char* to_string(clean_error error);

// The suffix of the staged files a cleaning of log incarnation `incarnation`
// writes: "<base>.log.<incarnation>.cleaned". The cleaner writes them by
// path while the owner goes on; if the partition is deleted and re-created
// meanwhile, a stale cleaning may write into the new partition's directory,
// and with one shared name it would overwrite (O_TRUNC) the files the new
// log's own cleaning staged there, which that cleaning would then swap in.
// With the incarnation in the name, a cleaning only ever renames, swaps or
// removes its own files; a stale one's are removed by discard() or, after a
// crash, by the sweep at open (any "*.cleaned").
std::string staged_suffix(log::log_incarnation incarnation);

// One output segment: replaces `originals` (consecutive) with the staged
// `<base>.*.cleaned` files covering [base_offset, next_offset).
struct cleaned_group {
    // The staged files' suffix, staged_suffix(incarnation) of the cleaning
    // that wrote them.
    std::string suffix;
    std::vector<std::shared_ptr<log::segment>> originals;
    std::vector<uint64_t> original_sizes;
    int64_t base_offset = 0;
    int64_t next_offset = 0;
};

struct clean_stats {
    uint64_t records_read = 0;  // in the cleaning (second) phase
    uint64_t records_kept = 0;
    uint64_t tombstones_removed = 0;
    uint64_t aborted_records_removed = 0;  // records of aborted transactions
    uint64_t markers_removed = 0;          // transaction markers past delete.retention.ms
    uint64_t bytes_read = 0;
    uint64_t bytes_written = 0;
    uint64_t keys_mapped = 0;
    size_t map_bytes = 0;  // allocated by the key map
};

struct clean_result {
    log::topic_partition tp;
    log::log_incarnation incarnation{};  // the task's
    std::filesystem::path dir;
    clean_error error = clean_error::none;
    std::string detail;
    std::vector<cleaned_group> groups;
    int64_t next_dirty_offset = 0;  // the new cleaner checkpoint once committed
    clean_stats stats;
};

}  // namespace sluice::compaction
