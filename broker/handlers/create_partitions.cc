// CreatePartitions: grows a topic; shrinking is INVALID_PARTITIONS.
#include <set>

#include "broker/broker.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"
#include "protocol/generated/create_partitions.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::create_partitions_response;

handler_result handle_create_partitions(broker& b, request& req) {
    protocol::create_partitions_request body;
    if (!decode_body(req, body)) return handler_result::close();
    response_t response;
    std::multiset<std::string> names;
    for (const auto& t : body.topics) names.insert(t.name);
    for (const auto& t : body.topics) {
        response_t::create_partitions_topic_result out;
        out.name = t.name;
        op_result result;
        if (names.count(t.name) > 1) {
            result = {error_code::invalid_request, "Duplicate topic name in the request."};
        } else if (t.assignments && !t.assignments->empty()) {
            result = {error_code::invalid_replica_assignment, "Manual replica assignment is not supported."};
        } else {
            result = b.topics().add_partitions(t.name, t.count, body.validate_only);
        }
        out.error_code = to_wire(result.code);
        if (!result.ok()) out.error_message = result.message;
        response.results.push_back(std::move(out));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
