#pragma once
// What Kafka's LogValidator does to a producer's batch after validating it
// and before the append: a batch in another codec than the topic's
// compression.type, or whose offset deltas do not run 0..n-1, is rewritten;
// one kept as it is gets its max timestamp from its records (CreateTime).
#include <optional>
#include <span>

#include "broker/config/topic_config.h"
#include "protocol/error_code.h"
#include "protocol/record_batch.h"

namespace sluice::broker {

// compression.type as a codec; nullopt for "producer" (keep the batch's).
std::optional<protocol::compression> topic_codec(const topic_settings& settings);

// `batch` is one validated v2 batch in a writable buffer; `facts` what the
// validating walk saw (nullopt when the records were not walked: relaxed
// validation). Leaves `batch` pointing at the batch to append: itself
// (perhaps with its max timestamp set) or `rebuilt`. Errors:
// message_too_large when the rewritten batch exceeds max.message.bytes.
protocol::error_code conform_batch(std::span<uint8_t>& batch, const std::optional<protocol::record_facts>& facts,
                                   const topic_settings& settings, protocol::bytes& rebuilt);

}  // namespace sluice::broker
