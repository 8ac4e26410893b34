// CreatePartitions: grows a topic; shrinking is INVALID_PARTITIONS. Topics
// change one after another through the metadata store.
#include "protocol/generated/create_partitions.h"

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "broker/broker.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/in_order.h"
#include "broker/topics/topic_registry.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::create_partitions_response;

namespace {

// Kafka's checks on explicit assignments for the new partitions: one per
// new partition, each naming live brokers, no broker twice, as many
// replicas as the topic has. The topic's existence and the new count are
// checked by add_partitions.
std::optional<op_result> refuse_assignments(broker& b,
                                            const protocol::create_partitions_request::create_partitions_topic& t) {
    if (!t.assignments) return std::nullopt;
    const topic_state* topic = b.topics().find(t.name);
    if (topic == nullptr || t.count <= topic->meta.partition_count) return std::nullopt;
    const int32_t added = t.count - topic->meta.partition_count;
    auto refuse = [](std::string why) { return op_result{error_code::invalid_replica_assignment, std::move(why)}; };
    if (static_cast<int32_t>(t.assignments->size()) != added) {
        return refuse("Increasing the number of partitions by " + std::to_string(added) + " but " +
                      std::to_string(t.assignments->size()) + " assignments provided.");
    }
    for (const auto& a : *t.assignments) {
        std::set<int32_t> seen;
        for (int32_t id : a.broker_ids) {
            if (id != b.config().node_id)
                return refuse("Unknown broker(s) in replica assignment: " + std::to_string(id) + ".");
            if (!seen.insert(id).second)
                return refuse("Duplicate brokers not allowed in replica assignment: " + std::to_string(id) + ".");
        }
        if (static_cast<int16_t>(a.broker_ids.size()) != topic->meta.replication_factor) {
            return refuse("Inconsistent replication factor between partitions, partition 0 has " +
                          std::to_string(topic->meta.replication_factor) + " while a new partition has " +
                          std::to_string(a.broker_ids.size()) + ".");
        }
    }
    return std::nullopt;
}

}  // namespace

handler_result handle_create_partitions(broker& b, request& req) {
    auto body = std::make_shared<protocol::create_partitions_request>();
    if (!decode_body(req, *body)) return handler_result::close();
    int16_t version = req.api_version;
    return handler_result::later([&b, body, version](respond_fn respond) {
        auto names = std::make_shared<std::multiset<std::string>>();
        for (const auto& t : body->topics) names->insert(t.name);
        run_in_order<op_result>(
            body->topics.size(),
            [&b, body, names](size_t i, std::function<void(op_result)> done) {
                const auto& t = body->topics[i];
                if (names->count(t.name) > 1) {
                    return done({error_code::invalid_request, "Duplicate topic name in the request."});
                }
                if (auto refused = refuse_assignments(b, t)) return done(*refused);
                b.topics().add_partitions(t.name, t.count, body->validate_only, std::move(done));
            },
            [body, version, respond](std::vector<op_result> results) {
                response_t response;
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
