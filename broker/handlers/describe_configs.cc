// DescribeConfigs: topic overrides and defaults with their sources, the
// broker's configuration (static and dynamic levels), the cluster-wide
// dynamic defaults (BROKER ""), and group configs.
#include "protocol/generated/describe_configs.h"

#include <algorithm>

#include "broker/broker.h"
#include "broker/config/broker_properties.h"
#include "broker/config/dynamic_config_store.h"
#include "broker/config/topic_config.h"
#include "broker/handlers/authorize.h"
#include "broker/handlers/config_resources.h"
#include "broker/handlers/handlers.h"
#include "broker/topics/topic_registry.h"

namespace sluice::broker {

using protocol::error_code;
using protocol::to_wire;
using response_t = protocol::describe_configs_response;

namespace {

void fill(response_t::describe_configs_result& out, std::vector<config_entry> entries,
          const std::optional<std::vector<std::string>>& keys, bool synonyms, int16_t version) {
    for (auto& e : entries) {
        if (keys && !keys->empty() && std::find(keys->begin(), keys->end(), e.name) == keys->end()) continue;
        response_t::describe_configs_resource_result c;
        c.name = e.name;
        c.value = e.value;
        c.read_only = e.read_only;
        c.is_default = e.source == config_source::default_config;
        c.config_source = e.source;
        c.is_sensitive = e.is_sensitive;
        c.config_type = e.type;
        if (synonyms && version >= 1) {
            for (auto& s : e.synonyms) {
                response_t::describe_configs_synonym syn;
                syn.name = s.name;
                syn.value = s.value;
                syn.source = s.source;
                c.synonyms.push_back(std::move(syn));
            }
        }
        out.configs.push_back(std::move(c));
    }
}

// BROKER "": Kafka lists only the configs set at the cluster-default level.
std::vector<config_entry> describe_cluster_defaults(const broker_config& config, bool synonyms) {
    std::vector<config_entry> out;
    for (const auto& [name, value] : config.dynamic_default()) {
        const config_def* def = find_broker_property(name);
        config_entry e;
        e.name = name;
        e.is_sensitive = def != nullptr && def->type == config_type::password;
        e.value = e.is_sensitive ? std::nullopt : std::optional<std::string>(value);
        e.source = config_source::dynamic_default_broker_config;
        e.read_only = !is_dynamic_broker_config(name);
        e.type = static_cast<int8_t>(def != nullptr ? def->type : config_type::string);
        if (synonyms) {
            for (auto& s : config.synonyms_of(name)) {
                if (s.source != config_source::dynamic_broker_config) e.synonyms.push_back(std::move(s));
            }
        }
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace

handler_result handle_describe_configs(broker& b, request& req) {
    protocol::describe_configs_request body;
    if (!decode_body(req, body)) return handler_result::close();
    response_t response;
    bool synonyms = req.api_version >= 1 && body.include_synonyms;
    for (const auto& r : body.resources) {
        response_t::describe_configs_result out;
        out.resource_type = r.resource_type;
        out.resource_name = r.resource_name;
        if (auto e = config_access_error(b, req, r.resource_type, r.resource_name, acl_operation::describe_configs);
            e != error_code::none) {
            out.error_code = to_wire(e);
        } else if (r.resource_type == resource_type::topic) {
            topic_state* t = b.topics().find(r.resource_name);
            if (t == nullptr) {
                out.error_code = to_wire(error_code::unknown_topic_or_partition);
                out.error_message = "Topic " + r.resource_name + " does not exist.";
            } else {
                fill(out, describe(t->meta.configs, b.config(), synonyms), r.configuration_keys, synonyms,
                     req.api_version);
            }
        } else if (r.resource_type == resource_type::broker) {
            if (r.resource_name.empty()) {
                fill(out, describe_cluster_defaults(b.config(), synonyms), r.configuration_keys, synonyms,
                     req.api_version);
            } else if (!names_this_broker(b, r.resource_name)) {
                out.error_code = to_wire(error_code::invalid_request);
                out.error_message = "Unexpected broker id, expected " + std::to_string(b.config().node_id) +
                                    " or empty string, but received " + r.resource_name;
            } else {
                fill(out, b.config().describe(synonyms), r.configuration_keys, synonyms, req.api_version);
            }
        } else if (r.resource_type == resource_type::group) {
            if (auto check = check_group_resource(b, r.resource_name); !check.ok()) {
                out.error_code = to_wire(check.code);
                out.error_message = check.message;
            } else {
                fill(out, describe_group(b.dynamic_configs().group(r.resource_name), b.config(), synonyms),
                     r.configuration_keys, synonyms, req.api_version);
            }
        } else if (r.resource_type == resource_type::broker_logger) {
            // No per-logger levels to report.
        } else {
            out.error_code = to_wire(error_code::invalid_request);
            out.error_message = "Unsupported resource type " + std::to_string(r.resource_type) + ".";
        }
        response.results.push_back(std::move(out));
    }
    return respond_with(req, response);
}

}  // namespace sluice::broker
