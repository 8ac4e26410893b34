// DeleteTopics: by name (all versions) or by topic id (v6+).
#include "broker/broker.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/log_cleaning.h"
#include "broker/topics/topic_registry.h"
#include "protocol/generated/delete_topics.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::delete_topics_response;

namespace {

response_t::deletable_topic_result delete_one(broker& b, std::optional<std::string> name, protocol::uuid id) {
    response_t::deletable_topic_result out;
    out.name = name;
    out.topic_id = id;
    topic_state* t = name ? b.topics().find(*name) : b.topics().find(id);
    if (t == nullptr) {
        out.error_code = to_wire(name ? error_code::unknown_topic_or_partition : error_code::unknown_topic_id);
        return out;
    }
    if (!b.config().delete_topic_enable) {
        out.error_code = to_wire(error_code::topic_deletion_disabled);
        return out;
    }
    out.name = t->meta.name;
    out.topic_id = t->meta.topic_id;
    std::string topic_name = t->meta.name;  // `t` dies with the topic
    for (const auto& p : t->partitions) b.cleaning().forget({topic_name, p->index});
    op_result result = b.topics().remove(topic_name);
    out.error_code = to_wire(result.code);
    if (!result.ok()) out.error_message = result.message;
    return out;
}

}  // namespace

handler_result handle_delete_topics(broker& b, request& req) {
    protocol::delete_topics_request body;
    if (!decode_body(req, body)) return handler_result::close();
    response_t response;
    if (req.api_version < 6) {
        for (const auto& name : body.topic_names) response.responses.push_back(delete_one(b, name, {}));
    } else {
        for (const auto& t : body.topics) response.responses.push_back(delete_one(b, t.name, t.topic_id));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
