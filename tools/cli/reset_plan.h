#pragma once
// What `sluice groups reset-offsets` commits, computed from what the broker
// reported and kept free of I/O so it can be tested alone. The rules are
// kafka-consumer-groups.sh's:
//   earliest / latest  the log start / log end offset
//   current            the committed offset; the log end when none
//   offset N, shift-by N (committed + N; no committed offset is an error)
//                      clamped to [log start, log end]
//   timestamp          the first offset with a timestamp at or after it; the
//                      log end when no record is that new
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::tools {

struct reset_target {
    enum class kind { earliest, latest, current, offset, shift_by, timestamp };
    kind what = kind::earliest;
    int64_t value = 0;  // the offset, the shift, or the timestamp in ms
};

struct partition_position {
    std::string topic;
    int32_t partition = 0;
    std::optional<int64_t> committed;
    int64_t log_start = 0;
    int64_t log_end = 0;
    std::optional<int64_t> offset_for_timestamp;  // only for kind::timestamp
};

struct planned_offset {
    std::string topic;
    int32_t partition = 0;
    int64_t new_offset = 0;
    std::string note;  // why the asked-for offset was clamped; empty otherwise
};

struct reset_plan {
    std::vector<planned_offset> offsets;
    std::string error;  // set when the plan cannot be made; offsets are then empty
};

reset_plan plan_reset(const reset_target& target, const std::vector<partition_position>& positions);

}  // namespace sluice::tools
