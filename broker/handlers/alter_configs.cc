// AlterConfigs (the legacy form): replaces a topic's whole set of overrides,
// a dynamic broker level's or a group's. Resources change one after another
// through the metadata store.
#include "protocol/generated/alter_configs.h"

#include <memory>
#include <set>

#include "broker/broker.h"
#include "broker/config/topic_config.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"
#include "broker/handlers/in_order.h"
#include "broker/topics/topic_registry.h"

namespace sluice::broker {

using response_t = protocol::alter_configs_response;

handler_result handle_alter_configs(broker& b, request& req) {
    auto body = std::make_shared<protocol::alter_configs_request>();
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
                // Kafka refuses null values for broker and group resources.
                std::string nulls;
                config_map props;
                std::set<std::string> seen;
                for (const auto& c : r.configs) {
                    if (!seen.insert(c.name).second) {
                        return done({protocol::error_code::invalid_request, "Error due to duplicate config keys"});
                    }
                    if (c.value) {
                        props[c.name] = *c.value;
                    } else {
                        nulls += (nulls.empty() ? "" : ", ") + c.name;
                    }
                }
                if (!nulls.empty() && r.resource_type != resource_type::topic) {
                    return done({protocol::error_code::invalid_request, "Null value not supported for : " + nulls});
                }
                alter_resource(
                    b, r.resource_type, r.resource_name,
                    [&b, &r, validate_only = body->validate_only](alter_done changed) {
                        topic_config configs;
                        for (const auto& c : r.configs) {
                            if (c.value) configs[c.name] = *c.value;
                        }
                        b.topics().set_configs(r.resource_name, configs, validate_only, std::move(changed));
                    },
                    [props](config_map& stored) {
                        stored = props;
                        return op_result{};
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
