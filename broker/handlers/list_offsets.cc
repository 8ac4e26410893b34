// ListOffsets: earliest, latest, max timestamp, or the first offset at or
// after a timestamp, per partition; from the partition's leader only.
#include "broker/handlers/list_offsets.h"

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

response_t::list_offsets_partition_response lookup(partition_state* p, int64_t timestamp, int16_t version,
                                                   int8_t isolation_level, int32_t replica_id,
                                                   int32_t current_leader_epoch,
                                                   std::vector<protocol::file_slice>* cold) {
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
    std::optional<protocol::file_slice> miss;
    auto* missing = cold != nullptr ? &miss : nullptr;
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
            if (auto found = lg.max_timestamp(missing); found && found->offset < fetchable) {
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
            if (auto found = lg.offset_for_timestamp(timestamp, missing); found && found->offset < fetchable) {
                out.offset = found->offset;
                out.timestamp = found->timestamp;
            } else if (lagging) {
                out.error_code = lagging_error;
            }
            break;
    }
    if (miss) cold->push_back(std::move(*miss));
    if (version == 0 && out.error_code == 0 && out.offset >= 0) out.old_style_offsets = {out.offset};
    return out;
}

}  // namespace

response_t answer_list_offsets(const protocol::list_offsets_request& body, int16_t version, topic_registry& topics,
                               std::vector<protocol::file_slice>* cold) {
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
                             version >= 4 ? p.current_leader_epoch : -1, cold);
            }
            out.partition_index = p.partition_index;
            topic_out.partitions.push_back(std::move(out));
        }
        response.topics.push_back(std::move(topic_out));
    }
    return response;
}

namespace {

// Kafka: DESCRIBE on each topic.
void refuse_denied(response_t& response, const std::set<std::string, std::less<>>& denied) {
    for (auto& t : response.topics) {
        if (!denied.contains(t.name)) continue;
        for (auto& p : t.partitions) {
            auto index = p.partition_index;
            p = {};
            p.partition_index = index;
            p.error_code = to_wire(error_code::topic_authorization_failed);
        }
    }
}

// A lookup by timestamp found pages not in the page cache: they are read
// in on the page cache warmer and the request is answered again on the
// I/O thread. After a few rounds (data rewritten or evicted meanwhile) the
// reads may wait, so the request always ends.
struct pending_list_offsets : std::enable_shared_from_this<pending_list_offsets> {
    broker& b;
    protocol::list_offsets_request body;
    int16_t version;
    std::set<std::string, std::less<>> denied;
    respond_fn respond;

    pending_list_offsets(broker& owner, protocol::list_offsets_request request, int16_t v,
                         std::set<std::string, std::less<>> refused)
        : b(owner), body(std::move(request)), version(v), denied(std::move(refused)) {}

    void warm_then_answer(std::vector<protocol::file_slice> cold, int round) {
        b.warm_page_cache(std::move(cold), [self = shared_from_this(), round] {
            constexpr int nowait_rounds = 4;
            std::vector<protocol::file_slice> again;
            const bool wait = round + 1 >= nowait_rounds;
            auto response = answer_list_offsets(self->body, self->version, self->b.topics(), wait ? nullptr : &again);
            if (!again.empty()) return self->warm_then_answer(std::move(again), round + 1);
            refuse_denied(response, self->denied);
            protocol::writer out;
            response.encode(out, self->version);
            self->respond(std::move(out));
        });
    }
};

}  // namespace

handler_result handle_list_offsets(broker& b, request& req) {
    protocol::list_offsets_request body;
    if (!decode_body(req, body)) return handler_result::close();
    std::set<std::string, std::less<>> denied;
    if (b.authorizer().enabled()) {
        for (const auto& t : body.topics) {
            if (!topic_authorized(b, req, acl_operation::describe, t.name)) denied.emplace(t.name);
        }
    }
    // Lookups by timestamp read batches: first only from the page cache, so
    // a cold log does not stall the I/O thread (and every other client).
    std::vector<protocol::file_slice> cold;
    auto response = answer_list_offsets(body, req.api_version, b.topics(), &cold);
    if (!cold.empty()) {
        auto pending = std::make_shared<pending_list_offsets>(b, std::move(body), req.api_version, std::move(denied));
        return handler_result::later([pending, cold = std::move(cold)](respond_fn respond) mutable {
            pending->respond = std::move(respond);
            pending->warm_then_answer(std::move(cold), 0);
        });
    }
    refuse_denied(response, denied);
    return respond_with(req, response);
}

}  // namespace sluice::broker
