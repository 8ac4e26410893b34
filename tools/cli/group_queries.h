#pragma once
// The consumer-group requests behind `sluice groups` and `sluice lag`, each
// sent to the broker Kafka's AdminClient would send it to: ListGroups to
// every broker, DescribeGroups / OffsetFetch / OffsetCommit / DeleteGroups to
// the group's coordinator, ListOffsets to each partition's leader.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tools/cli/broker_pool.h"

namespace sluice::tools {

inline constexpr int64_t earliest_timestamp = -2;
inline constexpr int64_t latest_timestamp = -1;

struct listed_group {
    std::string group;
    std::string state;
    int32_t coordinator = -1;
};

struct group_member {
    std::string member_id;
    std::string instance_id;  // empty when not static
    std::string client_id;
    std::string host;
    std::vector<topic_partition> assignment;  // decoded from the consumer protocol
};

struct group_description {
    std::string group;
    std::string state;  // Kafka's names: Empty, Stable, PreparingRebalance, CompletingRebalance, Dead
    std::string protocol_type;
    std::string assignor;
    int32_t coordinator = -1;
    std::vector<group_member> members;
};

struct offset_answer {
    int16_t error_code = 0;
    int64_t offset = -1;  // -1: no offset (ListOffsets found no record that new)
};

// Consumer groups (protocol type "consumer" or empty, as Kafka's tool) of
// every broker, sorted by name.
std::vector<listed_group> list_groups(broker_pool& pool);

// DescribeGroups, or ConsumerGroupDescribe for a consumer-protocol (KIP-848)
// group, whose states are Empty, Assigning, Reconciling, Stable. A group
// that does not exist comes back in state "Dead" with no members.
group_description describe_group(broker_pool& pool, const std::string& group);

// The group's committed offsets (all partitions it has any for).
std::map<topic_partition, int64_t> fetch_committed(broker_pool& pool, const std::string& group);

// ListOffsets at `timestamp` (or earliest/latest_timestamp) for each
// partition, from its leader. A partition of a topic in error (deleted),
// without a leader, or whose leader answered an error has that error code
// in its answer.
std::map<topic_partition, offset_answer> list_offsets(broker_pool& pool, const std::set<topic_partition>& partitions,
                                                      int64_t timestamp);

// Commits `offsets` as an admin (no generation, no member), as Kafka's
// resetOffsets does; the group must be Empty or unknown. Throws kafka_error
// naming the first partition that failed.
void commit_offsets(broker_pool& pool, const std::string& group, const std::map<topic_partition, int64_t>& offsets);

// OffsetDelete of some of a group's committed offsets, at its coordinator:
// the group-level error code and each partition's.
struct offset_deletion {
    int16_t error_code = 0;
    std::map<topic_partition, int16_t> partitions;
};
offset_deletion delete_offsets(broker_pool& pool, const std::string& group, const std::set<topic_partition>& partitions);
// DeleteGroups; the error code per group (0 when deleted).
std::map<std::string, int16_t> delete_groups(broker_pool& pool, const std::vector<std::string>& groups);

}  // namespace sluice::tools
