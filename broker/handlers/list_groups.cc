// ListGroups: every group, optionally filtered by state (v4+) and by type,
// classic or consumer (v5+).
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_list_groups(broker& b, request& req) {
    protocol::list_groups_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::list_groups_response response;
    response.groups = b.groups().list(body.states_filter, body.types_filter);
    // Kafka lists every group to DESCRIBE on the cluster, else those the
    // principal may DESCRIBE.
    if (b.authorizer().enabled() && !cluster_authorized(b, req, acl_operation::describe)) {
        std::erase_if(response.groups, [&](const protocol::list_groups_response::listed_group& g) {
            return !group_authorized(b, req, acl_operation::describe, g.group_id);
        });
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
