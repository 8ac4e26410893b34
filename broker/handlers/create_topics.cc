// CreateTopics: validates names, counts and configs; validate_only changes
// nothing. Topics are created one after another through the metadata store;
// the answer goes once the last one is done.
#include <memory>
#include <set>

#include "broker/broker.h"
#include "broker/config/topic_config.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/in_order.h"
#include "broker/topics/topic_registry.h"
#include "protocol/generated/create_topics.h"

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
    if (!t.assignments.empty()) {
        // Manual assignments on one node can only name this broker.
        int32_t partitions = static_cast<int32_t>(t.assignments.size());
        bool valid = t.num_partitions == -1 && t.replication_factor == -1;
        for (const auto& a : t.assignments) {
            valid = valid && a.broker_ids.size() == 1 && a.broker_ids[0] == b.config().node_id;
        }
        if (!valid) return done({error_code::invalid_replica_assignment, "Invalid replica assignment."});
        return b.topics().create(t.name, partitions, 1, configs_of(t), body.validate_only, std::move(done));
    }
    b.topics().create(t.name, t.num_partitions, t.replication_factor, configs_of(t), body.validate_only,
                      std::move(done));
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
    out.num_partitions = created ? created->meta.partition_count
                                 : (t.num_partitions == -1 ? b.config().num_partitions : t.num_partitions);
    out.replication_factor = 1;
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
    return handler_result::later([&b, body, version](respond_fn respond) {
        auto names = std::make_shared<std::multiset<std::string>>();
        for (const auto& t : body->topics) names->insert(t.name);
        run_in_order<op_result>(
            body->topics.size(),
            [&b, body, names](size_t i, std::function<void(op_result)> done) {
                const auto& t = body->topics[i];
                create_one(b, *body, t, names->count(t.name), std::move(done));
            },
            [&b, body, version, respond](std::vector<op_result> results) {
                response_t response;
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
