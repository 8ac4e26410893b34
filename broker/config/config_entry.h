#pragma once
// What DescribeConfigs reports for one configuration: the shape shared by
// broker properties and topic configs. Source and type numbers are Kafka's
// (DescribeConfigsResponse ConfigSource / ConfigType), so a handler copies
// them onto the wire unchanged.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sluice::broker {

namespace config_source {
inline constexpr int8_t unknown = 0;
inline constexpr int8_t dynamic_topic_config = 1;
inline constexpr int8_t dynamic_broker_config = 2;
inline constexpr int8_t dynamic_default_broker_config = 3;
inline constexpr int8_t static_broker_config = 4;
inline constexpr int8_t default_config = 5;
inline constexpr int8_t dynamic_broker_logger_config = 6;
inline constexpr int8_t dynamic_client_metrics_config = 7;
inline constexpr int8_t dynamic_group_config = 8;
}  // namespace config_source

enum class config_type : int8_t {
    boolean = 1,
    string = 2,
    int32 = 3,   // Kafka INT
    int16 = 4,   // Kafka SHORT
    int64 = 5,   // Kafka LONG
    float64 = 6, // Kafka DOUBLE
    list = 7,
    class_name = 8,
    password = 9,
};

struct config_synonym {
    std::string name;
    std::optional<std::string> value;
    int8_t source = config_source::default_config;
    bool operator==(const config_synonym&) const = default;
};

struct config_entry {
    std::string name;
    std::optional<std::string> value;  // null for sensitive values
    int8_t source = config_source::default_config;
    bool read_only = true;
    bool is_sensitive = false;
    int8_t type = static_cast<int8_t>(config_type::string);
    std::vector<config_synonym> synonyms;  // filled when asked for
};

}  // namespace sluice::broker
