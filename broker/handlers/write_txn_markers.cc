// WriteTxnMarkers: a transaction coordinator has this broker, as leader,
// end a producer's transaction in each partition named: a COMMIT or ABORT
// control batch, appended as Kafka's coordinator-origin appends are
// (producer and coordinator epochs checked, log/producer_state.h) and
// answered once the ISR holds it, as with acks=all.
#include "protocol/generated/write_txn_markers.h"

#include <memory>

#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
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

// A marker appended and waiting for the ISR.
struct appended_marker {
    int16_t* error;             // its partition's answer
    int32_t offsets_partition;  // >= 0: a __consumer_offsets partition
    int64_t producer_id;
    bool commit;
};

}  // namespace

handler_result handle_write_txn_markers(broker& b, request& req) {
    protocol::write_txn_markers_request body;
    if (!decode_body(req, body)) return handler_result::close();
    auto response = std::make_shared<response_t>();
    // Markers come from transaction coordinators: CLUSTER_ACTION.
    const bool cluster_ok = cluster_authorized(b, req, acl_operation::cluster_action);
    std::vector<commit_target> targets;
    std::vector<appended_marker> appended;
    response->markers.reserve(body.markers.size());
    for (const auto& m : body.markers) {
        auto& marker_out = response->markers.emplace_back();
        marker_out.producer_id = m.producer_id;
        marker_out.topics.reserve(m.topics.size());
        for (const auto& t : m.topics) {
            auto& topic_out = marker_out.topics.emplace_back();
            topic_out.name = t.name;
            // Reserved: `appended` points into these answers.
            topic_out.partitions.reserve(t.partition_indexes.size());
            for (int32_t index : t.partition_indexes) {
                auto& part = topic_out.partitions.emplace_back();
                part.partition_index = index;
                partition_state* p = b.topics().find(t.name, index);
                if (!cluster_ok) {
                    part.error_code = to_wire(error_code::cluster_authorization_failed);
                    continue;
                }
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
                auto result = p->log->append_marker(protocol::producer_id(m.producer_id),
                                                    protocol::producer_epoch(m.producer_epoch), marker,
                                                    p->replica.epoch().value(), now_ms());
                part.error_code = to_wire(result.error);
                if (result.error != error_code::none) continue;
                on_leader_append(*p);
                b.flush_if_due(t.name, index);
                targets.push_back({ref_of(t.name, *p), result.last_offset + 1});
                appended.push_back({&part.error_code, t.name == groups::offsets_topic_name ? index : -1,
                                    m.producer_id, m.transaction_result});
            }
        }
    }
    if (targets.empty()) return respond_with(req, *response);
    const int16_t version = req.api_version;
    return handler_result::later([&b, response, version, targets = std::move(targets),
                                  appended = std::move(appended)](respond_fn respond) mutable {
        await_commits(b, std::move(targets), marker_timeout_ms,
                      [&b, response, version, appended = std::move(appended),
                       respond = std::move(respond)](std::vector<commit_outcome> outcomes) {
                          for (size_t i = 0; i < outcomes.size(); ++i) {
                              const appended_marker& a = appended[i];
                              *a.error = to_wire(acks_all_error(outcomes[i]));
                              // Kafka's onTransactionCompleted: the group coordinator applies
                              // or drops the transaction's offsets once the marker is safe.
                              if (outcomes[i] == commit_outcome::committed && a.offsets_partition >= 0) {
                                  b.groups().complete_transaction(a.offsets_partition, a.producer_id, a.commit);
                              }
                          }
                          protocol::writer w;
                          response->encode(w, version);
                          respond(std::move(w));
                      });
    });
}

}  // namespace sluice::broker
