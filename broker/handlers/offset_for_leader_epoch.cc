// OffsetForLeaderEpoch: the end offset of a leader epoch, as Kafka's leader
// answers it (LeaderEpochFileCache.endOffsetFor), after checking the
// caller's idea of the current epoch.
#include "broker/handlers/offset_for_leader_epoch.h"

#include <algorithm>
#include <vector>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::offset_for_leader_epoch_response;

namespace {

response_t::epoch_end_offset answer_partition(partition_state* p, int32_t current_leader_epoch, int32_t requested,
                                              const leader_epoch_fn& epoch_of) {
    response_t::epoch_end_offset out;
    if (p == nullptr) {
        out.error_code = to_wire(error_code::unknown_topic_or_partition);
        return out;
    }
    const int32_t current = epoch_of(*p);
    if (current_leader_epoch >= 0 && current_leader_epoch < current) {
        out.error_code = to_wire(error_code::fenced_leader_epoch);
        return out;
    }
    if (current_leader_epoch > current) {
        out.error_code = to_wire(error_code::unknown_leader_epoch);
        return out;
    }
    // Consumers and followers alike ask the leader (Kafka's
    // Partition.lastOffsetForLeaderEpoch with fetchOnlyFromLeader).
    if (!p->replica.is_leader()) {
        out.error_code = to_wire(error_code::not_leader_or_follower);
        return out;
    }
    log::epoch_entry end = leader_epoch_end(p->log->leader_epochs(), p->log->log_end_offset(), current, requested);
    out.leader_epoch = end.epoch;
    out.end_offset = end.start_offset;
    return out;
}

}  // namespace

log::epoch_entry leader_epoch_end(const log::leader_epoch_cache& epochs, int64_t log_end_offset, int32_t current,
                                  int32_t requested) {
    const std::vector<log::epoch_entry>& known = epochs.entries();
    // Only an epoch newer than every known one would be added (as assign()
    // does), and only answers up to it change.
    bool added = current >= 0 && (known.empty() || current > known.back().epoch);
    if (!added || requested < 0 || requested > current) return epochs.end_offset_for(requested, log_end_offset);
    if (requested == current) return {current, log_end_offset};
    // `requested` ends where the added epoch starts, unless an older one
    // known here ends first.
    if (known.empty()) return {requested, log_end_offset};
    int64_t current_start = std::max(log_end_offset, known.back().start_offset);
    if (requested >= known.back().epoch) return {known.back().epoch, current_start};
    return epochs.end_offset_for(requested, log_end_offset);
}

response_t answer_offset_for_leader_epoch(const protocol::offset_for_leader_epoch_request& body,
                                          topic_registry& topics, const leader_epoch_fn& epoch_of) {
    response_t response;
    for (const auto& t : body.topics) {
        response_t::offset_for_leader_topic_result topic_out;
        topic_out.topic = t.topic;
        for (const auto& p : t.partitions) {
            auto out = answer_partition(topics.find(t.topic, p.partition), p.current_leader_epoch, p.leader_epoch,
                                        epoch_of);
            out.partition = p.partition;
            topic_out.partitions.push_back(out);
        }
        response.topics.push_back(std::move(topic_out));
    }
    return response;
}

handler_result handle_offset_for_leader_epoch(broker& b, request& req) {
    protocol::offset_for_leader_epoch_request body;
    if (!decode_body(req, body)) return handler_result::close();
    auto current_epoch = [](const partition_state& p) { return p.replica.epoch().value(); };
    auto response = answer_offset_for_leader_epoch(body, b.topics(), current_epoch);
    // Kafka: a follower (v3+ replica id) needs CLUSTER_ACTION, a client
    // DESCRIBE on each topic.
    if (b.authorizer().enabled()) {
        bool follower = req.api_version >= 3 && body.replica_id >= 0;
        bool cluster_ok = !follower || cluster_authorized(b, req, acl_operation::cluster_action);
        for (auto& t : response.topics) {
            auto e = !cluster_ok ? protocol::error_code::cluster_authorization_failed
                     : follower || topic_authorized(b, req, acl_operation::describe, t.topic)
                         ? protocol::error_code::none
                         : protocol::error_code::topic_authorization_failed;
            if (e == protocol::error_code::none) continue;
            for (auto& p : t.partitions) {
                auto index = p.partition;
                p = {};
                p.partition = index;
                p.error_code = protocol::to_wire(e);
            }
        }
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
