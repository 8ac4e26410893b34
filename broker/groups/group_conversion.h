#pragma once
// KIP-848's online migration between a classic group and a consumer group
// (Kafka's ConsumerGroup.fromClassicGroup and ClassicGroup.fromConsumerGroup):
// the consumer protocol's embedded subscription and assignment (the bytes
// classic members exchange in JoinGroup and SyncGroup) read and written,
// and each kind of group built from the other. Pure functions: no clock,
// no I/O; the coordinator decides when and writes the records.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/groups/consumer_group.h"
#include "broker/groups/group.h"
#include "broker/groups/offsets_topic.h"
#include "protocol/generated/consumer_protocol_subscription.h"

namespace sluice::broker::groups {

// Topic names and ids as the broker knows them now; nullopt: no such topic
// (its partitions are left out, as Kafka does with topics it cannot resolve).
struct topic_lookup {
    std::function<std::optional<protocol::uuid>(const std::string&)> id_of;
    std::function<std::optional<std::string>(const protocol::uuid&)> name_of;
};

// The version header of embedded consumer-protocol bytes; nullopt when
// there are fewer than two bytes or it is negative (Kafka's SchemaException).
std::optional<int16_t> embedded_version(const protocol::bytes& data);
// A ConsumerProtocolSubscription or ConsumerProtocolAssignment; versions
// newer than ours are read as our newest (they only add fields at the end).
std::optional<protocol::consumer_protocol_subscription> decode_subscription(const protocol::bytes& data);
std::optional<partition_set> decode_assignment(const protocol::bytes& data, const topic_lookup& topics);
// `version` is the member's subscription version, as Kafka answers.
protocol::bytes encode_assignment(const partition_set& partitions, const topic_lookup& topics, int16_t version);
// Partition lists of a subscription (owned partitions) by topic id.
partition_set to_partition_set(const std::vector<protocol::consumer_protocol_subscription::topic_partition>& in,
                               const topic_lookup& topics);

// group.consumer.migration.policy: which conversions of a live group are
// allowed (an empty group always converts).
enum class migration_policy { disabled, upgrade, downgrade, bidirectional };
std::optional<migration_policy> parse_migration_policy(std::string_view value);  // case-insensitive
bool upgrade_enabled(migration_policy p);
bool downgrade_enabled(migration_policy p);

// The consumer group a live classic group becomes: every member keeps its
// last assignment (as its current and target assignment) at the group's
// generation, Stable, using the classic protocol. nullptr when a member's
// subscription or assignment cannot be read (Kafka refuses the upgrade).
std::unique_ptr<consumer_group> consumer_group_from_classic(const group& g, const topic_lookup& topics);
// The records that create `cg` (Kafka's createConsumerGroupRecords):
// member metadata, group epoch, target assignments, target epoch, current
// assignments.
std::vector<keyed_value> consumer_group_creation_records(const consumer_group& cg);

// Fills the (empty, classic) group `out` with the members of `cg` except
// `leaving`, each given its target assignment in its own subscription
// version, at generation = group epoch, in state Stable with a protocol and
// leader chosen as a completed rebalance would (Kafka then rebalances).
// False when a member's protocol metadata cannot be read.
bool classic_group_from_consumer(const consumer_group& cg, const std::string& leaving, const topic_lookup& topics,
                                 group& out, int64_t now_ms);

}  // namespace sluice::broker::groups
