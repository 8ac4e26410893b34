// Heartbeat: keeps a member alive and tells it when to rejoin.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_heartbeat(broker& b, request& req) {
    protocol::heartbeat_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::heartbeat_response response;
    response.error_code = protocol::to_wire(b.groups().heartbeat(body));
    return respond_with(req, response);
}

}  // namespace sluice::broker
