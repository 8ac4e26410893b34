// OffsetCommit: group members' commits and simple assign()-style commits,
// answered once the commit is replicated.
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

handler_result handle_offset_commit(broker& b, request& req) {
    auto body = std::make_shared<protocol::offset_commit_request>();
    if (!decode_body(req, *body)) return handler_result::close();
    int16_t version = req.api_version;
    // Kafka: without READ on the group every partition is refused; without
    // READ on a topic, that topic's partitions.
    std::shared_ptr<protocol::offset_commit_response> refused;
    if (b.authorizer().enabled()) {
        bool group_ok = group_authorized(b, req, acl_operation::read, body->group_id);
        refused = std::make_shared<protocol::offset_commit_response>();
        std::erase_if(body->topics, [&](const protocol::offset_commit_request::offset_commit_request_topic& t) {
            bool topic_ok = topic_authorized(b, req, acl_operation::read, t.name);
            if (group_ok && topic_ok) return false;
            auto e = group_ok ? protocol::error_code::topic_authorization_failed
                              : protocol::error_code::group_authorization_failed;
            protocol::offset_commit_response::offset_commit_response_topic out;
            out.name = t.name;
            for (const auto& p : t.partitions)
                out.partitions.push_back({p.partition_index, protocol::to_wire(e), {}});
            refused->topics.push_back(std::move(out));
            return true;
        });
        if (body->topics.empty() && !refused->topics.empty()) return respond_with(req, *refused);
    }
    return handler_result::later([&b, body, version, refused](respond_fn respond) {
        b.groups().commit_offsets(*body, version,
                                  [respond, version, refused](protocol::offset_commit_response response) {
                                      if (refused) {
                                          for (auto& t : refused->topics)
                                              response.topics.push_back(std::move(t));
                                      }
                                      protocol::writer w;
                                      response.encode(w, version);
                                      respond(std::move(w));
                                  });
    });
}

}  // namespace sluice::broker
