// LeaveGroup: one member (v0-v2) or a batch of members (v3+, KIP-345).
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

using protocol::error_code;

handler_result handle_leave_group(broker& b, request& req) {
    protocol::leave_group_request body;
    if (!decode_body(req, body)) return handler_result::close();
    if (!group_authorized(b, req, acl_operation::read, body.group_id)) {
        return refuse_with<protocol::leave_group_response>(req, protocol::error_code::group_authorization_failed);
    }
    protocol::leave_group_response response;
    if (req.api_version < 3) {
        response.error_code = protocol::to_wire(b.groups().leave(body.group_id, body.member_id, std::nullopt));
        return respond_with(req, response);
    }
    if (error_code e = b.groups().serving(body.group_id); e != error_code::none) {
        response.error_code = protocol::to_wire(e);
        return respond_with(req, response);
    }
    if (!b.groups().group_exists(body.group_id)) {
        response.error_code = protocol::to_wire(error_code::unknown_member_id);
        return respond_with(req, response);
    }
    for (const auto& m : body.members) {
        protocol::leave_group_response::member_response out;
        out.member_id = m.member_id;
        out.group_instance_id = m.group_instance_id;
        out.error_code = protocol::to_wire(b.groups().leave(body.group_id, m.member_id, m.group_instance_id));
        response.members.push_back(std::move(out));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
