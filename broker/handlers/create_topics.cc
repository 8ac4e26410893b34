// CreateTopics: validates names, counts, configs and explicit replica
// assignments (as Kafka does: replication/manual_assignment.h);
// validate_only changes nothing. Topics are created one after another through the metadata store;
// the answer goes once the last one is done.
#include "protocol/generated/create_topics.h"

#include <algorithm>
#include <memory>
#include <set>

#include "broker/broker.h"
#include "broker/config/topic_config.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/common.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/in_order.h"
#include "broker/quotas/mutation_quota.h"
#include "broker/topics/topic_registry.h"
#include "replication/manual_assignment.h"
#include "replication/topic_name.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using request_t = protocol::create_topics_request;
using response_t = protocol::create_topics_response;

namespace {

topic_config configs_of(const request_t::creatable_topic& t) {
    topic_config configs;
    for (const auto& c : t.configs) {
        if (!c.value) continue;  // null means "use the default"
        configs[c.name] = *c.value;
    }
    return configs;
}

void create_one(broker& b, const request_t& body, const request_t::creatable_topic& t, size_t same_name,
                topic_registry::done_fn done) {
    if (same_name > 1) return done({error_code::invalid_request, "Duplicate topic name in the request."});
    if (t.assignments.empty()) {
        return b.topics().create(t.name, t.num_partitions, t.replication_factor, configs_of(t), body.validate_only,
                                 std::move(done));
    }
    // Kafka answers for the name before it looks at the assignments.
    if (auto r = replication::validate_topic_name(t.name); !r.ok()) return done(r);
    if (b.topics().find(t.name) != nullptr) {
        return done({error_code::topic_already_exists, "Topic '" + t.name + "' already exists."});
    }
    if (t.replication_factor != -1) {
        return done({error_code::invalid_request,
                     "A manual partition assignment was given, but the replication factor is not -1."});
    }
    if (t.num_partitions != -1) {
        return done({error_code::invalid_request,
                     "A manual partition assignment was given, but the number of partitions is not -1."});
    }
    std::vector<std::pair<int32_t, std::vector<int32_t>>> listed;
    listed.reserve(t.assignments.size());
    for (const auto& a : t.assignments) listed.emplace_back(a.partition_index, a.broker_ids);
    auto checked = replication::check_topic_assignments(listed, live_broker_ids(b));
    if (!checked.error.ok()) return done(checked.error);
    b.topics().create(t.name, checked.partition_count, checked.replication_factor, configs_of(t),
                      std::move(checked.replicas), body.validate_only, std::move(done));
}

response_t::creatable_topic_result result_of(broker& b, const request_t::creatable_topic& t,
                                             const op_result& result) {
    response_t::creatable_topic_result out;
    out.name = t.name;
    out.error_code = to_wire(result.code);
    if (!result.ok()) {
        out.error_message = result.message;
        return out;
    }
    // v5+ echoes what was (or would be) created.
    topic_state* created = b.topics().find(t.name);
    if (created != nullptr) {
        out.num_partitions = created->meta.partition_count;
        out.replication_factor = created->meta.replication_factor;
    } else if (!t.assignments.empty()) {  // validate_only: what would be created
        out.num_partitions = static_cast<int32_t>(t.assignments.size());
        out.replication_factor = static_cast<int16_t>(t.assignments.front().broker_ids.size());
    } else {
        out.num_partitions = t.num_partitions == -1 ? b.config().num_partitions : t.num_partitions;
        out.replication_factor =
            t.replication_factor == -1 ? static_cast<int16_t>(b.config().default_replication_factor) : t.replication_factor;
    }
    if (created) out.topic_id = created->meta.topic_id;
    std::vector<response_t::creatable_topic_configs> described;
    for (const auto& e : describe(configs_of(t), b.config(), false)) {
        response_t::creatable_topic_configs c;
        c.name = e.name;
        c.value = e.value;
        c.read_only = e.read_only;
        c.config_source = e.source;
        c.is_sensitive = e.is_sensitive;
        described.push_back(std::move(c));
    }
    out.configs = std::move(described);
    return out;
}

}  // namespace

handler_result handle_create_topics(broker& b, request& req) {
    auto body = std::make_shared<request_t>();
    if (!decode_body(req, *body)) return handler_result::close();
    int16_t version = req.api_version;
    // Kafka: CREATE on the cluster or on each topic.
    auto denied = std::make_shared<std::vector<bool>>();
    for (const auto& t : body->topics)
        denied->push_back(!create_topic_authorized(b, req, t.name));
    // KIP-599: v6+ knows THROTTLING_QUOTA_EXCEEDED.
    auto quota = std::make_shared<quotas::mutation_quota>(b.quotas(), req.origin->principal, req.client_id, version >= 6);
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
                // Kafka validates first: a bad name or an existing topic gets
                // its own error, and validate_only is never refused.
                const bool would_create = !body->validate_only && replication::validate_topic_name(t.name).ok() &&
                                          b.topics().find(t.name) == nullptr;
                if (would_create && quota->refuses_next(now_ms())) {
                    return done({error_code::throttling_quota_exceeded, "The throttling quota has been exceeded."});
                }
                create_one(b, *body, t, names->count(t.name),
                           [&b, body, quota, name = t.name, done = std::move(done)](op_result r) {
                               const topic_state* created = b.topics().find(name);
                               if (r.ok() && !body->validate_only && created != nullptr) {
                                   quota->record(created->meta.partition_count, now_ms());
                               }
                               done(std::move(r));
                           });
            },
            [&b, body, version, respond, quota, throttle_out](std::vector<op_result> results) {
                response_t response;
                response.throttle_time_ms = quota->throttle_ms();
                if (throttle_out != nullptr) *throttle_out = std::max(*throttle_out, quota->throttle_ms());
                for (size_t i = 0; i < results.size(); ++i) {
                    response.topics.push_back(result_of(b, body->topics[i], results[i]));
                }
                protocol::writer w;
                response.encode(w, version);
                respond(std::move(w));
            });
    });
}

}  // namespace sluice::broker
