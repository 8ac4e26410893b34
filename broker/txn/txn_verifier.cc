// Produce-side transaction verification (txn_verifier.h).
#include "broker/txn/txn_verifier.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "broker/broker.h"
#include "broker/txn/coordinator.h"
#include "protocol/generated/add_partitions_to_txn.h"
#include "replication/kafka_connection.h"

namespace sluice::broker::txn {

namespace {

// v5 names a partition outside the transaction TRANSACTION_ABORTABLE.
constexpr int16_t verify_version = 4;
constexpr int16_t abortable_version = 5;

}  // namespace

error_code produce_error_of_verification(error_code e, bool abortable_known) {
    switch (e) {
        case error_code::producer_fenced:
            return error_code::invalid_producer_epoch;
        case error_code::invalid_txn_state:
        case error_code::transaction_abortable:
            return abortable_known ? error_code::transaction_abortable : error_code::invalid_txn_state;
        // Older producers treat these as fatal in a produce answer; the
        // verification is simply not done yet.
        case error_code::concurrent_transactions:
        case error_code::coordinator_load_in_progress:
        case error_code::coordinator_not_available:
        case error_code::not_coordinator:
            return error_code::not_enough_replicas;
        default:
            return e;
    }
}

txn_verifier::txn_verifier(broker& b, coordinator& local)
    : broker_(b), local_(local), links_(b, "sluice-txn-verifier-" + std::to_string(b.config().node_id)) {}

void txn_verifier::stop() {
    *alive_ = false;
    links_.stop();
}

void txn_verifier::answer(done_fn done, unverified result) {
    boost::asio::post(broker_.io(), [done = std::move(done), result = std::move(result)]() mutable {
        done(std::move(result));
    });
}

void txn_verifier::verify(const std::string& id, producer_id pid, producer_epoch epoch,
                          const std::vector<topic_partition>& partitions, bool abortable_known, done_fn done) {
    auto all = [&](error_code e) {
        unverified out;
        for (const auto& tp : partitions)
            out[tp] = produce_error_of_verification(e, abortable_known);
        return out;
    };
    protocol::node_id node{-1};
    if (error_code e = local_.locate(id, node); e != error_code::none) return answer(std::move(done), all(e));
    if (node.value() != broker_.config().node_id) {
        return ask_remote(node.value(), id, pid, epoch, partitions, abortable_known, std::move(done));
    }
    std::vector<error_code> each;
    if (error_code e = local_.verify_partitions(id, pid, epoch, partitions, each); e != error_code::none) {
        return answer(std::move(done), all(e));
    }
    unverified out;
    for (size_t i = 0; i < partitions.size(); ++i) {
        if (each[i] != error_code::none) out[partitions[i]] = produce_error_of_verification(each[i], abortable_known);
    }
    answer(std::move(done), std::move(out));
}

void txn_verifier::ask_remote(int32_t node, const std::string& id, producer_id pid, producer_epoch epoch,
                              const std::vector<topic_partition>& partitions, bool abortable_known, done_fn done) {
    auto all = [partitions, abortable_known](error_code e) {
        unverified out;
        for (const auto& tp : partitions)
            out[tp] = produce_error_of_verification(e, abortable_known);
        return out;
    };
    auto connection = links_.to(node);
    if (connection == nullptr) return answer(std::move(done), all(error_code::coordinator_not_available));
    const int16_t version = abortable_known ? abortable_version : verify_version;
    protocol::add_partitions_to_txn_request req;
    auto& t = req.transactions.emplace_back();
    t.transactional_id = id;
    t.producer_id = pid.value();
    t.producer_epoch = epoch.value();
    t.verify_only = true;
    for (const auto& tp : partitions) {
        if (t.topics.empty() || t.topics.back().name != tp.topic) t.topics.push_back({tp.topic, {}, {}});
        t.topics.back().partitions.push_back(tp.partition);
    }
    protocol::writer w;
    req.encode(w, version);
    connection->send(
        protocol::add_partitions_to_txn_request::api_key, version, w,
        [this, node, version, abortable_known, all, done = std::move(done),
         alive = std::weak_ptr<bool>(alive_)](replication::kafka_response r) mutable {
            if (alive.expired()) return;
            if (r.error) {
                spdlog::warn("transaction verification with node {}: {}", node, *r.error);
                links_.failed(node);
                return done(all(error_code::network_exception));
            }
            protocol::reader rd(r.body);
            protocol::add_partitions_to_txn_response resp;
            resp.decode(rd, version);
            if (!rd.ok()) return done(all(error_code::unknown_server_error));
            auto top = static_cast<error_code>(resp.error_code);
            // Kafka hides a coordinator's refusal of this broker from the producer.
            if (top == error_code::cluster_authorization_failed) return done(all(error_code::invalid_txn_state));
            if (top != error_code::none) return done(all(top));
            unverified out;
            for (const auto& txn : resp.results_by_transaction) {
                for (const auto& topic : txn.topic_results) {
                    for (const auto& p : topic.results_by_partition) {
                        auto e = static_cast<error_code>(p.partition_error_code);
                        if (e != error_code::none) {
                            out[{topic.name, p.partition_index}] = produce_error_of_verification(e, abortable_known);
                        }
                    }
                }
            }
            done(std::move(out));
        });
}

}  // namespace sluice::broker::txn
