#pragma once
// The server-side assignors of KIP-848 consumer groups
// (`group.consumer.assignors`): each maps the members' subscriptions onto
// the subscribed topics' partitions. Deterministic: the same input gives
// the same assignment on any broker.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "broker/groups/consumer_group.h"

namespace sluice::broker::groups {

struct assignor_member {
    std::set<protocol::uuid> topics;  // subscribed topics that exist
    partition_set current;            // the member's previous target, for stickiness
};

struct assignor_input {
    std::map<std::string, assignor_member> members;  // by member id
    std::map<protocol::uuid, int32_t> partitions;    // partition count by topic id
};

using assignor_output = std::map<std::string, partition_set>;

// "uniform": every partition of a subscribed topic to one subscribed member,
// partition counts as even as the subscriptions allow, and as many
// partitions as possible staying where they were.
assignor_output assign_uniform(const assignor_input& input);

// "range": per topic, the subscribed members in member-id order each take a
// contiguous range, the first ones one partition more when it does not
// divide evenly (co-partitioned topics line up).
assignor_output assign_range(const assignor_input& input);

// The assignors a broker knows, by name; nullopt for an unknown name.
std::optional<assignor_output> run_assignor(std::string_view name, const assignor_input& input);
bool is_known_assignor(std::string_view name);

}  // namespace sluice::broker::groups
