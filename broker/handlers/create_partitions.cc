// CreatePartitions: grows a topic; shrinking is INVALID_PARTITIONS. The new
// partitions go where explicit assignments say, else the store places them
// (rack-aware, the topic's replication factor). Topics change one after
// another through the metadata store.
#include "protocol/generated/create_partitions.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "broker/broker.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/common.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/in_order.h"
#include "broker/quotas/mutation_quota.h"
#include "broker/topics/topic_registry.h"
#include "replication/manual_assignment.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::create_partitions_response;

namespace {

// The explicit assignments of the new partitions, checked as Kafka checks
// them (replication/manual_assignment.h): one per new partition, live
// brokers, none twice, as many replicas as the topic's first partition has.
// Empty when there are none, and when the topic's existence or the new
// count is wrong: add_partitions answers those first, as Kafka does.
replication::manual_assignment assignments_of(broker& b,
                                              const protocol::create_partitions_request::create_partitions_topic& t) {
    replication::manual_assignment none;
    if (!t.assignments) return none;
    const topic_state* topic = b.topics().find(t.name);
    if (topic == nullptr || t.count <= topic->meta.partition_count) return none;
    int16_t factor = topic->meta.replication_factor;
    if (auto first = b.metadata().partition_state(t.name, 0); first && !first->replicas.empty()) {
        factor = static_cast<int16_t>(first->replicas.size());
    }
    std::vector<std::vector<int32_t>> listed;
    listed.reserve(t.assignments->size());
    for (const auto& a : *t.assignments) listed.push_back(a.broker_ids);
    return replication::check_added_assignments(listed, topic->meta.partition_count, t.count, factor,
                                                live_broker_ids(b));
}

}  // namespace

handler_result handle_create_partitions(broker& b, request& req) {
    auto body = std::make_shared<protocol::create_partitions_request>();
    if (!decode_body(req, *body)) return handler_result::close();
    int16_t version = req.api_version;
    // Kafka: ALTER on each topic.
    auto denied = std::make_shared<std::vector<bool>>();
    for (const auto& t : body->topics)
        denied->push_back(!topic_authorized(b, req, acl_operation::alter, t.name));
    // KIP-599: v3+ knows THROTTLING_QUOTA_EXCEEDED.
    auto quota = std::make_shared<quotas::mutation_quota>(b.quotas(), req.origin->principal, req.client_id, version >= 3);
    int32_t* throttle_out = req.throttle_ms;
    return handler_result::later([&b, body, version, denied, quota, throttle_out](respond_fn respond) {
        auto names = std::make_shared<std::multiset<std::string>>();
        for (const auto& t : body->topics)
            names->insert(t.name);
        run_in_order<op_result>(
            body->topics.size(),
            [&b, body, names, denied, quota](size_t i, std::function<void(op_result)> done) {
                const auto& t = body->topics[i];
                if ((*denied)[i]) return done({error_code::topic_authorization_failed, "Authorization failed."});
                if (names->count(t.name) > 1) {
                    return done({error_code::invalid_request, "Duplicate topic name in the request."});
                }
                auto checked = assignments_of(b, t);
                if (!checked.error.ok()) return done(checked.error);
                const topic_state* before = b.topics().find(t.name);
                const int32_t added = before == nullptr ? 0 : t.count - before->meta.partition_count;
                // Kafka validates first: only a real increase can be refused.
                if (added > 0 && !body->validate_only && quota->refuses_next(now_ms())) {
                    return done({error_code::throttling_quota_exceeded, "The throttling quota has been exceeded."});
                }
                b.topics().add_partitions(t.name, t.count, std::move(checked.replicas), body->validate_only,
                                          [body, quota, added, done = std::move(done)](op_result r) {
                                              if (r.ok() && !body->validate_only) quota->record(added, now_ms());
                                              done(std::move(r));
                                          });
            },
            [body, version, respond, quota, throttle_out](std::vector<op_result> results) {
                response_t response;
                response.throttle_time_ms = quota->throttle_ms();
                if (throttle_out != nullptr) *throttle_out = std::max(*throttle_out, quota->throttle_ms());
                for (size_t i = 0; i < results.size(); ++i) {
                    response_t::create_partitions_topic_result out;
                    out.name = body->topics[i].name;
                    out.error_code = to_wire(results[i].code);
                    if (!results[i].ok()) out.error_message = results[i].message;
                    response.results.push_back(std::move(out));
                }
                protocol::writer w;
                response.encode(w, version);
                respond(std::move(w));
            });
    });
}

}  // namespace sluice::broker
