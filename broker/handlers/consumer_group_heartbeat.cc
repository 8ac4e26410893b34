// ConsumerGroupHeartbeat (KIP-848): joins, keeps alive, reconciles and
// leaves a member of a consumer-protocol group in one request. It never
// waits: the answer says what the member should own now.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/common.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_consumer_group_heartbeat(broker& b, request& req) {
    protocol::consumer_group_heartbeat_request body;
    if (!decode_body(req, body)) return handler_result::close();
    if (!group_authorized(b, req, acl_operation::read, body.group_id)) {
        return refuse_with<protocol::consumer_group_heartbeat_response>(
            req, protocol::error_code::group_authorization_failed);
    }
    // Kafka: a member may not subscribe to topics it may not DESCRIBE.
    if (b.authorizer().enabled() && body.subscribed_topic_names) {
        for (const auto& topic : *body.subscribed_topic_names) {
            if (topic_authorized(b, req, acl_operation::describe, topic)) continue;
            return refuse_with<protocol::consumer_group_heartbeat_response>(
                req, protocol::error_code::topic_authorization_failed);
        }
    }
    return respond_with(req, b.groups().consumer_heartbeat(body, req.api_version, req.client_id.value_or(""),
                                                           client_host_of(req.peer)));
}

}  // namespace sluice::broker
