// kafka-configs.sh for topics, brokers (one, or --entity-default for the
// cluster-wide dynamic defaults) and groups: --describe (DescribeConfigs) and
// --alter --add-config / --delete-config (IncrementalAlterConfigs).
#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "protocol/generated/incremental_alter_configs.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/cluster_metadata.h"
#include "tools/cli/config_resources.h"
#include "tools/cli/kafka_compat/scram_users.h"
#include "tools/cli/kafka_compat/tool.h"

namespace sluice::tools::kafka_compat {

namespace {

// Users are not a config resource: their SCRAM credentials have their own APIs.
constexpr int8_t entity_user = -1;

struct entity {
    int8_t type;       // resource_topic / resource_broker / resource_group / entity_user
    std::string name;  // "" = the cluster-wide broker default
    std::string what;  // "topic foo", "broker 0", "brokers in the cluster"
};

// Kafka's --add-config syntax: k1=v1,k2=[a,b] (brackets hold a list value).
std::vector<std::pair<std::string, std::string>> parse_add_config(const std::string& text) {
    std::vector<std::pair<std::string, std::string>> out;
    std::string item;
    int depth = 0;
    auto finish = [&] {
        if (item.empty()) return;
        size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0)
            throw flag_error("Invalid entity config: all configs to be added must be in the format \"key=val\", got '" +
                             item + "'");
        std::string value = item.substr(eq + 1);
        if (value.size() >= 2 && value.front() == '[' && value.back() == ']') value = value.substr(1, value.size() - 2);
        out.emplace_back(item.substr(0, eq), value);
        item.clear();
    };
    for (char c : text) {
        if (c == '[') ++depth;
        if (c == ']') --depth;
        if (c == ',' && depth == 0) {
            finish();
            continue;
        }
        item += c;
    }
    if (depth != 0) throw flag_error("Invalid entity config: unbalanced brackets in '" + text + "'");
    finish();
    return out;
}

std::vector<entity> entities_of(const flag_values& args, kafka_client* client) {
    std::string type;
    std::vector<std::string> names;
    bool is_default = args.has("entity-default") || args.has("broker-defaults");
    for (auto t : {"topic", "broker", "user", "group"}) {
        if (args.has(t)) {
            if (!type.empty() || args.has("entity-type")) throw flag_error("Only one entity type may be given");
            type = std::string(t) + "s";
            names = args.all(t);
        }
    }
    if (args.has("broker-defaults")) type = "brokers";
    if (auto et = args.get("entity-type")) {
        type = *et;
        names = args.all("entity-name");
    }
    if (type.empty()) throw flag_error("Missing required argument \"[entity-type]\"");
    if (type == "clients" || type == "ips" || type == "broker-loggers" || type == "client-metrics") {
        throw flag_error("Entity type '" + type +
                         "' is not supported by this script (topics, brokers, groups and users' SCRAM credentials "
                         "are)");
    }
    if (type == "groups") {
        if (is_default) throw flag_error("--entity-default applies to brokers only");
        if (names.empty()) throw flag_error("An entity name must be specified for groups");
        std::vector<entity> groups;
        for (const auto& n : names)
            groups.push_back({resource_group, n, "group " + n});
        return groups;
    }
    if (type == "users") {
        if (is_default)
            throw flag_error("--entity-default is not supported for users (SCRAM credentials are per user)");
        if (names.empty()) return {{entity_user, "", "users"}};  // describe: every user
        std::vector<entity> users;
        for (const auto& n : names)
            users.push_back({entity_user, n, "user " + n});
        return users;
    }
    if (type != "topics" && type != "brokers")
        throw flag_error("Invalid entity-type " + type +
                         ", --entity-type must be one of topics, brokers, groups, users");
    if (is_default && type != "brokers") throw flag_error("--entity-default applies to brokers only");
    if (is_default && !names.empty()) throw flag_error("--entity-name and --entity-default exclude each other");
    std::vector<entity> out;
    int8_t rt = type == "topics" ? resource_topic : resource_broker;
    if (is_default) {
        out.push_back({resource_broker, "", "brokers in the cluster"});
        return out;
    }
    if (names.empty() && client != nullptr) {
        auto md = fetch_metadata(*client, std::nullopt);
        if (rt == resource_topic) {
            for (const auto& t : md.topics)
                if (t.name) names.push_back(*t.name);
        } else {
            for (const auto& b : md.brokers)
                names.push_back(std::to_string(b.node_id));
        }
        std::sort(names.begin(), names.end());
    }
    for (const auto& n : names) {
        if (rt == resource_broker) int_value(n, "entity-name", 0, INT32_MAX);
        out.push_back({rt, n, std::string(rt == resource_topic ? "topic " : "broker ") + n});
    }
    return out;
}

std::vector<std::string> user_names(const std::vector<entity>& entities) {
    std::vector<std::string> out;
    for (const auto& e : entities) {
        if (!e.name.empty()) out.push_back(e.name);
    }
    return out;
}

int run_describe(kafka_client& client, const flag_values& args) {
    bool all = args.has("all");
    auto entities = entities_of(args, &client);
    if (!entities.empty() && entities.front().type == entity_user) {
        describe_scram_users(client, user_names(entities));
        return 0;
    }
    for (const auto& e : entities) {
        auto result = describe_resource(client, e.type, e.name);
        std::string label = e.name.empty() ? "Default configs for brokers in the cluster are:"
                                           : (all ? "All configs for " : "Dynamic configs for ") + e.what + " are:";
        std::cout << label << '\n';
        for (const auto& c : result.configs) {
            bool dynamic = c.config_source == 1 || c.config_source == 2 || c.config_source == 3 ||
                           c.config_source == 8 || (c.config_source < 0 && !c.is_default);
            if (e.name.empty()) dynamic = c.config_source == 3;
            if (!all && !dynamic) continue;
            std::cout << "  " << c.name << '=' << shown_value(c) << " sensitive=" << (c.is_sensitive ? "true" : "false")
                      << " synonyms={" << config_source_name(c.config_source) << ':' << c.name << '=' << shown_value(c)
                      << "}\n";
        }
    }
    return 0;
}

int run_alter(kafka_client& client, const flag_values& args) {
    std::vector<std::pair<std::string, std::string>> sets;
    for (const auto& a : args.all("add-config")) {
        auto part = parse_add_config(a);
        sets.insert(sets.end(), part.begin(), part.end());
    }
    if (auto file = args.get("add-config-file")) {
        for (const auto& [k, v] : read_properties(*file))
            sets.emplace_back(k, v);
    }
    std::vector<std::string> deletes;
    for (const auto& d : args.all("delete-config")) {
        std::stringstream in(d);
        std::string key;
        while (std::getline(in, key, ',')) {
            if (!key.empty()) deletes.push_back(key);
        }
    }
    if (sets.empty() && deletes.empty()) {
        throw flag_error(
            "At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter");
    }
    auto entities = entities_of(args, nullptr);
    if (!entities.empty() && entities.front().type == entity_user) {
        alter_scram_users(client, user_names(entities), sets, deletes);
        return 0;
    }
    if (entities.empty())
        throw flag_error("An entity name must be specified with --alter of " + *args.get("entity-type"));
    for (const auto& e : entities) {
        protocol::incremental_alter_configs_request request;
        protocol::incremental_alter_configs_request::alter_configs_resource r;
        r.resource_type = e.type;
        r.resource_name = e.name;
        for (const auto& [k, v] : sets) {
            protocol::incremental_alter_configs_request::alterable_config c;
            c.name = k;
            c.config_operation = 0;  // SET
            c.value = v;
            r.configs.push_back(std::move(c));
        }
        for (const auto& k : deletes) {
            protocol::incremental_alter_configs_request::alterable_config c;
            c.name = k;
            c.config_operation = 1;  // DELETE
            r.configs.push_back(std::move(c));
        }
        request.resources.push_back(std::move(r));
        auto response = client.call<protocol::incremental_alter_configs_response>(
            request, client.version_for<protocol::incremental_alter_configs_request>());
        for (const auto& rr : response.responses)
            check_error(rr.error_code, rr.error_message, "cannot alter configs of " + e.what);
        std::cout << (e.name.empty() ? "Completed updating default config for brokers in the cluster."
                                     : "Completed updating config for " + e.what + ".")
                  << '\n';
    }
    return 0;
}

int run_configs(const flag_values& args) {
    auto action = one_action(args, {"describe", "alter"});
    std::string server = bootstrap_server(args);
    command_config(args);
    if (action == "describe" && (args.has("add-config") || args.has("delete-config"))) {
        throw flag_error("Option add-config/delete-config is only allowed with --alter");
    }
    kafka_client client(server, std::chrono::milliseconds(30000));
    return action == "describe" ? run_describe(client, args) : run_alter(client, args);
}

}  // namespace

