// WriteTxnMarkers to partition leaders, with retries (marker_sender.h).
#include "broker/txn/marker_sender.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "broker/broker.h"
#include "broker/topics/topic_registry.h"
#include "protocol/generated/write_txn_markers.h"
#include "replication/kafka_connection.h"
#include "replication/metadata_store.h"

namespace sluice::broker::txn {

namespace {

constexpr int16_t markers_version = 1;
constexpr auto retry_backoff = std::chrono::milliseconds(100);

}  // namespace

struct marker_sender::job {
    txn_markers markers;
    std::function<void()> done;
    size_t in_flight = 0;  // requests of the current round
    bool failed = false;   // something of this round must go again
    int attempts = 0;
};

marker_sender::marker_sender(broker& b) : broker_(b) {}

marker_sender::~marker_sender() { stop(); }

void marker_sender::stop() {
    *alive_ = false;
    for (auto& [node, c] : connections_)
        c->close();
    connections_.clear();
}

void marker_sender::send(txn_markers markers, std::function<void()> done) {
    auto j = std::make_shared<job>();
    j->markers = std::move(markers);
    j->done = std::move(done);
    round(std::move(j));
}

std::shared_ptr<replication::kafka_connection> marker_sender::connection_to(int32_t node) {
    auto it = connections_.find(node);
    if (it != connections_.end()) return it->second;
    for (const auto& n : broker_.metadata().live_brokers()) {
        if (n.id.value() != node) continue;
        replication::kafka_connection::options o;
        o.host = n.host;
        o.port = std::to_string(n.port);
        o.client_id = "sluice-txn-coordinator-" + std::to_string(broker_.config().node_id);
        o.sasl = broker_.config().sasl.inter_broker_login;
        auto c = replication::kafka_connection::create(broker_.io().get_executor(), std::move(o));
        connections_.emplace(node, c);
        return c;
    }
    return nullptr;
}

void marker_sender::round(std::shared_ptr<job> j) {
    if (!*alive_) return;
    ++j->attempts;
    j->failed = false;
    // Partitions by their leader now; those whose topic is gone are done.
    std::map<int32_t, std::map<std::string, std::vector<int32_t>>> by_leader;
    for (auto it = j->markers.partitions.begin(); it != j->markers.partitions.end();) {
        auto reg = broker_.metadata().partition_state(it->topic, it->partition);
        if (!reg) {
            spdlog::info("transaction markers: {}-{} is gone; skipping it", it->topic, it->partition);
            it = j->markers.partitions.erase(it);
            continue;
        }
        if (reg->leader == replication::no_leader) {
            j->failed = true;
        } else {
            by_leader[reg->leader][it->topic].push_back(it->partition);
        }
        ++it;
    }
    if (j->markers.partitions.empty()) return j->done();
    if (by_leader.empty()) return retry_later(j);
    j->in_flight = by_leader.size();
    for (auto& [node, topics] : by_leader) {
        auto connection = connection_to(node);
        if (connection == nullptr) {
            j->failed = true;
            if (--j->in_flight == 0) retry_later(j);
            continue;
        }
        protocol::write_txn_markers_request req;
        auto& m = req.markers.emplace_back();
        m.producer_id = j->markers.pid.value();
        m.producer_epoch = j->markers.epoch.value();
        m.transaction_result = j->markers.commit;
        m.coordinator_epoch = j->markers.coordinator_epoch;
        for (auto& [topic, partitions] : topics)
            m.topics.push_back({topic, partitions, {}});
        protocol::writer w;
        req.encode(w, markers_version);
        connection->send(protocol::write_txn_markers_request::api_key, markers_version, w,
                         [this, j, node = node, alive = std::weak_ptr<bool>(alive_)](replication::kafka_response r) {
                             if (alive.expired()) return;
                             if (r.error) {
                                 spdlog::warn("transaction markers to node {}: {}", node, *r.error);
                                 forget_later(node);
                                 j->failed = true;
                             } else {
                                 protocol::reader rd(r.body);
                                 protocol::write_txn_markers_response resp;
                                 resp.decode(rd, markers_version);
                                 if (!rd.ok()) {
                                     j->failed = true;
                                 } else {
                                     for (const auto& marker : resp.markers) {
                                         for (const auto& t : marker.topics) {
                                             for (const auto& p : t.partitions) {
                                                 auto e = static_cast<protocol::error_code>(p.error_code);
                                                 // A newer epoch already ended it there: nothing to do.
                                                 if (e == protocol::error_code::none ||
                                                     e == protocol::error_code::invalid_producer_epoch ||
                                                     e == protocol::error_code::transaction_coordinator_fenced) {
                                                     if (e != protocol::error_code::none) {
                                                         spdlog::warn("transaction marker for {}-{}: {}", t.name,
                                                                      p.partition_index, protocol::error_name(e));
                                                     }
                                                     j->markers.partitions.erase({t.name, p.partition_index});
                                                 } else {
                                                     j->failed = true;
                                                 }
                                             }
                                         }
                                     }
                                 }
                             }
                             if (--j->in_flight > 0) return;
                             if (j->markers.partitions.empty()) return j->done();
                             retry_later(j);
                         });
    }
}

void marker_sender::forget_later(int32_t node) {
    // Not inline: the failing connection is still running this callback.
    // The broker may come back at another address, read again next time.
    boost::asio::post(broker_.io(), [this, node, alive = std::weak_ptr<bool>(alive_)] {
        if (alive.expired()) return;
        auto it = connections_.find(node);
        if (it != connections_.end() && !it->second->connected()) connections_.erase(it);
    });
}

void marker_sender::retry_later(std::shared_ptr<job> j) {
    if (j->attempts % 50 == 0) {
        spdlog::warn("transaction markers of producer {} still pending for {} partition(s)", j->markers.pid.value(),
                     j->markers.partitions.size());
    }
    auto timer = std::make_shared<boost::asio::steady_timer>(broker_.io(), retry_backoff);
    timer->async_wait([this, j, timer, alive = std::weak_ptr<bool>(alive_)](boost::system::error_code ec) {
        if (ec || alive.expired()) return;
        round(j);
    });
}

}  // namespace sluice::broker::txn
