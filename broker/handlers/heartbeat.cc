// Heartbeat: keeps a member alive and tells it when to rejoin.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_heartbeat(broker& b, request& req) {
    protocol::heartbeat_request body;
    if (!decode_body(req, body)) return handler_result::close();
    if (!group_authorized(b, req, acl_operation::read, body.group_id)) {
        return refuse_with<protocol::heartbeat_response>(req, protocol::error_code::group_authorization_failed);
    }
    protocol::heartbeat_response response;
    response.error_code = protocol::to_wire(b.groups().heartbeat(body));
    return respond_with(req, response);
}

}  // namespace sluice::broker
