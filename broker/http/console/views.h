#pragma once
// The console API's reads: brokers, topics, one topic, groups, one group.
// Metadata (brokers, topics, partition leaders, replicas, ISR) comes from
// the metadata store, complete on every broker; what only a partition's
// hosts or a group's coordinator hold (log sizes and offsets, members,
// committed offsets, lag) comes from this broker's state, or is null /
// NOT_COORDINATOR naming the broker that holds it.
//
// Runs on the I/O thread, like everything it reads; walks memory only.
#include <string>

#include "broker/http/router.h"

namespace sluice::broker {
class broker;
}

namespace sluice::broker::http::console {

answer cluster_view(broker& b);
answer topics_view(broker& b);
answer topic_view(broker& b, const std::string& topic);
answer groups_view(broker& b);
answer group_view(broker& b, const std::string& group_id);

}  // namespace sluice::broker::http::console
