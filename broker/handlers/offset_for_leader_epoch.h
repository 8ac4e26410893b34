#pragma once
// OffsetForLeaderEpoch, apart from the broker: where each leader epoch ended
// in a partition's log. Consumers (librdkafka) validate their position with
// it after a leader change; followers use it to find where to truncate.
#include <cstdint>
#include <functional>

#include "log/leader_epoch_cache.h"
#include "protocol/generated/offset_for_leader_epoch.h"

namespace sluice::broker {

class topic_registry;
struct partition_state;

// The leader epoch this broker leads `p` in (0 on a single node).
using leader_epoch_fn = std::function<int32_t(const partition_state& p)>;

// Where `requested` ends in a leader's log, as Kafka's leader answers it: the
// cache's end_offset_for with the leader's own `current` epoch counted from
// `log_end_offset` even before a batch is written in it (Kafka records it on
// election; ours appears with the first batch). Reads the cache in place:
// the fetch path asks this per partition.
log::epoch_entry leader_epoch_end(const log::leader_epoch_cache& epochs, int64_t log_end_offset, int32_t current,
                                  int32_t requested);

protocol::offset_for_leader_epoch_response answer_offset_for_leader_epoch(
    const protocol::offset_for_leader_epoch_request& body, topic_registry& topics, const leader_epoch_fn& epoch_of);

}  // namespace sluice::broker
