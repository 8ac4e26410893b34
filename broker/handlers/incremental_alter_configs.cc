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
using protocol::to_wire;
using response_t = protocol::incremental_alter_configs_response;

handler_result handle_incremental_alter_configs(broker& b, request& req) {
    protocol::incremental_alter_configs_request body;
    if (!decode_body(req, body)) return handler_result::close();
    response_t response;
    for (const auto& r : body.resources) {
        response_t::alter_configs_resource_response out;
        out.resource_type = r.resource_type;
        out.resource_name = r.resource_name;
        op_result result;
        if (r.resource_type == resource_type::topic) {
            topic_state* t = b.topics().find(r.resource_name);
            if (t == nullptr) {
                result = {error_code::unknown_topic_or_partition, "Topic " + r.resource_name + " does not exist."};
            } else {
                std::vector<alter_op> ops;
                for (const auto& c : r.configs) {
                    if (c.config_operation < 0 || c.config_operation > 3) {
                        result = {error_code::invalid_request, "Unknown config operation."};
                        break;
                    }
                    ops.push_back({c.name, static_cast<alter_op_type>(c.config_operation), c.value});
                }
                topic_config updated = t->meta.configs;
                if (result.ok()) result = apply_incremental(updated, ops, b.config());
                if (result.ok()) result = b.topics().set_configs(r.resource_name, updated, body.validate_only);
            }
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
