// OffsetDelete: drops committed offsets of topics the group no longer reads.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_offset_delete(broker& b, request& req) {
    protocol::offset_delete_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::offset_delete_response response;
    b.groups().delete_offsets(body, response);
    return respond_with(req, response);
}

}  // namespace sluice::broker
