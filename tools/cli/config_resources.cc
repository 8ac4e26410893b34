#include "tools/cli/config_resources.h"

#include "tools/cli/broker_error.h"

namespace sluice::tools {

protocol::describe_configs_response::describe_configs_result describe_resource(kafka_client& client, int8_t type,
                                                                               const std::string& name) {
    int16_t version = client.version_for<protocol::describe_configs_request>();
    protocol::describe_configs_request request;
    protocol::describe_configs_request::describe_configs_resource resource;
    resource.resource_type = type;
    resource.resource_name = name;
    resource.configuration_keys = std::nullopt;  // all of them
    request.resources.push_back(std::move(resource));
    auto response = client.call<protocol::describe_configs_response>(request, version);
    std::string what = std::string(type == resource_broker ? "broker " : type == resource_group ? "group " : "topic ") + "'" + name + "'";
    for (auto& r : response.results) {
        if (r.resource_name != name || r.resource_type != type) continue;
        check_error(r.error_code, r.error_message, what);
        return std::move(r);
    }
    throw cli_error(what + ": no DescribeConfigs result from the broker");
}

std::string_view config_source_name(int8_t source) {
    switch (source) {
        case 1: return "DYNAMIC_TOPIC_CONFIG";
        case 2: return "DYNAMIC_BROKER_CONFIG";
        case 3: return "DYNAMIC_DEFAULT_BROKER_CONFIG";
        case 4: return "STATIC_BROKER_CONFIG";
        case 5: return "DEFAULT_CONFIG";
        case 6: return "DYNAMIC_BROKER_LOGGER_CONFIG";
        case 7: return "DYNAMIC_CLIENT_METRICS_CONFIG";
        case 8: return "DYNAMIC_GROUP_CONFIG";
        default: return "UNKNOWN";
    }
}

std::string shown_value(const protocol::describe_configs_response::describe_configs_resource_result& entry) {
    if (entry.is_sensitive) return "<sensitive>";
    return entry.value.value_or("null");
}

}  // namespace sluice::tools
