#pragma once
// Kafka's config resource types and the checks the config APIs share.
#include <cstdint>
#include <functional>
#include <string>

#include "broker/config/op_result.h"

namespace sluice::broker {

class broker;

namespace resource_type {
inline constexpr int8_t topic = 2;
inline constexpr int8_t broker = 4;
inline constexpr int8_t broker_logger = 8;
}  // namespace resource_type

// A BROKER resource names this node's id, or "" for the cluster default.
bool names_this_broker(broker& b, const std::string& resource_name);

// Dynamic broker configuration is not supported: every change is refused.
op_result refuse_broker_change();

// The part AlterConfigs and IncrementalAlterConfigs share: topics change
// through `change_topic` (asynchronous: it calls the function it is given
// once), brokers are refused, other types are invalid. `done` gets the result.
using alter_done = std::function<void(op_result)>;
void alter_resource(int8_t type, const std::function<void(alter_done)>& change_topic, alter_done done);

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
