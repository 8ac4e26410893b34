// DescribeGroups: state, protocol and members of each group.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_describe_groups(broker& b, request& req) {
    protocol::describe_groups_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::describe_groups_response response;
    for (const auto& id : body.groups) response.groups.push_back(b.groups().describe(id));
    return respond_with(req, response);
}

}  // namespace sluice::broker
