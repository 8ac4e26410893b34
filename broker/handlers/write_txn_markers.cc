// WriteTxnMarkers: a transaction coordinator has this broker, as leader,
// end a producer's transaction in each partition named: a COMMIT or ABORT
// control batch, appended as Kafka's coordinator-origin appends are
// (producer and coordinator epochs checked, log/producer_state.h) and
// answered once the ISR holds it, as with acks=all.
#include "protocol/generated/write_txn_markers.h"

#include <memory>

#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/commit_wait.h"
#include "broker/topics/partition_leader.h"
#include "broker/topics/partition_ref.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"
#include "protocol/control_batch.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::write_txn_markers_response;

namespace {

// Kafka waits request.timeout.ms for the markers' replication.
constexpr int32_t marker_timeout_ms = 30000;

// Collects the answers; the response goes when the last wait is over.
struct pending_markers {
    response_t response;
    size_t waiting = 0;
    respond_fn respond;
    int16_t version = 0;
    void finish_one() {
        if (--waiting == 0 && respond) {
            protocol::writer w;
            response.encode(w, version);
            respond(std::move(w));
        }
    }
};

error_code wait_error(commit_outcome outcome) {
    switch (outcome) {
        case commit_outcome::committed:
            return error_code::none;
        case commit_outcome::not_enough_replicas_after_append:
            return error_code::not_enough_replicas_after_append;
        case commit_outcome::not_leader:
            return error_code::not_leader_or_follower;
        case commit_outcome::timed_out:
            return error_code::request_timed_out;
    }
    return error_code::unknown_server_error;
}

}  // namespace

handler_result handle_write_txn_markers(broker& b, request& req) {
    protocol::write_txn_markers_request body;
    if (!decode_body(req, body)) return handler_result::close();
    auto pending = std::make_shared<pending_markers>();
    pending->version = req.api_version;
    struct wait {
        int16_t* error;
        partition_ref ref;
        int64_t required;
        int32_t offsets_partition;  // >= 0: a __consumer_offsets partition
        int64_t producer_id;
        bool commit;
    };
    std::vector<wait> waits;
    pending->response.markers.reserve(body.markers.size());
    for (const auto& m : body.markers) {
        auto& marker_out = pending->response.markers.emplace_back();
        marker_out.producer_id = m.producer_id;
        marker_out.topics.reserve(m.topics.size());
        for (const auto& t : m.topics) {
            auto& topic_out = marker_out.topics.emplace_back();
            topic_out.name = t.name;
            topic_out.partitions.reserve(t.partition_indexes.size());
            for (int32_t index : t.partition_indexes) {
                auto& part = topic_out.partitions.emplace_back();
                part.partition_index = index;
                partition_state* p = b.topics().find(t.name, index);
                if (p == nullptr) {
                    part.error_code = to_wire(error_code::unknown_topic_or_partition);
                    continue;
                }
                if (!p->replica.is_leader()) {
                    part.error_code = to_wire(error_code::not_leader_or_follower);
                    continue;
                }
                const protocol::txn_marker marker{
                    m.transaction_result ? protocol::marker_type::commit : protocol::marker_type::abort,
                    m.coordinator_epoch};
                auto appended = p->log->append_marker(protocol::producer_id(m.producer_id),
                                                      protocol::producer_epoch(m.producer_epoch), marker,
                                                      p->replica.epoch().value(), now_ms());
                part.error_code = to_wire(appended.error);
                if (appended.error != error_code::none) continue;
                on_leader_append(*p);
                b.flush_if_due(t.name, index);
                waits.push_back({&part.error_code, ref_of(t.name, *p), appended.last_offset + 1,
                                 t.name == groups::offsets_topic_name ? index : -1, m.producer_id,
                                 m.transaction_result});
            }
        }
    }
    if (waits.empty()) return respond_with(req, pending->response);
    pending->waiting = waits.size() + 1;  // + 1 until every wait has started
    return handler_result::later([pending, waits = std::move(waits), &b](respond_fn respond) mutable {
        pending->respond = std::move(respond);
        for (auto& w : waits) {
            auto on_done = [pending, error = w.error, partition = w.offsets_partition, producer = w.producer_id,
                            commit = w.commit, &b](commit_outcome o) {
                *error = to_wire(wait_error(o));
                // Kafka's onTransactionCompleted: the group coordinator applies
                // or drops the transaction's offsets once the marker is safe.
                if (o == commit_outcome::committed && partition >= 0) {
                    b.groups().complete_transaction(partition, producer, commit);
                }
                pending->finish_one();
            };
            await_commit(b, std::move(w.ref), w.required, marker_timeout_ms, std::move(on_done));
        }
        pending->finish_one();
    });
}

}  // namespace sluice::broker
