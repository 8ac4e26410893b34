#pragma once
// In cluster mode a partition's records live on its leader and a group on
// its coordinator. Asked here for one this broker does not hold, the API
// answers NOT_LEADER_OR_FOLLOWER / NOT_COORDINATOR (HTTP 421) with
// "broker": {"id","host","port"} of the one that does (its Kafka listener:
// brokers do not publish their HTTP address), or null when none is known.
#include <optional>
#include <string>

#include "broker/http/router.h"

namespace sluice::broker {
class broker;
struct partition_state;
}  // namespace sluice::broker

namespace sluice::broker::http::console {

// nullopt when this broker coordinates `group_id` now.
std::optional<answer> not_coordinator(broker& b, const std::string& group_id);
// nullopt when this broker leads the partition; else the error (also
// UNKNOWN_TOPIC_OR_PARTITION when there is no such partition).
std::optional<answer> not_leader(broker& b, const std::string& topic, int32_t partition);

}  // namespace sluice::broker::http::console
