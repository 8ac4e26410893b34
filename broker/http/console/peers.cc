#include "broker/http/console/peers.h"

#include <boost/json/object.hpp>

#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/http/console/api_support.h"
#include "broker/topics/topic_registry.h"
#include "replication/metadata_store.h"

namespace sluice::broker::http::console {

namespace json = boost::json;
using protocol::error_code;

namespace {

answer elsewhere(broker& b, error_code e, const std::string& message, std::optional<int32_t> holder) {
    json::object o;
    o["error"] = protocol::error_name(e);
    o["message"] = message;
    o["broker"] = nullptr;
    if (holder) {
        for (const auto& n : b.metadata().live_brokers()) {
            if (n.id.value() != *holder) continue;
            json::object peer;
            peer["id"] = n.id.value();
            peer["host"] = n.host;
            peer["port"] = n.port;
            o["broker"] = std::move(peer);
        }
    }
    return json_answer(http_status_of(e), o);
}

}  // namespace

std::optional<answer> not_coordinator(broker& b, const std::string& group_id) {
    const error_code e = b.groups().serving(group_id);
    if (e == error_code::none) return std::nullopt;
    if (e != error_code::not_coordinator) return api_error(e, "The group coordinator is not ready.");
    protocol::node_id at(-1);
    const bool known = b.groups().locate(group_id, at) == error_code::none && at.value() >= 0;
    return elsewhere(b, e,
                     "Broker " + std::to_string(b.config().node_id) + " does not coordinate group " + group_id +
                         (known ? "; broker " + std::to_string(at.value()) + " does." : "."),
                     known ? std::optional<int32_t>(at.value()) : std::nullopt);
}

std::optional<answer> not_leader(broker& b, const std::string& topic, int32_t partition) {
    const partition_state* p = b.topics().find(topic, partition);
    if (p == nullptr) {
        return api_error(error_code::unknown_topic_or_partition,
                         "Partition " + topic + "-" + std::to_string(partition) + " does not exist.");
    }
    if (p->replica.is_leader() && p->log != nullptr) return std::nullopt;
    std::optional<int32_t> leader;
    if (auto reg = b.metadata().partition_state(topic, partition); reg && reg->leader >= 0) leader = reg->leader;
    return elsewhere(b, error_code::not_leader_or_follower,
                     "Broker " + std::to_string(b.config().node_id) + " does not lead " + topic + "-" +
                         std::to_string(partition) + (leader ? "; broker " + std::to_string(*leader) + " does." : "."),
                     leader);
}

}  // namespace sluice::broker::http::console
