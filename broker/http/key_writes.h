#pragma once
// POST /v1/topics/{topic}/keys/{key}/records: appends one record for the
// key, conditionally (consistent writes, log/key_conditions.h).
//
//   body       the record's value, as sent (an empty body: an empty value)
//   If-Match   the offset the writer expects to be the key's latest, or -1
//              for "no record yet" (bare or as a quoted entity tag, "41");
//              stored as the record's sluice.expected.offset header, so a
//              Kafka consumer sees the same chain. Without it the append
//              is unconditional.
//   partition  query parameter; default as the GET: Kafka's default
//              partitioner for the key
//   header.N   query parameter: a record header named N with this value
//              (percent-decoded text), e.g. header.type=deposit; each
//              name once, stored in name order
// Answers (JSON, errors as {"error": KAFKA_NAME, "message"}):
//   201  {"topic","partition","offset"} once the high watermark passed the
//        record (acks=all; min.insync.replicas applies)
//   412  INVALID_RECORD, with "expected_offset" and "latest_offset": the key
//        has moved on; nothing appended
//   400  INVALID_REQUEST (bad If-Match or parameter, no key index on the
//        topic), INVALID_RECORD (an offset in the future), MESSAGE_TOO_LARGE,
//        NOT_ENOUGH_REPLICAS
//   403  CLUSTER_AUTHORIZATION_FAILED with http.console.read.only=true
//   404  UNKNOWN_TOPIC_OR_PARTITION; 421 NOT_LEADER_OR_FOLLOWER (this broker
//        does not lead the partition)
//   504  REQUEST_TIMED_OUT: appended at "offset" but not committed within
//        sluice.http.request.timeout.ms (as an acks=all produce's timeout,
//        the record may still commit); 503 NOT_ENOUGH_REPLICAS_AFTER_APPEND
//        and 421 likewise say what happened after the append
// The check and the append run together on the I/O thread, through the
// same leader append as Produce; the record's batch is built in the topic's
// compression.type (none for "producer"), timestamped now.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "broker/http/router.h"

namespace sluice::broker {
class broker;
}

namespace sluice::broker::http {

struct key_write_request {
    std::string topic;
    std::string key;
    std::optional<int32_t> partition;
    std::optional<int64_t> expected_offset;  // If-Match
    std::vector<std::pair<std::string, std::string>> headers;
};

// The pure part, unit-tested: the request, or the answer refusing it.
std::variant<key_write_request, answer> parse_key_write(std::string_view target, std::optional<std::string_view> if_match);

// Answers through `reply`, on the I/O thread, maybe after returning.
void serve_key_write(broker& b, std::string_view target, std::optional<std::string_view> if_match, std::string body,
                     routes::reply_fn reply);

}  // namespace sluice::broker::http
