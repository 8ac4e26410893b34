// Metadata: brokers, the controller, and topics with their partitions; may
// auto-create requested topics.
#include "broker/broker.h"
#include "broker/handlers/common.h"
#include "broker/handlers/handlers.h"
#include "broker/metadata/metadata_store.h"
#include "broker/metadata/topic_name.h"
#include "broker/topics/topic_registry.h"
#include "protocol/generated/metadata.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::metadata_response;

namespace {

response_t::metadata_response_topic describe_topic(broker& b, const topic_state& t) {
    response_t::metadata_response_topic out;
    out.name = t.meta.name;
    out.topic_id = t.meta.topic_id;
    out.is_internal = t.internal();
    for (const auto& p : t.partitions) {
        response_t::metadata_response_partition part;
        part.partition_index = p->index;
        part.leader_id = b.config().node_id;
        part.leader_epoch = 0;
        part.replica_nodes = {b.config().node_id};
        part.isr_nodes = {b.config().node_id};
        out.partitions.push_back(std::move(part));
    }
    return out;
}

response_t::metadata_response_topic topic_error(std::optional<std::string> name, protocol::uuid id, error_code e) {
    response_t::metadata_response_topic out;
    out.name = std::move(name);
    out.topic_id = id;
    out.error_code = to_wire(e);
    return out;
}

}  // namespace

handler_result handle_metadata(broker& b, request& req) {
    protocol::metadata_request body;
    if (!decode_body(req, body)) return handler_result::close();

    response_t response;
    endpoint self = advertised_endpoint(b);
    response_t::metadata_response_broker me;
    me.node_id = b.config().node_id;
    me.host = self.host;
    me.port = self.port;
    response.brokers.push_back(me);
    response.cluster_id = b.metadata().cluster_id();
    response.controller_id = b.config().node_id;

    // v0: an empty list means every topic; v1+: null means every topic.
    bool all_topics = !body.topics || (req.api_version == 0 && body.topics->empty());
    bool allow_create = body.allow_auto_topic_creation;
    if (all_topics) {
        for (const auto& [name, t] : b.topics().all()) response.topics.push_back(describe_topic(b, *t));
        return respond_with(req, response);
    }
    for (const auto& wanted : *body.topics) {
        topic_state* t = nullptr;
        if (wanted.name) {
            if (!validate_topic_name(*wanted.name).ok()) {
                response.topics.push_back(topic_error(wanted.name, {}, error_code::invalid_topic_exception));
                continue;
            }
            t = b.topics().find(*wanted.name);
            if (t == nullptr && allow_create) {
                error_code e = auto_create_topic(b, *wanted.name);
                if (e != error_code::none) {
                    response.topics.push_back(topic_error(wanted.name, {}, e));
                    continue;
                }
                t = b.topics().find(*wanted.name);
            }
            if (t == nullptr) {
                response.topics.push_back(topic_error(wanted.name, {}, error_code::unknown_topic_or_partition));
                continue;
            }
        } else {
            t = b.topics().find(wanted.topic_id);
            if (t == nullptr) {
                response.topics.push_back(topic_error(std::nullopt, wanted.topic_id, error_code::unknown_topic_id));
                continue;
            }
        }
        response.topics.push_back(describe_topic(b, *t));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
