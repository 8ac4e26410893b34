// DescribeProducers: the idempotent producers a partition's leader knows,
// from its log's producer state (log/producer_state.h). Only the leader
// answers, as in Kafka.
#include "protocol/generated/describe_producers.h"

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"
#include "log/partition_log.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::describe_producers_response;

namespace {

response_t::partition_response describe_partition(topic_state* topic, int32_t index) {
    response_t::partition_response out;
    out.partition_index = index;
    if (topic == nullptr || index < 0 || index >= static_cast<int32_t>(topic->partitions.size())) {
        out.error_code = to_wire(error_code::unknown_topic_or_partition);
        return out;
    }
    const partition_state& p = *topic->partitions[static_cast<size_t>(index)];
    if (!p.replica.is_leader()) {
        out.error_code = to_wire(error_code::not_leader_or_follower);
        return out;
    }
    for (const auto& [id, entry] : p.log->producers().producers()) {
        response_t::producer_state state;
        state.producer_id = id.value();
        state.producer_epoch = entry.epoch.value();
        state.last_sequence = entry.last_sequence();
        state.last_timestamp = entry.last_timestamp;
        state.coordinator_epoch = entry.coordinator_epoch;
        state.current_txn_start_offset = entry.current_txn_first_offset.value_or(-1);
        out.active_producers.push_back(std::move(state));
    }
    return out;
}

}  // namespace

handler_result handle_describe_producers(broker& b, request& req) {
    protocol::describe_producers_request body;
    if (!decode_body(req, body)) return handler_result::close();
    response_t response;
    for (const auto& t : body.topics) {
        response_t::topic_response topic_out;
        topic_out.name = t.name;
        topic_state* topic = b.topics().find(t.name);
        const bool allowed = topic_authorized(b, req, acl_operation::read, t.name);
        for (int32_t index : t.partition_indexes) {
            if (allowed) {
                topic_out.partitions.push_back(describe_partition(topic, index));
                continue;
            }
            auto& refused = topic_out.partitions.emplace_back();
            refused.partition_index = index;
            refused.error_code = protocol::to_wire(protocol::error_code::topic_authorization_failed);
        }
        response.topics.push_back(std::move(topic_out));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
