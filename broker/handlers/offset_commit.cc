// OffsetCommit: group members' commits and simple assign()-style commits,
// answered once the commit is replicated.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_offset_commit(broker& b, request& req) {
    auto body = std::make_shared<protocol::offset_commit_request>();
    if (!decode_body(req, *body)) return handler_result::close();
    int16_t version = req.api_version;
    return handler_result::later([&b, body, version](respond_fn respond) {
        b.groups().commit_offsets(*body, version, [respond, version](protocol::offset_commit_response response) {
            protocol::writer w;
            response.encode(w, version);
            respond(std::move(w));
        });
    });
}

}  // namespace sluice::broker
