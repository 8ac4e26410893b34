// OffsetCommit: group members' commits and simple assign()-style commits.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_offset_commit(broker& b, request& req) {
    protocol::offset_commit_request body;
    if (!decode_body(req, body)) return handler_result::close();
    protocol::offset_commit_response response;
    b.groups().commit_offsets(body, req.api_version, response);
    return respond_with(req, response);
}

}  // namespace sluice::broker
