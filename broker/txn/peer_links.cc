// Connections to the other brokers by node id (peer_links.h).
#include "broker/txn/peer_links.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <spdlog/spdlog.h>

#include "broker/broker.h"
#include "broker/config/config_error.h"
#include "broker/net/tls_context.h"
#include "replication/kafka_connection.h"
#include "replication/metadata_store.h"

namespace sluice::broker::txn {

peer_links::peer_links(broker& b, std::string client_id) : broker_(b), client_id_(std::move(client_id)) {}

peer_links::~peer_links() { stop(); }

void peer_links::stop() {
    *alive_ = false;
    for (auto& [node, c] : links_)
        c->close();
    links_.clear();
}

std::shared_ptr<replication::kafka_connection> peer_links::to(int32_t node) {
    auto it = links_.find(node);
    if (it != links_.end()) return it->second;
    for (const auto& n : broker_.metadata().live_brokers()) {
        if (n.id.value() != node) continue;
        replication::kafka_connection::options o;
        o.host = n.host;
        o.port = std::to_string(n.port);
        // Other brokers are reached on inter.broker.listener.name, with its TLS.
        try {
            inter_broker_client inter = inter_broker_settings(broker_.config());
            for (const auto& e : n.endpoints) {
                if (e.listener != inter.listener) continue;
                o.host = e.host;
                o.port = std::to_string(e.port);
            }
            o.tls = inter.tls;
            o.tls_verify_host = inter.verify_host;
        } catch (const config_error& e) {
            spdlog::error("cannot reach broker {}: {}", node, e.what());
            return nullptr;
        }
        o.client_id = client_id_;
        o.sasl = broker_.config().sasl.inter_broker_login;
        auto c = replication::kafka_connection::create(broker_.io().get_executor(), std::move(o));
        links_.emplace(node, c);
        return c;
    }
    return nullptr;
}

void peer_links::failed(int32_t node) {
    // Not inline: the failing connection is still running its callback.
    boost::asio::post(broker_.io(), [this, node, alive = std::weak_ptr<bool>(alive_)] {
        if (alive.expired()) return;
        auto it = links_.find(node);
        if (it != links_.end() && !it->second->connected()) links_.erase(it);
    });
}

}  // namespace sluice::broker::txn
