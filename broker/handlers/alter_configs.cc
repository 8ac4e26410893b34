// AlterConfigs (the legacy form): replaces a topic's whole set of overrides.
#include "broker/broker.h"
#include "broker/config/topic_config.h"
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"
#include "protocol/generated/alter_configs.h"

namespace sluice::broker {

using response_t = protocol::alter_configs_response;

handler_result handle_alter_configs(broker& b, request& req) {
    protocol::alter_configs_request body;
    if (!decode_body(req, body)) return handler_result::close();
    response_t response;
    for (const auto& r : body.resources) {
        op_result result = alter_resource(r.resource_type, [&] {
            topic_config configs;
            for (const auto& c : r.configs) {
                if (c.value) configs[c.name] = *c.value;
            }
            return b.topics().set_configs(r.resource_name, configs, body.validate_only);
        });
        response.responses.push_back(
            resource_response<response_t::alter_configs_resource_response>(r.resource_type, r.resource_name, result));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
