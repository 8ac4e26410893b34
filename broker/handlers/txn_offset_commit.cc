// TxnOffsetCommit: a transactional producer's offsets for a consumer group
// (sendOffsetsToTransaction), held by the group coordinator until the
// transaction ends; answered once they are replicated.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_txn_offset_commit(broker& b, request& req) {
    auto body = std::make_shared<protocol::txn_offset_commit_request>();
    if (!decode_body(req, *body)) return handler_result::close();
    int16_t version = req.api_version;
    return handler_result::later([&b, body, version](respond_fn respond) {
        b.groups().commit_txn_offsets(*body, version, [respond, version](protocol::txn_offset_commit_response r) {
            protocol::writer w;
            r.encode(w, version);
            respond(std::move(w));
        });
    });
}

}  // namespace sluice::broker
