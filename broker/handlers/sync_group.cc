// SyncGroup: followers wait for the leader's assignment.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_sync_group(broker& b, request& req) {
    auto body = std::make_shared<protocol::sync_group_request>();
    if (!decode_body(req, *body)) return handler_result::close();
    if (!group_authorized(b, req, acl_operation::read, body->group_id)) {
        return refuse_with<protocol::sync_group_response>(req, protocol::error_code::group_authorization_failed);
    }
    int16_t version = req.api_version;
    return handler_result::later([&b, body, version](respond_fn respond) {
        b.groups().sync(*body, version, [respond, version](protocol::sync_group_response response) {
            protocol::writer w;
            response.encode(w, version);
            respond(std::move(w));
        });
    });
}

}  // namespace sluice::broker
