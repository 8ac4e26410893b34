#include "broker/http/readiness.h"

#include <algorithm>

#include "broker/broker.h"
#include "broker/topics/topic_registry.h"
#include "replication/metadata_store.h"

namespace sluice::broker::http {

std::optional<std::string> not_ready(broker& b) {
    const protocol::node_id self(b.config().node_id);
    if (b.config().metadata_etcd_endpoints) {
        auto live = b.metadata().live_brokers();
        if (std::none_of(live.begin(), live.end(), [&](const auto& n) { return n.id == self; })) {
            return "not registered in the cluster";
        }
    }
    for (const auto& [name, t] : b.topics().all()) {
        for (const auto& p : t->partitions) {
            const auto& replicas = p->replica.replicas();
            bool mine = replicas.empty() || std::find(replicas.begin(), replicas.end(), self) != replicas.end();
            // A follower of no one holds -1 (replication::no_leader).
            const auto leader = p->replica.leader_id();
            if (mine && (!leader || leader->value() < 0)) {
                return "partition " + name + "-" + std::to_string(p->index) + " has no leader";
            }
        }
    }
    return std::nullopt;
}

}  // namespace sluice::broker::http
