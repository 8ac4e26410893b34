// ListPartitionReassignments (KIP-455): the reassignments in progress, read
// from the partition states the store mirrors (replicas, adding, removing).
// Null topics means every topic; a named partition that is unknown or not
// being moved is simply left out, as Kafka does.
#include "protocol/generated/list_partition_reassignments.h"

#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "replication/metadata_store.h"

namespace sluice::broker {

using response_t = protocol::list_partition_reassignments_response;

namespace {

void add_ongoing(const replication::metadata_store& store, const std::string& topic,
                 const std::vector<int32_t>* only, response_t& response) {
    const auto states = store.partition_states(topic);
    response_t::ongoing_topic_reassignment t;
    t.name = topic;
    auto add = [&](int32_t p) {
        if (p < 0 || static_cast<size_t>(p) >= states.size() || !states[p].reassigning()) return;
        response_t::ongoing_partition_reassignment o;
        o.partition_index = p;
        o.replicas = states[p].replicas;
        o.adding_replicas = states[p].adding_replicas;
        o.removing_replicas = states[p].removing_replicas;
        t.partitions.push_back(std::move(o));
    };
    if (only != nullptr) {
        for (int32_t p : *only) add(p);
    } else {
        for (size_t p = 0; p < states.size(); ++p) add(static_cast<int32_t>(p));
    }
    if (!t.partitions.empty()) response.topics.push_back(std::move(t));
}

}  // namespace

handler_result handle_list_partition_reassignments(broker& b, request& req) {
    protocol::list_partition_reassignments_request body;
    if (!decode_body(req, body)) return handler_result::close();
    if (!cluster_authorized(b, req, acl_operation::describe)) {
        return refuse_with<protocol::list_partition_reassignments_response>(
            req, protocol::error_code::cluster_authorization_failed);
    }
    response_t response;
    if (body.topics) {
        for (const auto& t : *body.topics) add_ongoing(b.metadata(), t.name, &t.partition_indexes, response);
    } else {
        for (const auto& t : b.metadata().list_topics()) add_ongoing(b.metadata(), t.name, nullptr, response);
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
