// ConsumerGroupDescribe (KIP-848): epochs, assignor, and each member's
// subscription, current and target assignment.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_consumer_group_describe(broker& b, request& req) {
    protocol::consumer_group_describe_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::consumer_group_describe_response response;
    for (const auto& id : body.group_ids) {
        if (group_authorized(b, req, acl_operation::describe, id)) {
            response.groups.push_back(b.groups().describe_consumer(id));
            continue;
        }
        protocol::consumer_group_describe_response::described_group refused;
        refused.group_id = id;
        refused.error_code = protocol::to_wire(protocol::error_code::group_authorization_failed);
        response.groups.push_back(std::move(refused));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