tool configs_tool() {
    return {"kafka-configs",
            "This tool helps to manipulate and describe entity config for a topic, broker, group or user (SCRAM "
            "credentials).",
            {{"add-config", value_kind::required, "Key Value pairs of configs to add: k1=v1,k2=[v1,v2,v2],k3=v3."},
             {"add-config-file", value_kind::required, "Path to a properties file with configs to add."},
             {"all", value_kind::none, "List all configs for the given entity, including static and defaults."},
             {"alter", value_kind::none, "Alter the configuration for the entity."},
             {"bootstrap-server", value_kind::required, "The Kafka server to connect to."},
             {"broker", value_kind::required, "The broker's ID (same as --entity-type brokers --entity-name)."},
             {"broker-defaults", value_kind::none, "The config defaults for all brokers."},
             {"command-config", value_kind::required, "Property file of admin client configs (PLAINTEXT only)."},
             {"delete-config", value_kind::required, "config keys to remove: k1,k2."},
             {"describe", value_kind::none, "List configs for the given entity."},
             {"entity-default", value_kind::none, "Default entity name for brokers."},
             {"entity-name", value_kind::required, "Name of entity (topic name / broker id / group id / user name)."},
             {"entity-type", value_kind::required, "Type of entity (topics/brokers/groups/users)."},
             {"force", value_kind::none, "Suppress console prompts."},
             {"group", value_kind::required, "The group's ID (same as --entity-type groups --entity-name)."},
             {"help", value_kind::none, "Print usage information."},
             {"topic", value_kind::required, "The topic's name (same as --entity-type topics --entity-name)."},
             {"user", value_kind::required, "The user's name (same as --entity-type users --entity-name)."},
             {"version", value_kind::none, "Display Kafka version."}},
            run_configs};
}

}  // namespace sluice::tools::kafka_compat
