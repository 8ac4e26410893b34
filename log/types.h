#pragma once
// The small value types of the log module's interface: a topic's log
// configuration (Kafka's topic config names in the comments), the partition
// identity, and the results of appends, reads and timestamp lookups.
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error_code.h"
#include "protocol/wire.h"

namespace sluice::log {

struct log_config {
    int64_t segment_bytes = 1073741824;      // segment.bytes
    int64_t segment_ms = 604800000;          // segment.ms
    int64_t retention_ms = 604800000;        // retention.ms (-1 = forever)
    int64_t retention_bytes = -1;            // retention.bytes (-1 = no limit)
    int32_t index_interval_bytes = 4096;     // index.interval.bytes
    int32_t segment_index_bytes = 10485760;  // segment.index.bytes
    bool log_append_time = false;            // message.timestamp.type=LogAppendTime
    int64_t flush_messages = INT64_MAX;      // flush.messages
    int64_t flush_ms = INT64_MAX;            // flush.ms
    bool delete_retention = true;            // cleanup.policy contains "delete"
    // Log compaction (compaction/). The defaults leave a log alone.
    bool compact = false;                           // cleanup.policy contains "compact"
    int64_t delete_retention_ms = 86400000;         // delete.retention.ms (tombstones)
    int64_t min_compaction_lag_ms = 0;              // min.compaction.lag.ms
    int64_t max_compaction_lag_ms = INT64_MAX;      // max.compaction.lag.ms
    double min_cleanable_dirty_ratio = 0.5;         // min.cleanable.dirty.ratio
    // Sluice's own: a per-key index beside each segment (log/key_index.h).
    bool key_index = false;                         // sluice.key.index.enable
};

struct topic_partition {
    std::string topic;
    int32_t partition = 0;

    auto operator<=>(const topic_partition&) const = default;
    bool operator==(const topic_partition&) const = default;

    // "<topic>-<partition>", the partition directory name.
    std::string dir_name() const { return topic + "-" + std::to_string(partition); }
    // Inverse of dir_name(): the partition follows the LAST '-' (topic names
    // may contain '-' themselves). nullopt for anything else.
    static std::optional<topic_partition> from_dir_name(std::string_view name);
};

// Who wrote a batch a leader appends (Kafka's AppendOrigin): a client's
// batches get every producer check, the broker's coordinators' only the epoch.
enum class append_origin { client, coordinator };

struct append_result {
    protocol::error_code error = protocol::error_code::none;
    int64_t base_offset = -1;
    int64_t last_offset = -1;
    int64_t log_append_time_ms = -1;  // -1 when the topic uses CreateTime
    bool duplicate = false;           // a producer's retry: nothing appended
};

struct read_result {
    protocol::error_code error = protocol::error_code::none;
    std::vector<protocol::file_slice> slices;  // whole batches, in offset order
    size_t bytes = 0;                          // sum of the slice lengths
};

struct offset_and_timestamp {
    int64_t offset = -1;
    int64_t timestamp = -1;
    bool operator==(const offset_and_timestamp&) const = default;
};

}  // namespace sluice::log
