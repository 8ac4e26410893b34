// AlterConfigs (the legacy form): replaces a topic's whole set of overrides.
#include "broker/broker.h"
#include "broker/config/topic_config.h"
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"
#include "protocol/generated/alter_configs.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::alter_configs_response;

handler_result handle_alter_configs(broker& b, request& req) {
    protocol::alter_configs_request body;
    if (!decode_body(req, body)) return handler_result::close();
    response_t response;
    for (const auto& r : body.resources) {
        response_t::alter_configs_resource_response out;
        out.resource_type = r.resource_type;
        out.resource_name = r.resource_name;
        op_result result;
        if (r.resource_type == resource_type::topic) {
            topic_config configs;
            for (const auto& c : r.configs) {
                if (c.value) configs[c.name] = *c.value;
            }
            result = b.topics().set_configs(r.resource_name, configs, body.validate_only);
        } else if (r.resource_type == resource_type::broker) {
            result = refuse_broker_change();
        } else {
            result = {error_code::invalid_request, "Unsupported resource type."};
        }
        out.error_code = to_wire(result.code);
        if (!result.ok()) out.error_message = result.message;
        response.responses.push_back(std::move(out));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
