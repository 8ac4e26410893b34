#include "broker/topics/partition_takeover.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "broker/broker.h"
#include "broker/topics/topic_registry.h"

namespace sluice::broker {

void partition_takeover::elected(int32_t partition) {
    const uint64_t election = ++counter_;
    pending_[partition] = election;
    boost::asio::post(broker_.io(), [this, partition, election, alive = std::weak_ptr<bool>(alive_)] {
        if (!alive.expired()) load_now(partition, election);
    });
}

void partition_takeover::load_now(int32_t partition, uint64_t election) {
    auto it = pending_.find(partition);
    if (it == pending_.end() || it->second != election) return;  // resigned, or elected again since
    pending_.erase(it);
    const topic_state* topic = broker_.topics().find(topic_);
    if (topic == nullptr || partition >= static_cast<int32_t>(topic->partitions.size())) return;
    const partition_state& p = *topic->partitions[static_cast<size_t>(partition)];
    if (p.replica.is_leader()) load_(partition, p);
}

}  // namespace sluice::broker
