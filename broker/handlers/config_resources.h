#pragma once
// Kafka's config resource types and the checks the config APIs share.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "broker/config/dynamic_broker_config.h"
#include "broker/config/op_result.h"

namespace sluice::broker {

class broker;

namespace resource_type {
inline constexpr int8_t topic = 2;
inline constexpr int8_t broker = 4;
inline constexpr int8_t broker_logger = 8;
inline constexpr int8_t group = 32;
}  // namespace resource_type

// A BROKER resource names this node's id, or "" for the cluster default.
bool names_this_broker(broker& b, const std::string& resource_name);
// The same as an answer: Kafka's invalid_request and message when not.
op_result check_broker_name(broker& b, const std::string& resource_name);
// GROUP resources are served only with the consumer group protocol on
// (group.coordinator.rebalance.protocols), and only for a named group.
op_result check_group_resource(broker& b, const std::string& resource_name);

// The part AlterConfigs and IncrementalAlterConfigs share. Topics change
// through `change_topic` (asynchronous: it calls the function it is given
// once). Broker levels and groups are a stored set that `change_set` edits
// (an error leaves it); the result is checked as Kafka checks it, then
// stored unless `validate_only`. Other types are invalid. `done` gets the
// result.
using alter_done = std::function<void(op_result)>;
using set_change = std::function<op_result(config_map&)>;
void alter_resource(broker& b, int8_t type, const std::string& name,
                    const std::function<void(alter_done)>& change_topic, const set_change& change_set,
                    bool validate_only, alter_done done);

// Kafka answers INVALID_REQUEST "Each resource must appear at most once."
// for every copy of a (type, name) named twice in one request.
template <typename Resources>
std::vector<bool> repeated_resources(const Resources& resources) {
    std::vector<bool> out(resources.size(), false);
    for (size_t i = 0; i < resources.size(); ++i) {
        for (size_t j = i + 1; j < resources.size(); ++j) {
            if (resources[i].resource_type == resources[j].resource_type &&
                resources[i].resource_name == resources[j].resource_name) {
                out[i] = out[j] = true;
            }
        }
    }
    return out;
}
inline op_result repeated_resource() {
    return {protocol::error_code::invalid_request, "Each resource must appear at most once."};
}

// Fills one resource's answer (both APIs' answers have this shape).
template <typename ResourceResponse>
ResourceResponse resource_response(int8_t type, const std::string& name, const op_result& result) {
    ResourceResponse out;
    out.resource_type = type;
    out.resource_name = name;
    out.error_code = protocol::to_wire(result.code);
    if (!result.ok()) out.error_message = result.message;
    return out;
}

}  // namespace sluice::broker
