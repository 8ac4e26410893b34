#pragma once
// Produce, fetch and offset look-ups for `sluice produce`/`consume` and the
// console scripts, over the CLI's blocking client. Batches are built and read
// with protocol/record_batch.h, the same code the broker uses.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/record_batch.h"
#include "tools/cli/kafka_client.h"

namespace sluice::tools {

// "none|gzip|snappy|lz4|zstd"; usage_error naming `what` otherwise.
protocol::compression parse_codec(std::string_view name, std::string_view what);

struct produce_result {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    int64_t base_offset = -1;  // -1 with acks=0
};

// Sends one batch of `records` to topic/partition (the connection must be
// to its leader) and returns the broker's answer.
produce_result produce_batch(kafka_client& client, const std::string& topic, int32_t partition,
                             const std::vector<protocol::record>& records, int16_t acks, protocol::compression codec,
                             int32_t timeout_ms);

struct fetched_record {
    protocol::record record;
    bool log_append_time = false;  // the timestamp is the broker's (LogAppendTime)
};

struct fetched_partition {
    int16_t error_code = 0;
    int64_t high_watermark = -1;
    int64_t last_stable_offset = -1;
    int64_t log_start_offset = -1;
    std::vector<fetched_record> records;  // data records only, aborted ones dropped
    int64_t next_offset = 0;              // where the next fetch starts
};

// One Fetch for one partition from `offset`. read_committed drops the
// records of aborted transactions using the response's aborted list, as a
// Kafka consumer does; control batches are never returned but are skipped.
fetched_partition fetch_once(kafka_client& client, const std::string& topic, int32_t partition, int64_t offset,
                             bool read_committed, int32_t max_wait_ms);

// ListOffsets for one partition: timestamp -2 earliest, -1 latest, -3 max
// timestamp, else the first offset with a timestamp >= it. Returns the
// error code and the offset.
std::pair<int16_t, int64_t> list_offset(kafka_client& client, const std::string& topic, int32_t partition,
                                        int64_t timestamp, bool read_committed);

}  // namespace sluice::tools
