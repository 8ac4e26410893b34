// EndTxn: the producer commits or aborts. Answered once PrepareCommit or
// PrepareAbort is safe in __transaction_state; the coordinator then writes
// the markers and Complete*. v5 echoes the producer id and epoch (no epoch
// bump per transaction: that is KIP-890's transaction version 2, which this
// broker does not announce).
#include "protocol/generated/end_txn.h"

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/txn_errors.h"
#include "broker/txn/coordinator.h"

namespace sluice::broker {

using protocol::error_code;

handler_result handle_end_txn(broker& b, request& req) {
    protocol::end_txn_request body;
    if (!decode_body(req, body)) return handler_result::close();
    const int16_t version = req.api_version;
    if (!transactional_id_authorized(b, req, acl_operation::write, body.transactional_id)) {
        protocol::end_txn_response refused;
        refused.error_code = protocol::to_wire(error_code::transactional_id_authorization_failed);
        return respond_with(req, refused);
    }
    return handler_result::later([&b, body = std::move(body), version](respond_fn respond) {
        auto answer = [body, version, respond = std::move(respond)](error_code e) {
            protocol::end_txn_response r;
            r.error_code = protocol::to_wire(fenced_for_version(e, version, 2));
            if (e == error_code::none) {
                r.producer_id = body.producer_id;
                r.producer_epoch = body.producer_epoch;
            }
            protocol::writer w;
            r.encode(w, version);
            respond(std::move(w));
        };
        if (body.transactional_id.empty()) return answer(error_code::invalid_request);
        b.transactions().end_txn(body.transactional_id, protocol::producer_id(body.producer_id),
                                 protocol::producer_epoch(body.producer_epoch), body.committed, std::move(answer));
    });
}

}  // namespace sluice::broker
