#pragma once
// GET /v1/topics/{topic}/keys/{key}/records: one key's records, read
// through the topic's key index (sluice.key.index.enable; log/key_read.h).
//
// Parameters (each at most once):
//   partition    the partition to read; default: the one Kafka's default
//                partitioner picks for the key (murmur2, as the Java client)
//   from_offset  records at or after this offset (default 0: the log start)
//   limit        1..max_limit records (default 100)
//   order        oldest (default) | newest: the last `limit` records at or
//                after from_offset, newest first
//   format       json (default: one object with the records and paging
//                fields) | ndjson (one record per line)
//   view         raw (default: every record as stored) | corrected
//                (log/key_corrections.h): each corrected record replaced, at
//                its position, by its latest correction, which carries
//                "corrects": the original's offset; corrections not shown
//                again. Computed over one scan of at most max_limit records
//                (and max_read_bytes) from from_offset; `more`/`next_offset`
//                say when the scan was cut (corrections past it are not
//                applied), and `limit` then cuts the view.
//   follow       false (default) | true: server-sent events, http/key_follow.h
// Records are those below the high watermark, as a consumer sees them;
// values and keys as {"text"} (valid UTF-8) or {"base64"}, as the console.
// Errors are JSON {"error": KAFKA_NAME, "message"} as the console API:
// UNKNOWN_TOPIC_OR_PARTITION 404, INVALID_REQUEST 400 (no key index on the
// topic, a bad parameter or path), OFFSET_OUT_OF_RANGE 416 (from_offset past
// the high watermark), NOT_LEADER_OR_FOLLOWER 421 (no replica here).
// Any replica serves it. The index lookups and one header read per batch
// run on the I/O thread (as a fetch finds its first batch); batches not in
// the page cache are read in on the server's page cache warmer thread first,
// as a fetch's cold slices are, and only then read and decoded on the I/O
// thread. Bounded by `limit` and max_read_bytes of batches.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "broker/http/router.h"

namespace sluice::broker {
class broker;
struct topic_state;
struct partition_state;
}  // namespace sluice::broker

namespace sluice::broker::http {

inline constexpr int64_t key_records_max_limit = 10000;
inline constexpr size_t key_records_max_read_bytes = 16 << 20;

struct key_request {
    std::string topic;
    std::string key;
    std::optional<int32_t> partition;
    int64_t from_offset = 0;
    int64_t limit = 100;
    bool newest_first = false;
    bool ndjson = false;
    bool corrected = false;  // view=corrected
    bool follow = false;     // follow=true: an event stream (http/key_follow.h)
};

// The pure part, unit-tested: the request, or the answer refusing it.
std::variant<key_request, answer> parse_key_request(std::string_view method, std::string_view target);

// Shared by the reads and the writes of one key: the topic, key and
// `partition` of /v1/topics/{topic}/keys/{key}/records, and the rest of the
// query for the caller; or the answer (404 for another path, 400 for bad
// encoding or a bad partition).
struct key_path {
    std::string topic;
    std::string key;
    std::optional<int32_t> partition;
    std::map<std::string, std::string, std::less<>> query;  // without `partition`
};
std::variant<key_path, answer> parse_key_path(std::string_view target);

// Kafka's default partitioner for a keyed record (Utils.murmur2, positive, modulo).
int32_t default_partition(std::string_view key, int32_t partitions);

// The partition a key's reads and writes go to: `partition`, or the default
// partitioner's for the key, of a topic with the key index; or the answer
// refusing it (unknown topic or partition, no key index).
struct key_partition {
    topic_state* topic = nullptr;
    int32_t index = 0;
    partition_state* state = nullptr;
};
std::variant<key_partition, answer> find_key_partition(broker& b, const std::string& topic, const std::string& key,
                                                       std::optional<int32_t> partition);

// Answers through `reply`, on the I/O thread, maybe after returning.
void serve_key_records(broker& b, std::string_view method, std::string_view target, routes::reply_fn reply);

}  // namespace sluice::broker::http
