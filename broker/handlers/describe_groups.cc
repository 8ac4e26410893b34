// DescribeGroups: state, protocol and members of each group.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_describe_groups(broker& b, request& req) {
    protocol::describe_groups_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::describe_groups_response response;
    for (const auto& id : body.groups) {
        if (group_authorized(b, req, acl_operation::describe, id)) {
            response.groups.push_back(b.groups().describe(id));
            continue;
        }
        protocol::describe_groups_response::described_group refused;
        refused.group_id = id;
        refused.error_code = protocol::to_wire(protocol::error_code::group_authorization_failed);
        response.groups.push_back(std::move(refused));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
