// IncrementalAlterConfigs: SET / DELETE / APPEND / SUBTRACT on a topic's
// overrides, a dynamic broker level or a group's configs, all-or-nothing
// per resource. Each resource is a read, modify,
// compare-and-swap through the metadata store, so a concurrent change by
// another broker is never lost; resources change one after another.
#include "protocol/generated/incremental_alter_configs.h"

#include <memory>

#include "broker/broker.h"
#include "broker/config/topic_config.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/in_order.h"
#include "broker/topics/topic_registry.h"

namespace sluice::broker {

using protocol::error_code;
using request_t = protocol::incremental_alter_configs_request;
using response_t = protocol::incremental_alter_configs_response;

namespace {

void alter_topic(broker& b, const request_t::alter_configs_resource& r, bool validate_only, alter_done done) {
    if (b.topics().find(r.resource_name) == nullptr) {
        return done({error_code::unknown_topic_or_partition, "Topic " + r.resource_name + " does not exist."});
    }
    std::vector<alter_op> ops;
    for (const auto& c : r.configs) {
        if (c.config_operation < 0 || c.config_operation > 3) {
            return done({error_code::invalid_request, "Unknown config operation."});
        }
        ops.push_back({c.name, static_cast<alter_op_type>(c.config_operation), c.value});
    }
    b.topics().update_configs(
        r.resource_name,
        [&b, ops = std::move(ops)](topic_config& overrides) { return apply_incremental(overrides, ops, b.config()); },
        validate_only, std::move(done));
}

}  // namespace

handler_result handle_incremental_alter_configs(broker& b, request& req) {
    auto body = std::make_shared<request_t>();
    if (!decode_body(req, *body)) return handler_result::close();
    int16_t version = req.api_version;
    auto denied = std::make_shared<std::vector<protocol::error_code>>();
    for (const auto& r : body->resources) {
        denied->push_back(config_access_error(b, req, r.resource_type, r.resource_name, acl_operation::alter_configs));
    }
    auto repeated = std::make_shared<std::vector<bool>>(repeated_resources(body->resources));
    return handler_result::later([&b, body, version, denied, repeated](respond_fn respond) {
        run_in_order<op_result>(
            body->resources.size(),
            [&b, body, denied, repeated](size_t i, std::function<void(op_result)> done) {
                const auto& r = body->resources[i];
                if ((*repeated)[i]) return done(repeated_resource());
                if ((*denied)[i] != protocol::error_code::none) return done({(*denied)[i], "Authorization failed."});
                std::vector<alter_op> ops;
                for (const auto& c : r.configs) {
                    ops.push_back({c.name, static_cast<alter_op_type>(c.config_operation), c.value});
                }
                alter_resource(
                    b, r.resource_type, r.resource_name,
                    [&b, &r, validate_only = body->validate_only](alter_done changed) {
                        alter_topic(b, r, validate_only, std::move(changed));
                    },
                    [ops = std::move(ops), group = r.resource_type == resource_type::group](config_map& stored) {
                        return group ? apply_group_ops(stored, ops) : apply_broker_ops(stored, ops);
                    },
                    body->validate_only, std::move(done));
            },
            [body, version, respond](std::vector<op_result> results) {
                response_t response;
                for (size_t i = 0; i < results.size(); ++i) {
                    const auto& r = body->resources[i];
                    response.responses.push_back(resource_response<response_t::alter_configs_resource_response>(
                        r.resource_type, r.resource_name, results[i]));
                }
                protocol::writer w;
                response.encode(w, version);
                respond(std::move(w));
            });
    });
}

}  // namespace sluice::broker
