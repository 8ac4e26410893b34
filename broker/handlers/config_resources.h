#pragma once
// Kafka's config resource types and the checks the config APIs share.
#include <cstdint>
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

}  // namespace sluice::broker
