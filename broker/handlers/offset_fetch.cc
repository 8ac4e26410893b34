// OffsetFetch: one group (v0-v7) or several (v8+); all partitions when the
// topic list is null (v2+).
#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/handlers.h"

namespace sluice::broker {

using protocol::error_code;
using response_t = protocol::offset_fetch_response;

namespace {

template <typename Topics>
groups::coordinator::fetch_topics wanted(const std::optional<std::vector<Topics>>& topics) {
    if (!topics) return std::nullopt;
    std::vector<std::pair<std::string, std::vector<int32_t>>> out;
    for (const auto& t : *topics)
        out.emplace_back(t.name, t.partition_indexes);
    return out;
}

// Fills a response topic list (the pre-v8 and the v8+ shapes differ only in type names).
template <typename TopicOut>
void fill(const std::vector<groups::coordinator::fetched_offset>& found, std::vector<TopicOut>& out) {
    for (const auto& f : found) {
        if (out.empty() || out.back().name != f.topic) {
            TopicOut t;
            t.name = f.topic;
            out.push_back(std::move(t));
        }
        typename decltype(out.back().partitions)::value_type p;
        p.partition_index = f.partition;
        p.committed_offset = f.offset.offset;
        p.committed_leader_epoch = f.offset.leader_epoch;
        p.metadata = f.offset.metadata;
        out.back().partitions.push_back(std::move(p));
    }
}

// KIP-447 require_stable (v7+): a partition an open transaction holds an
// offset for answers UNSTABLE_OFFSET_COMMIT (the client retries) rather
// than the offset that transaction may replace.
template <typename TopicOut>
void mark_unstable(broker& b, const std::string& group_id, std::vector<TopicOut>& topics) {
    for (auto& t : topics) {
        for (auto& p : t.partitions) {
            if (p.error_code != 0 || !b.groups().has_pending_offsets(group_id, t.name, p.partition_index)) continue;
            p.error_code = protocol::to_wire(error_code::unstable_offset_commit);
            p.committed_offset = -1;
        }
    }
}

// Kafka shows offsets only for topics the principal may DESCRIBE: others
// are left out of an all-topics answer, refused when asked for by name.
template <typename TopicOut>
void hide_undescribable(broker& b, const request& req, bool all_topics, std::vector<TopicOut>& topics) {
    if (!b.authorizer().enabled()) return;
    std::erase_if(topics, [&](TopicOut& t) {
        if (topic_authorized(b, req, acl_operation::describe, t.name)) return false;
        for (auto& p : t.partitions) {
            p.error_code = protocol::to_wire(error_code::topic_authorization_failed);
            p.committed_offset = -1;
            p.metadata = "";
        }
        return all_topics;
    });
}

}  // namespace

handler_result handle_offset_fetch(broker& b, request& req) {
    protocol::offset_fetch_request body;
    if (!decode_body(req, body)) return handler_result::close();
    response_t response;
    if (req.api_version < 8) {
        // v0 and v1 cannot ask for "all partitions".
        if (req.api_version < 2 && !body.topics) return handler_result::close();
        std::vector<groups::coordinator::fetched_offset> found;
        const groups::coordinator::fetch_topics asked = wanted(body.topics);
        error_code e = group_authorized(b, req, acl_operation::describe, body.group_id)
                           ? b.groups().fetch_offsets(body.group_id, asked, found)
                           : error_code::group_authorization_failed;
        response.error_code = protocol::to_wire(e);
        if (e != error_code::none && req.api_version < 2) {
            // No top-level error before v2: Kafka puts it on every partition asked for.
            for (const auto& [topic, partitions] : *asked) {
                for (int32_t index : partitions) found.push_back({topic, index, {}});
            }
            fill(found, response.topics);
            for (auto& t : response.topics) {
                for (auto& p : t.partitions) p.error_code = protocol::to_wire(e);
            }
            return respond_with(req, response);
        }
        fill(found, response.topics);
        hide_undescribable(b, req, !asked, response.topics);
        if (req.api_version >= 7 && body.require_stable) mark_unstable(b, body.group_id, response.topics);
        return respond_with(req, response);
    }
    for (const auto& g : body.groups) {
        response_t::offset_fetch_response_group out;
        out.group_id = g.group_id;
        std::vector<groups::coordinator::fetched_offset> found;
        protocol::error_code e = group_authorized(b, req, acl_operation::describe, g.group_id)
                                     ? b.groups().check_offset_fetch_member(g.group_id, g.member_id, g.member_epoch)
                                     : error_code::group_authorization_failed;
        if (e == protocol::error_code::none) e = b.groups().fetch_offsets(g.group_id, wanted(g.topics), found);
        out.error_code = protocol::to_wire(e);
        fill(found, out.topics);
        hide_undescribable(b, req, !g.topics, out.topics);
        if (body.require_stable) mark_unstable(b, g.group_id, out.topics);
        response.groups.push_back(std::move(out));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
