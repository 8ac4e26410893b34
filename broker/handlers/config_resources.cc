#include "broker/handlers/config_resources.h"

#include "broker/broker.h"
#include "broker/config/config_def.h"
#include "broker/config/config_error.h"
#include "broker/config/dynamic_config_store.h"
#include "broker/net/connection_limits.h"

namespace sluice::broker {

using protocol::error_code;

namespace {

// Kafka validates the whole configuration a change would make (its
// processReconfiguration): the cross-checks between properties too.
op_result check_combination(broker& b, const std::string& name, const config_map& props) {
    broker_config next = b.config();
    bool cluster_default = name.empty();
    try {
        next.set_dynamic(cluster_default ? props : b.config().dynamic_default(),
                         cluster_default ? b.config().dynamic_broker() : props);
        (void)connection_limits_of(next);  // max.connections.per.ip.overrides' shape
    } catch (const config_error& e) {
        return {error_code::invalid_request, std::string("Invalid dynamic configuration: ") + e.what()};
    }
    return {};
}

void alter_broker_level(broker& b, const std::string& name, const set_change& change, bool validate_only,
                        alter_done done) {
    if (auto r = check_broker_name(b, name); !r.ok()) return done(r);
    config_map props = b.dynamic_configs().level(name);
    if (auto r = change(props); !r.ok()) return done(r);
    if (auto r = validate_dynamic_broker_configs(props, !name.empty()); !r.ok()) return done(r);
    if (auto r = check_combination(b, name, props); !r.ok()) return done(r);
    if (validate_only) return done({});
    b.dynamic_configs().put_level(name, props, std::move(done));
}

void alter_group(broker& b, const std::string& name, const set_change& change, bool validate_only, alter_done done) {
    if (auto r = check_group_resource(b, name); !r.ok()) return done(r);
    config_map props = b.dynamic_configs().group(name);
    if (auto r = change(props); !r.ok()) return done(r);
    if (auto r = validate_group_configs(props, b.config()); !r.ok()) return done(r);
    if (validate_only) return done({});
    b.dynamic_configs().put_group(name, props, std::move(done));
}

}  // namespace

bool names_this_broker(broker& b, const std::string& resource_name) {
    return resource_name.empty() || resource_name == std::to_string(b.config().node_id);
}

op_result check_broker_name(broker& b, const std::string& resource_name) {
    if (resource_name.empty()) return {};
    auto id = parse_int(resource_name, INT32_MIN, INT32_MAX);
    if (!id || trim(resource_name).size() != resource_name.size()) {
        return {error_code::invalid_request, "Node id must be an integer, but it is: " + resource_name};
    }
    if (*id != b.config().node_id) {
        return {error_code::invalid_request, "Unexpected broker id, expected " + std::to_string(b.config().node_id) +
                                                 ", but received " + resource_name};
    }
    return {};
}

op_result check_group_resource(broker& b, const std::string& resource_name) {
    if (!group_configs_enabled(b.config())) {
        return {error_code::invalid_request,
                "Group configs need the consumer group protocol: group.coordinator.rebalance.protocols does not "
                "include consumer."};
    }
    if (resource_name.empty()) return {error_code::invalid_request, "Group name must not be empty."};
    return {};
}

void alter_resource(broker& b, int8_t type, const std::string& name,
                    const std::function<void(alter_done)>& change_topic, const set_change& change_set,
                    bool validate_only, alter_done done) {
    if (type == resource_type::topic) return change_topic(std::move(done));
    if (type == resource_type::broker) return alter_broker_level(b, name, change_set, validate_only, std::move(done));
    if (type == resource_type::group) return alter_group(b, name, change_set, validate_only, std::move(done));
    done({error_code::invalid_request, "Unknown resource type " + std::to_string(type)});
}

}  // namespace sluice::broker
