// OffsetForLeaderEpoch: the end offset of a leader epoch, as Kafka's leader
// answers it (LeaderEpochFileCache.endOffsetFor), after checking the
// caller's idea of the current epoch.
#include "broker/handlers/offset_for_leader_epoch.h"

#include "broker/broker.h"
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
    const log::partition_log& lg = *p->log;
    // A Kafka leader records its epoch when it takes over, before anything
    // is written in it; ours appears with the first batch, so add it here.
    log::leader_epoch_cache epochs = lg.leader_epochs();
    epochs.assign(current, lg.log_end_offset());
    log::epoch_entry end = epochs.end_offset_for(requested, lg.log_end_offset());
    out.leader_epoch = end.epoch;
    out.end_offset = end.start_offset;
    return out;
}

}  // namespace

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
    return respond_with(req, answer_offset_for_leader_epoch(body, b.topics(), current_epoch));
}

}  // namespace sluice::broker
