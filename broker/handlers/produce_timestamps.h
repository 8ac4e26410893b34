#pragma once
// Kafka's timestamp bounds on produced records (message.timestamp.before.max.ms,
// .after.max.ms, and the older .difference.max.ms): on a CreateTime topic a
// record whose timestamp lies too far from the broker's clock is refused with
// INVALID_TIMESTAMP, each such record named (KIP-467).
#include <cstdint>
#include <string>
#include <vector>

#include "broker/config/topic_config.h"
#include "protocol/record_batch.h"

namespace sluice::broker {

// True when the topic bounds timestamps at all; then its batches' records
// must be walked (also under relaxed validation).
bool bounds_timestamps(const topic_settings& settings);

struct timestamp_refusal {
    int32_t batch_index;
    std::string message;
};

// The records of validated batch `batch` (whose walk gave `facts`) outside
// the topic's bounds around `now_ms`; empty when every record is within
// them. Walks the records again only when the batch's extremes are out.
std::vector<timestamp_refusal> out_of_range_timestamps(protocol::bytes_view batch, const protocol::record_facts& facts,
                                                       const topic_settings& settings, int64_t now_ms);

}  // namespace sluice::broker
