// DeleteGroups: removes empty groups and their offsets.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_delete_groups(broker& b, request& req) {
    protocol::delete_groups_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::delete_groups_response response;
    for (const auto& id : body.groups_names) {
        protocol::delete_groups_response::deletable_group_result r;
        r.group_id = id;
        r.error_code = group_authorized(b, req, acl_operation::remove, id)
                           ? protocol::to_wire(b.groups().delete_group(id))
                           : protocol::to_wire(protocol::error_code::group_authorization_failed);
        response.results.push_back(std::move(r));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
