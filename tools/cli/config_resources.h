#pragma once
// DescribeConfigs look-ups shared by `topics describe` and `configs describe`.
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/generated/describe_configs.h"
#include "tools/cli/kafka_client.h"

namespace sluice::tools {

// Kafka's ConfigResource.Type numbers.
inline constexpr int8_t resource_topic = 2;
inline constexpr int8_t resource_broker = 4;
inline constexpr int8_t resource_group = 32;
// Kafka's DescribeConfigsResponse ConfigSource numbers we single out.
inline constexpr int8_t source_dynamic_topic = 1;
inline constexpr int8_t source_default = 5;

// All configs of one resource; cli_error with the broker's error name when
// the resource is unknown or the request fails.
protocol::describe_configs_response::describe_configs_result describe_resource(kafka_client& client, int8_t type,
                                                                               const std::string& name);

// "DYNAMIC_TOPIC_CONFIG", "DEFAULT_CONFIG", ... (Kafka's names).
std::string_view config_source_name(int8_t source);

// The value as it should be shown: "<sensitive>" for secrets, "null" for none.
std::string shown_value(const protocol::describe_configs_response::describe_configs_resource_result& entry);

}  // namespace sluice::tools
