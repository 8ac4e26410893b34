// OffsetDelete: drops committed offsets of topics the group no longer reads.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_offset_delete(broker& b, request& req) {
    protocol::offset_delete_request body;
    if (!decode_body(req, body)) return handler_result::close();
    if (!group_authorized(b, req, acl_operation::remove, body.group_id)) {
        return refuse_with<protocol::offset_delete_response>(req, protocol::error_code::group_authorization_failed);
    }
    protocol::offset_delete_response response;
    b.groups().delete_offsets(body, response);
    if (b.authorizer().enabled()) {
        for (auto& t : response.topics) {
            if (topic_authorized(b, req, acl_operation::read, t.name)) continue;
            for (auto& p : t.partitions)
                p.error_code = protocol::to_wire(protocol::error_code::topic_authorization_failed);
        }
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
