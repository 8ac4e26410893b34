// AddOffsetsToTxn: the producer will commit offsets of `group_id` in its
// transaction, so the group's __consumer_offsets partition joins it (and gets
// the transaction's marker).
#include "protocol/generated/add_offsets_to_txn.h"

#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/groups/offsets_topic.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/txn_errors.h"
#include "broker/topics/topic_registry.h"
#include "broker/txn/coordinator.h"

namespace sluice::broker {

using protocol::error_code;

handler_result handle_add_offsets_to_txn(broker& b, request& req) {
    protocol::add_offsets_to_txn_request body;
    if (!decode_body(req, body)) return handler_result::close();
    const int16_t version = req.api_version;
    if (!transactional_id_authorized(b, req, acl_operation::write, body.transactional_id)) {
        return refuse_with<protocol::add_offsets_to_txn_response>(req,
                                                                  error_code::transactional_id_authorization_failed);
    }
    if (!group_authorized(b, req, acl_operation::read, body.group_id)) {
        return refuse_with<protocol::add_offsets_to_txn_response>(req, error_code::group_authorization_failed);
    }
    return handler_result::later([&b, body = std::move(body), version](respond_fn respond) {
        auto answer = [version, respond = std::move(respond)](error_code e) {
            protocol::add_offsets_to_txn_response r;
            r.error_code = protocol::to_wire(fenced_for_version(e, version, 2));
            protocol::writer w;
            r.encode(w, version);
            respond(std::move(w));
        };
        if (body.transactional_id.empty()) return answer(error_code::invalid_request);
        if (b.groups().ensure_offsets_topic() != error_code::none) return answer(error_code::coordinator_not_available);
        const topic_state* offsets = b.topics().find(groups::offsets_topic_name);
        const int32_t partition =
            groups::partition_for_group(body.group_id, static_cast<int32_t>(offsets->partitions.size()));
        b.transactions().add_partitions(body.transactional_id, protocol::producer_id(body.producer_id),
                                        protocol::producer_epoch(body.producer_epoch),
                                        {{std::string(groups::offsets_topic_name), partition}}, std::move(answer));
    });
}

}  // namespace sluice::broker
