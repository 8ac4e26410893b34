#include "broker/handlers/common.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "broker/broker.h"
#include "broker/handlers/handler.h"
#include "broker/topics/topic_registry.h"
#include "replication/metadata_store.h"

namespace sluice::broker {

endpoint advertised_endpoint(broker& b, std::string_view listener) {
    const auto& listeners = b.config().advertised_listeners;
    endpoint e;
    if (!listeners.empty()) {
        auto it = std::find_if(listeners.begin(), listeners.end(), [&](const auto& l) { return l.name == listener; });
        const auto& chosen = it == listeners.end() ? listeners.front() : *it;
        e.host = chosen.host;
        e.port = chosen.port;
    }
    if (e.host.empty()) e.host = local_hostname();
    if (e.port == 0) e.port = b.bound_port();
    return e;
}

std::optional<endpoint> endpoint_of(const replication::broker_node& node, std::string_view listener) {
    for (const auto& e : node.endpoints) {
        if (e.listener == listener) return endpoint{e.host, e.port};
    }
    if (!node.endpoints.empty() && !listener.empty()) return std::nullopt;
    return endpoint{node.host, node.port};
}

const std::shared_ptr<const session>& anonymous_session() {
    static const auto anonymous = std::make_shared<const session>();
    return anonymous;
}

void note_trailing_bytes(const request& req, size_t count) {
    spdlog::debug("{}: ignoring {} bytes after the body of a {} v{} request", req.peer, count, req.api_key,
                  req.api_version);
}

std::string client_host_of(const std::string& peer) {
    auto colon = peer.rfind(':');
    return "/" + (colon == std::string::npos ? peer : peer.substr(0, colon));
}

void auto_create_topic(broker& b, const std::string& topic, std::function<void(protocol::error_code)> done) {
    if (b.topics().find(topic) != nullptr) return done(protocol::error_code::none);
    if (!b.config().auto_create_topics_enable) return done(protocol::error_code::unknown_topic_or_partition);
    b.topics().create(topic, -1, -1, {}, false, [&b, topic, done = std::move(done)](op_result result) {
        // Another client's request (or broker) may have created it meanwhile;
        // until this broker has applied that creation, the client retries
        // (Kafka answers LEADER_NOT_AVAILABLE: "possibly another broker
        // created this topic"), never a permanent TOPIC_ALREADY_EXISTS.
        if (result.code == protocol::error_code::topic_already_exists) {
            return done(b.topics().find(topic) != nullptr ? protocol::error_code::none
                                                          : protocol::error_code::leader_not_available);
        }
        done(result.code);
    });
}

std::set<int32_t> live_broker_ids(broker& b) {
    std::set<int32_t> ids;
    for (const auto& node : b.metadata().live_brokers()) ids.insert(node.id.value());
    return ids;
}

}  // namespace sluice::broker
