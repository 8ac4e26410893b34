#pragma once
// Up-conversion of a legacy (magic 0/1) message set to one record batch v2,
// as Kafka 3.x's LogValidator does for every append (its log format is
// always v2): the records keep their keys, values and timestamps (-1 for
// magic 0); the batch has no producer id; offsets are left to the log
// (0..n-1 here); LogAppendTime topics are stamped by the log as for any
// batch. The result is compressed with the topic's compression.type, or,
// for "producer", with the wrapper's codec.
#include <cstdint>
#include <optional>

#include "protocol/error_code.h"
#include "protocol/record_batch.h"
#include "protocol/wire.h"

namespace sluice::protocol {

struct legacy_conversion_rules {
    int32_t max_message_bytes = 1048588;
    // compression.type; nullopt for "producer".
    std::optional<compression> target_codec{};
    bool require_keys = false;     // compacted topic
    bool log_append_time = false;  // message.timestamp.type=LogAppendTime
};

// Reads `set` (legacy_message_set.h, with its errors) and writes the batch
// to `out`. Besides the reader's errors:
//   invalid_record     a record without a key on a compacted topic
//   invalid_timestamp  a message that declares LogAppendTime itself (allowed
//                      only on CreateTime topics for timestamps other than -1,
//                      as Kafka's validateTimestamp reads)
//   message_too_large  the converted batch above max_message_bytes
error_code convert_legacy_message_set(bytes_view set, const legacy_conversion_rules& rules, bytes& out);

}  // namespace sluice::protocol
