// IncrementalAlterConfigs: SET / DELETE / APPEND / SUBTRACT on a topic's
// overrides, all-or-nothing per resource.
#include "broker/broker.h"
#include "broker/config/topic_config.h"
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"
#include "protocol/generated/incremental_alter_configs.h"

namespace sluice::broker {

using protocol::error_code;
using response_t = protocol::incremental_alter_configs_response;

handler_result handle_incremental_alter_configs(broker& b, request& req) {
    protocol::incremental_alter_configs_request body;
    if (!decode_body(req, body)) return handler_result::close();
    response_t response;
    for (const auto& r : body.resources) {
        op_result result = alter_resource(r.resource_type, [&]() -> op_result {
            topic_state* t = b.topics().find(r.resource_name);
            if (t == nullptr) {
                return {error_code::unknown_topic_or_partition, "Topic " + r.resource_name + " does not exist."};
            }
            std::vector<alter_op> ops;
            for (const auto& c : r.configs) {
                if (c.config_operation < 0 || c.config_operation > 3) {
                    return {error_code::invalid_request, "Unknown config operation."};
                }
                ops.push_back({c.name, static_cast<alter_op_type>(c.config_operation), c.value});
            }
            topic_config updated = t->meta.configs;
            if (op_result applied = apply_incremental(updated, ops, b.config()); !applied.ok()) return applied;
            return b.topics().set_configs(r.resource_name, updated, body.validate_only);
        });
        response.responses.push_back(
            resource_response<response_t::alter_configs_resource_response>(r.resource_type, r.resource_name, result));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
