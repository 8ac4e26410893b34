#pragma once
// OffsetForLeaderEpoch, apart from the broker: where each leader epoch ended
// in a partition's log. Consumers (librdkafka) validate their position with
// it after a leader change; followers use it to find where to truncate.
#include <cstdint>
#include <functional>

#include "protocol/generated/offset_for_leader_epoch.h"

namespace sluice::broker {

class topic_registry;
struct partition_state;

// The leader epoch this broker leads `p` in (0 on a single node).
using leader_epoch_fn = std::function<int32_t(const partition_state& p)>;

protocol::offset_for_leader_epoch_response answer_offset_for_leader_epoch(
    const protocol::offset_for_leader_epoch_request& body, topic_registry& topics, const leader_epoch_fn& epoch_of);

}  // namespace sluice::broker
