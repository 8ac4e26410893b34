// AddPartitionsToTxn: a transactional producer names the partitions it is
// about to write (v0-3, one transaction), or a broker verifies or adds for
// several (v4+, KIP-890). Partitions of unknown topics fail the request as
// Kafka fails it: UNKNOWN_TOPIC_OR_PARTITION for those, OPERATION_NOT_ATTEMPTED
// for the rest; otherwise the coordinator's one answer goes to every
// partition.
#include "protocol/generated/add_partitions_to_txn.h"

#include <memory>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/txn_errors.h"
#include "broker/topics/topic_registry.h"
#include "broker/txn/coordinator.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using request_t = protocol::add_partitions_to_txn_request;
using response_t = protocol::add_partitions_to_txn_response;
using topic_result = response_t::add_partitions_to_txn_topic_result;

namespace {

constexpr int16_t fenced_since = 2;
constexpr int16_t first_batched_version = 4;

std::vector<txn::topic_partition> partitions_of(const std::vector<request_t::add_partitions_to_txn_topic>& topics) {
    std::vector<txn::topic_partition> out;
    for (const auto& t : topics) {
        for (int32_t p : t.partitions)
            out.push_back({t.name, p});
    }
    return out;
}

bool exists(broker& b, const txn::topic_partition& tp) { return b.topics().find(tp.topic, tp.partition) != nullptr; }

// Every partition with `error`, or per partition from `each`.
std::vector<topic_result> results(const std::vector<request_t::add_partitions_to_txn_topic>& topics,
                                  const std::function<error_code(const txn::topic_partition&)>& each) {
    std::vector<topic_result> out;
    for (const auto& t : topics) {
        auto& tr = out.emplace_back();
        tr.name = t.name;
        for (int32_t p : t.partitions)
            tr.results_by_partition.push_back({p, to_wire(each({t.name, p})), {}});
    }
    return out;
}

// One transaction's answer: `done` with its per-partition results.
void add_one(broker& b, const session& who, const std::string& id, int64_t pid, int16_t epoch, bool verify_only,
             const std::vector<request_t::add_partitions_to_txn_topic>& topics, int16_t version,
             std::function<void(std::vector<topic_result>)> done) {
    auto partitions = partitions_of(topics);
    auto all = [&topics, version](error_code e) {
        e = fenced_for_version(e, version, fenced_since);
        return results(topics, [e](const txn::topic_partition&) { return e; });
    };
    if (!transactional_id_authorized(b, who, acl_operation::write, id)) {
        return done(all(error_code::transactional_id_authorization_failed));
    }
    // Kafka: topics without WRITE fail, the others are not attempted.
    bool denied = false;
    for (const auto& t : topics)
        denied = denied || !topic_authorized(b, who, acl_operation::write, t.name);
    if (denied) {
        return done(results(topics, [&b, &who](const txn::topic_partition& tp) {
            return topic_authorized(b, who, acl_operation::write, tp.topic) ? error_code::operation_not_attempted
                                                                            : error_code::topic_authorization_failed;
        }));
    }
    if (id.empty()) return done(all(error_code::invalid_request));
    bool unknown = false;
    for (const auto& tp : partitions)
        unknown = unknown || !exists(b, tp);
    if (unknown) {
        return done(results(topics, [&b](const txn::topic_partition& tp) {
            return exists(b, tp) ? error_code::operation_not_attempted : error_code::unknown_topic_or_partition;
        }));
    }
    if (verify_only) {
        std::vector<error_code> each;
        error_code e = b.transactions().verify_partitions(id, protocol::producer_id(pid),
                                                          protocol::producer_epoch(epoch), partitions, each);
        if (e != error_code::none) return done(all(e));
        // KIP-890: v5 calls a partition outside the transaction
        // TRANSACTION_ABORTABLE; v4 knew it as INVALID_TXN_STATE.
        size_t i = 0;
        return done(results(topics, [&each, &i, version](const txn::topic_partition&) {
            error_code e = each[i++];
            return e == error_code::invalid_txn_state && version >= 5 ? error_code::transaction_abortable : e;
        }));
    }
    b.transactions().add_partitions(id, protocol::producer_id(pid), protocol::producer_epoch(epoch),
                                    std::move(partitions),
                                    [all, done = std::move(done)](error_code e) { done(all(e)); });
}

}  // namespace

handler_result handle_add_partitions_to_txn(broker& b, request& req) {
    auto body = std::make_shared<request_t>();
    if (!decode_body(req, *body)) return handler_result::close();
    const int16_t version = req.api_version;
    // v4+ batches come from brokers: CLUSTER_ACTION on the cluster.
    if (version >= first_batched_version && !cluster_authorized(b, req, acl_operation::cluster_action)) {
        return refuse_with<response_t>(req, error_code::cluster_authorization_failed);
    }
    // The checks run inside the deferred answer, with the request's session.
    std::shared_ptr<const session> origin = req.origin;
    return handler_result::later([&b, body, version, origin](respond_fn respond) {
        auto response = std::make_shared<response_t>();
        auto send = [response, version, respond = std::move(respond)] {
            protocol::writer w;
            response->encode(w, version);
            respond(std::move(w));
        };
        if (version < first_batched_version) {
            return add_one(b, *origin, body->v3_and_below_transactional_id, body->v3_and_below_producer_id,
                           body->v3_and_below_producer_epoch, false, body->v3_and_below_topics, version,
                           [body, response, send](std::vector<topic_result> r) {
                               response->results_by_topic_v3_and_below = std::move(r);
                               send();
                           });
        }
        if (body->transactions.empty()) return send();
        response->results_by_transaction.resize(body->transactions.size());
        auto waiting = std::make_shared<size_t>(body->transactions.size());
        for (size_t i = 0; i < body->transactions.size(); ++i) {
            const auto& t = body->transactions[i];
            response->results_by_transaction[i].transactional_id = t.transactional_id;
            add_one(b, *origin, t.transactional_id, t.producer_id, t.producer_epoch, t.verify_only, t.topics, version,
                    [body, response, waiting, send, i](std::vector<topic_result> r) {
                        response->results_by_transaction[i].topic_results = std::move(r);
                        if (--*waiting == 0) send();
                    });
        }
    });
}

}  // namespace sluice::broker
