#pragma once
// The KIP-848 consumer-group records of `__consumer_offsets`, in Kafka's
// formats (key versions 3 to 8, value version 0), and their replay into
// the image the coordinator rebuilds a group from:
//
//   key 3 (group)          group epoch
//   key 4 (group)          subscribed topics: id, name, partition count
//   key 5 (group, member)  member metadata: subscription, client, timeouts
//   key 6 (group)          target assignment epoch
//   key 7 (group, member)  the member's target assignment
//   key 8 (group, member)  the member's current assignment and epochs
//
// A null value is a tombstone. Deleting a group writes tombstones for all
// of its records, the group epoch's last.
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "broker/groups/consumer_group.h"
#include "broker/groups/offsets_topic.h"

namespace sluice::broker::groups {

keyed_value group_epoch_record(const std::string& group, std::optional<int32_t> epoch);
keyed_value subscribed_topics_record(const std::string& group,
                                     const std::optional<std::map<std::string, subscribed_topic>>& topics);
keyed_value member_metadata_record(const std::string& group, const std::string& member_id,
                                   const consumer_member* member);
keyed_value target_epoch_record(const std::string& group, std::optional<int32_t> epoch);
keyed_value target_member_record(const std::string& group, const std::string& member_id,
                                 const partition_set* partitions);
keyed_value current_assignment_record(const std::string& group, const std::string& member_id,
                                      const consumer_member* member);

// Applies one record (its whole key, version first) to `image`; false
// when the key or value is malformed (the loader skips and logs those).
bool replay_consumer_record(protocol::bytes_view key, const std::optional<protocol::bytes>& value,
                            consumer_group_image& image);

}  // namespace sluice::broker::groups
