// CreateTopics: validates names, counts and configs; validate_only changes nothing.
#include <set>

#include "broker/broker.h"
#include "broker/config/topic_config.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"
#include "protocol/generated/create_topics.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::create_topics_response;

handler_result handle_create_topics(broker& b, request& req) {
    protocol::create_topics_request body;
    if (!decode_body(req, body)) return handler_result::close();
    response_t response;
    std::multiset<std::string> names;
    for (const auto& t : body.topics) names.insert(t.name);

    for (const auto& t : body.topics) {
        response_t::creatable_topic_result out;
        out.name = t.name;
        op_result result;
        topic_config configs;
        for (const auto& c : t.configs) {
            if (!c.value) continue;  // null means "use the default"
            configs[c.name] = *c.value;
        }
        if (names.count(t.name) > 1) {
            result = {error_code::invalid_request, "Duplicate topic name in the request."};
        } else if (!t.assignments.empty()) {
            // Manual assignments on one node can only name this broker.
            int32_t partitions = static_cast<int32_t>(t.assignments.size());
            bool valid = t.num_partitions == -1 && t.replication_factor == -1;
            for (const auto& a : t.assignments) {
                valid = valid && a.broker_ids.size() == 1 && a.broker_ids[0] == b.config().node_id;
            }
            result = valid ? b.topics().create(t.name, partitions, 1, configs, body.validate_only)
                           : op_result{error_code::invalid_replica_assignment, "Invalid replica assignment."};
        } else {
            result = b.topics().create(t.name, t.num_partitions, t.replication_factor, configs, body.validate_only);
        }
        out.error_code = to_wire(result.code);
        if (!result.ok()) out.error_message = result.message;
        if (result.ok()) {
            // v5+ echoes what was (or would be) created.
            topic_state* created = b.topics().find(t.name);
            out.num_partitions = created ? created->meta.partition_count
                                         : (t.num_partitions == -1 ? b.config().num_partitions : t.num_partitions);
            out.replication_factor = 1;
            if (created) out.topic_id = created->meta.topic_id;
            std::vector<response_t::creatable_topic_configs> described;
            for (const auto& e : describe(configs, b.config(), false)) {
                response_t::creatable_topic_configs c;
                c.name = e.name;
                c.value = e.value;
                c.read_only = e.read_only;
                c.config_source = e.source;
                c.is_sensitive = e.is_sensitive;
                described.push_back(std::move(c));
            }
            out.configs = std::move(described);
        }
        response.topics.push_back(std::move(out));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
