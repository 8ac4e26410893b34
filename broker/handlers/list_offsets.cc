// ListOffsets: earliest, latest, max timestamp, or the first offset at or
// after a timestamp, per partition; from the partition's leader only.
#include "broker/handlers/list_offsets.h"

#include <set>
#include <string_view>
#include <utility>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"
#include "replication/leader_state.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::list_offsets_response;

namespace {

constexpr int64_t latest_timestamp = -1;
constexpr int64_t earliest_timestamp = -2;
constexpr int64_t max_timestamp = -3;
constexpr int64_t earliest_local_timestamp = -4;
constexpr int64_t latest_tiered_timestamp = -5;

constexpr int32_t consumer_replica_id = -1;
constexpr int32_t debugging_replica_id = -2;

response_t::list_offsets_partition_response lookup(partition_state* p, int64_t timestamp, int16_t version, int8_t isolation_level,
                                                   int32_t replica_id, int32_t current_leader_epoch) {
    response_t::list_offsets_partition_response out;
    if (p == nullptr) {
        out.error_code = to_wire(error_code::unknown_topic_or_partition);
        return out;
    }
    // As Kafka's ReplicaManager.fetchOffsetForTimestamp: the epoch check,
    // then only the leader answers, except to the debugging replica id.
    error_code refused = replica_id == debugging_replica_id ? p->replica.check_epoch(current_leader_epoch)
                                                            : p->replica.check_leader(current_leader_epoch);
    if (refused != error_code::none) {
        out.error_code = to_wire(refused);
        return out;
    }
    const log::partition_log& lg = *p->log;
    const bool consumer = replica_id == consumer_replica_id;
    // A consumer sees what is committed (read_committed: what is stable); a
    // replica (a follower finding where to resume) or the debugging id the
    // whole log.
    const int64_t fetchable = !consumer          ? lg.log_end_offset()
                              : isolation_level == 1 ? lg.last_stable_offset()
                                                     : lg.high_watermark();
    // KIP-207: a new leader's high watermark trails what its predecessor had
    // committed until the followers fetch in the new epoch. Until it reaches
    // the start of that epoch a consumer is told to retry, rather than shown
    // an end below offsets already acknowledged (v0 predates the rule).
    const replication::leader_state* ls = p->replica.leader();
    const bool lagging = consumer && version >= 1 && ls != nullptr && lg.high_watermark() < ls->epoch_start().value();
    const int16_t lagging_error =
        to_wire(version >= 5 ? error_code::offset_not_available : error_code::leader_not_available);
    out.leader_epoch = 0;
    switch (timestamp) {
        case latest_timestamp:
            if (lagging) {
                out.error_code = lagging_error;
                break;
            }
            out.offset = fetchable;
            out.leader_epoch = p->replica.epoch().value();
            break;
        case earliest_timestamp:
        case earliest_local_timestamp:
            out.offset = lg.log_start_offset();
            break;
        case latest_tiered_timestamp:
            out.offset = -1;
            break;
        case max_timestamp:
            if (version < 7) {
                out.error_code = to_wire(error_code::unsupported_version);
                break;
            }
            if (auto found = lg.max_timestamp(); found && found->offset < fetchable) {
                out.offset = found->offset;
                out.timestamp = found->timestamp;
            } else if (lagging) {
                out.error_code = lagging_error;
            }
            break;
        default:
            if (timestamp < 0) {
                out.error_code = to_wire(error_code::invalid_request);
                break;
            }
            // Only an offset the caller may read; past it, "none" -- or, while
            // the high watermark lags, "not yet".
            if (auto found = lg.offset_for_timestamp(timestamp); found && found->offset < fetchable) {
                out.offset = found->offset;
                out.timestamp = found->timestamp;
            } else if (lagging) {
                out.error_code = lagging_error;
            }
            break;
    }
    if (version == 0 && out.error_code == 0 && out.offset >= 0) out.old_style_offsets = {out.offset};
    return out;
}

}  // namespace

response_t answer_list_offsets(const protocol::list_offsets_request& body, int16_t version, topic_registry& topics) {
    // v1+ answers a partition named twice with INVALID_REQUEST, as Kafka does
    // (v0 allowed repeats).
    std::set<std::pair<std::string_view, int32_t>> seen, repeated;
    for (const auto& t : body.topics) {
        for (const auto& p : t.partitions) {
            if (!seen.emplace(t.name, p.partition_index).second) repeated.emplace(t.name, p.partition_index);
        }
    }
    response_t response;
    for (const auto& t : body.topics) {
        response_t::list_offsets_topic_response topic_out;
        topic_out.name = t.name;
        for (const auto& p : t.partitions) {
            response_t::list_offsets_partition_response out;
            if (version >= 1 && repeated.contains({t.name, p.partition_index})) {
                out.error_code = to_wire(error_code::invalid_request);
            } else {
                out = lookup(topics.find(t.name, p.partition_index), p.timestamp, version,
                             version >= 2 ? body.isolation_level : int8_t{0}, body.replica_id,
                             version >= 4 ? p.current_leader_epoch : -1);
            }
            out.partition_index = p.partition_index;
            topic_out.partitions.push_back(std::move(out));
        }
        response.topics.push_back(std::move(topic_out));
    }
    return response;
}

handler_result handle_list_offsets(broker& b, request& req) {
    protocol::list_offsets_request body;
    if (!decode_body(req, body)) return handler_result::close();
    auto response = answer_list_offsets(body, req.api_version, b.topics());
    // Kafka: DESCRIBE on each topic.
    if (b.authorizer().enabled()) {
        for (auto& t : response.topics) {
            if (topic_authorized(b, req, acl_operation::describe, t.name)) continue;
            for (auto& p : t.partitions) {
                auto index = p.partition_index;
                p = {};
                p.partition_index = index;
                p.error_code = to_wire(error_code::topic_authorization_failed);
            }
        }
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
