#pragma once
// KIP-951: a Produce or Fetch refused because this broker does not lead the
// partition (or the caller's epoch is stale) names the leader it knows of,
// and the response carries that leader's endpoint, so the client retries
// there without first refreshing its metadata.
#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "broker/broker.h"
#include "broker/handlers/common.h"
#include "broker/topics/topic_registry.h"
#include "replication/metadata_store.h"

namespace sluice::broker {

// The leader and epoch this broker believes in; leader -1 when it knows none.
template <typename LeaderIdAndEpoch>
LeaderIdAndEpoch leader_hint_of(const partition_state& p) {
    LeaderIdAndEpoch hint;
    if (auto leader = p.replica.leader_id()) {
        hint.leader_id = leader->value();
        hint.leader_epoch = p.replica.epoch().value();
    }
    return hint;
}

// Adds the endpoint of broker `id` once, if it is alive: on `listener`, the
// one the request came in on, as Metadata names brokers.
template <typename NodeEndpoint>
void add_node_endpoint(broker& b, int32_t id, std::string_view listener, std::vector<NodeEndpoint>& out) {
    if (id < 0 || std::any_of(out.begin(), out.end(), [id](const NodeEndpoint& n) { return n.node_id == id; })) return;
    for (const auto& n : b.metadata().live_brokers()) {
        if (n.id.value() != id) continue;
        auto at = id == b.config().node_id ? std::optional<endpoint>(advertised_endpoint(b, listener))
                                           : endpoint_of(n, listener);
        if (!at) return;
        NodeEndpoint e;
        e.node_id = id;
        e.host = at->host;
        e.port = at->port;
        e.rack = n.rack;
        out.push_back(std::move(e));
        return;
    }
}

}  // namespace sluice::broker
