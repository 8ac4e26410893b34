// JoinGroup: the answer waits until the group's rebalance completes.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/common.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_join_group(broker& b, request& req) {
    auto body = std::make_shared<protocol::join_group_request>();
    if (!decode_body(req, *body)) return handler_result::close();
    if (!group_authorized(b, req, acl_operation::read, body->group_id)) {
        return refuse_with<protocol::join_group_response>(req, protocol::error_code::group_authorization_failed);
    }
    int16_t version = req.api_version;
    std::string client_id = req.client_id.value_or("");
    std::string client_host = client_host_of(req.peer);
    return handler_result::later([&b, body, version, client_id, client_host](respond_fn respond) {
        b.groups().join(*body, version, client_id, client_host,
                        [respond, version](protocol::join_group_response response) {
                            // v0-v5 cannot say "unknown protocol"; an empty name is how they read it.
                            if (version < 7 && !response.protocol_name) response.protocol_name = "";
                            protocol::writer w;
                            response.encode(w, version);
                            respond(std::move(w));
                        });
    });
}

}  // namespace sluice::broker
