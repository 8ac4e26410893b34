// TxnOffsetCommit: a transactional producer's offsets for a consumer group
// (sendOffsetsToTransaction), held by the group coordinator until the
// transaction ends; answered once they are replicated.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_txn_offset_commit(broker& b, request& req) {
    auto body = std::make_shared<protocol::txn_offset_commit_request>();
    if (!decode_body(req, *body)) return handler_result::close();
    int16_t version = req.api_version;
    // Kafka: WRITE on the transactional id, READ on the group, then READ on
    // each topic; a refusal is each partition's error.
    if (b.authorizer().enabled()) {
        auto whole = !transactional_id_authorized(b, req, acl_operation::write, body->transactional_id)
                         ? protocol::error_code::transactional_id_authorization_failed
                     : !group_authorized(b, req, acl_operation::read, body->group_id)
                         ? protocol::error_code::group_authorization_failed
                         : protocol::error_code::none;
        protocol::txn_offset_commit_response refused;
        bool any_refused = false;
        for (const auto& t : body->topics) {
            auto e = whole != protocol::error_code::none ? whole
                     : topic_authorized(b, req, acl_operation::read, t.name)
                         ? protocol::error_code::none
                         : protocol::error_code::topic_authorization_failed;
            auto& out = refused.topics.emplace_back();
            out.name = t.name;
            for (const auto& p : t.partitions)
                out.partitions.push_back({p.partition_index, protocol::to_wire(e), {}});
            any_refused = any_refused || e != protocol::error_code::none;
        }
        // A refused transactional id or group refuses every partition;
        // otherwise refused topics are left out of the commit and answered
        // with their error.
        if (whole != protocol::error_code::none) return respond_with(req, refused);
        if (any_refused) {
            auto keep = std::make_shared<protocol::txn_offset_commit_response>();
            std::erase_if(refused.topics,
                          [](const auto& t) { return t.partitions.empty() || t.partitions[0].error_code == 0; });
            *keep = std::move(refused);
            std::erase_if(body->topics,
                          [&](const auto& t) { return !topic_authorized(b, req, acl_operation::read, t.name); });
            return handler_result::later([&b, body, version, keep](respond_fn respond) {
                b.groups().commit_txn_offsets(*body, version,
                                              [respond, version, keep](protocol::txn_offset_commit_response r) {
                                                  for (auto& t : keep->topics)
                                                      r.topics.push_back(std::move(t));
                                                  protocol::writer w;
                                                  r.encode(w, version);
                                                  respond(std::move(w));
                                              });
            });
        }
    }
    return handler_result::later([&b, body, version](respond_fn respond) {
        b.groups().commit_txn_offsets(*body, version, [respond, version](protocol::txn_offset_commit_response r) {
            protocol::writer w;
            r.encode(w, version);
            respond(std::move(w));
        });
    });
}

}  // namespace sluice::broker
