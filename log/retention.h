#pragma once
// Which old segments a partition may drop, by Kafka's three rules, applied
// in Kafka's order to a prefix of the segments:
//   1. retention.ms: the segment's largest timestamp is older than
//      now - retention.ms;
//   2. retention.bytes: dropping the segment still leaves at least
//      retention.bytes in the log;
//   3. log start offset: the segment lies wholly below the log start offset
//      (raised by DeleteRecords).
// Rules 1 and 2 apply only when cleanup.policy contains "delete". The active
// (last) segment is never dropped, nor any segment holding offsets at or
// above the high watermark. Pure function: no I/O, no state.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "log/segment.h"
#include "log/types.h"

namespace sluice::log {

// How many segments, from the oldest, may be dropped.
size_t segments_past_retention(const std::vector<std::shared_ptr<segment>>& segments, const log_config& config,
                               int64_t log_start_offset, int64_t high_watermark, int64_t now_ms);

}  // namespace sluice::log
