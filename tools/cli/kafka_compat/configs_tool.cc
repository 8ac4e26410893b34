// kafka-configs.sh for topics, brokers (one, or --entity-default for the
// cluster-wide dynamic defaults) and groups: --describe (DescribeConfigs) and
// --alter --add-config / --delete-config (IncrementalAlterConfigs); users,
// clients and ips: client quotas, and users' SCRAM credentials.
#include <arpa/inet.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "protocol/generated/incremental_alter_configs.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/cluster_metadata.h"
#include "tools/cli/broker_pool.h"
#include "tools/cli/config_resources.h"
#include "tools/cli/group_queries.h"
#include "tools/cli/kafka_compat/client_quotas.h"
#include "tools/cli/kafka_compat/scram_users.h"
#include "tools/cli/kafka_compat/tool.h"

namespace sluice::tools::kafka_compat {

namespace {

struct entity {
    int8_t type;       // resource_topic / resource_broker / resource_group
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

// Quota entities as Kafka's ConfigCommand pairs them: each --entity-type
// (or --user/--client/--ip) with the --entity-name or --entity-default that
// follows it, in command-line order.
struct quota_request {
    std::vector<std::string> types;  // "users", "clients", "ips"
    std::vector<quota_component> entity;
};

std::optional<quota_request> quota_request_of(const flag_values& args) {
    std::vector<std::string> types;
    std::vector<std::string> names;  // "" = --entity-default
    for (const auto& [option, value] : args.in_order()) {
        if (option == "entity-type") types.push_back(value);
        if (option == "entity-name") names.push_back(value);
        if (option == "entity-default") names.emplace_back();
        if (option == "user" || option == "client" || option == "ip") {
            types.push_back(option + "s");
            names.push_back(value);
        }
    }
    bool quota_type = false;
    for (const auto& t : types) quota_type = quota_type || t == "clients" || t == "ips";
    bool users_only = types.size() == 1 && types.front() == "users";
    if (!quota_type && !users_only) return std::nullopt;
    if (types.size() > 2) throw flag_error("At most two entity types (users and clients) may be given");
    if (types.size() == 2) {
        bool user_client = (types[0] == "users" && types[1] == "clients") || (types[0] == "clients" && types[1] == "users");
        if (!user_client) throw flag_error("Only 'users' and 'clients' may be combined as entity types");
    }
    if (names.size() > types.size()) throw flag_error("More entity names than entity types were given");
    quota_request out;
    out.types = types;
    for (size_t i = 0; i < types.size(); ++i) {
        const std::string& t = types[i];
        quota_component c;
        c.type = t == "users" ? "user" : t == "clients" ? "client-id" : "ip";
        if (i < names.size()) c.name = names[i];
        if (t == "ips" && c.name && !c.name->empty()) {
            unsigned char addr[16];
            if (::inet_pton(AF_INET, c.name->c_str(), addr) != 1 && ::inet_pton(AF_INET6, c.name->c_str(), addr) != 1)
                throw flag_error("The entity name for ips must be a valid IP address, but it is: " + *c.name);
        }
        out.entity.push_back(std::move(c));
    }
    return out;
}

bool is_scram_mechanism(std::string_view key) { return key == "SCRAM-SHA-256" || key == "SCRAM-SHA-512"; }

std::string keys_text(const std::vector<std::string>& keys) {
    std::string out;
    for (const auto& k : keys) out += (out.empty() ? "" : ",") + k;
    return out;
}

void describe_quota_entity(kafka_client& client, const quota_request& q) {
    describe_client_quotas(client, q.entity);
    // SCRAM credentials too when users alone are described, as Kafka's script does.
    if (q.types.size() == 1 && q.types.front() == "users") {
        const auto& name = q.entity.front().name;
        if (name && name->empty()) return;
        describe_scram_users(client, name ? std::vector<std::string>{*name} : std::vector<std::string>{});
    }
}

void alter_quota_entity(kafka_client& client, const quota_request& q,
                        const std::vector<std::pair<std::string, std::string>>& sets,
                        const std::vector<std::string>& deletes) {
    for (const auto& c : q.entity) {
        if (!c.name) {
            std::string list;
            for (const auto& t : q.types) list += (list.empty() ? "" : ",") + t;
            throw flag_error("An entity name must be specified with --alter of " + list);
        }
    }
    bool ip = q.types.front() == "ips";
    bool users_only = q.types.size() == 1 && q.types.front() == "users";
    std::vector<std::string> unknown, scram;
    bool quotas = false;
    for (const auto& [k, v] : sets) {
        if (is_quota_config(k, ip)) quotas = true;
        else if (!ip && is_scram_mechanism(k)) scram.push_back(k);
        else unknown.push_back(k);
    }
    for (const auto& k : deletes) {
        if (is_quota_config(k, ip)) quotas = true;
        else if (!ip && is_scram_mechanism(k)) scram.push_back(k);
        else unknown.push_back(k);
    }
    if (ip && !unknown.empty()) {
        throw flag_error("Only connection quota configs can be added for 'ips' using --bootstrap-server. Unexpected "
                         "config names: " + keys_text(unknown));
    }
    if (!users_only && !ip && (!unknown.empty() || !scram.empty())) {
        unknown.insert(unknown.end(), scram.begin(), scram.end());
        throw flag_error("Only quota configs can be added for 'clients' using --bootstrap-server. Unexpected config "
                         "names: " + keys_text(unknown));
    }
    if (users_only && !unknown.empty()) {
        throw flag_error("Only quota configs or SCRAM credential configs can be added for 'users' using "
                         "--bootstrap-server. Unexpected config names: " + keys_text(unknown));
    }
    if (quotas && !scram.empty())
        throw flag_error("Quota configs and SCRAM credential configs cannot be changed in one --alter");
    const std::string& head_name = *q.entity.front().name;
    if (quotas) {
        alter_client_quotas(client, q.entity, sets, deletes);
    } else {
        if (head_name.empty())
            throw flag_error("--entity-default is not supported for SCRAM credentials (they are per user)");
        alter_scram_users(client, {head_name}, sets, deletes);
        return;  // alter_scram_users prints Kafka's completion line
    }
    const std::string& head = q.types.front();
    if (head_name.empty()) std::cout << "Completed updating default config for " << head << " in the cluster.\n";
    else std::cout << "Completed updating config for " << head.substr(0, head.size() - 1) << ' ' << head_name << ".\n";
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
    if (type == "broker-loggers" || type == "client-metrics") {
        throw flag_error("Entity type '" + type +
                         "' is not supported by this script (topics, brokers, groups, users and clients' quotas, "
                         "ips' connection quotas and users' SCRAM credentials are)");
    }
    if (type == "groups") {
        if (is_default) throw flag_error("--entity-default applies to brokers only");
        if (names.empty() && client == nullptr) throw flag_error("An entity name must be specified with --alter of groups");
        if (names.empty()) {
            // --describe of every consumer group, as Kafka's script lists them.
            broker_pool pool(bootstrap_server(args), std::chrono::milliseconds(30000));
            for (const auto& g : list_groups(pool)) names.push_back(g.group);
        }
        std::vector<entity> groups;
        for (const auto& n : names)
            groups.push_back({resource_group, n, "group " + n});
        return groups;
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

int run_describe(kafka_client& client, const flag_values& args) {
    bool all = args.has("all");
    if (auto q = quota_request_of(args)) {
        describe_quota_entity(client, *q);
        return 0;
    }
    auto entities = entities_of(args, &client);
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
    if (auto q = quota_request_of(args)) {
        alter_quota_entity(client, *q, sets, deletes);
        return 0;
    }
    auto entities = entities_of(args, nullptr);
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
            "This tool helps to manipulate and describe entity config for a topic, broker, group, user, client or "
            "ip (quotas and SCRAM credentials).",
            {{"add-config", value_kind::required, "Key Value pairs of configs to add: k1=v1,k2=[v1,v2,v2],k3=v3."},
             {"add-config-file", value_kind::required, "Path to a properties file with configs to add."},
             {"all", value_kind::none, "List all configs for the given entity, including static and defaults."},
             {"alter", value_kind::none, "Alter the configuration for the entity."},
             {"bootstrap-server", value_kind::required, "The Kafka server to connect to."},
             {"broker", value_kind::required, "The broker's ID (same as --entity-type brokers --entity-name)."},
             {"broker-defaults", value_kind::none, "The config defaults for all brokers."},
             {"client", value_kind::required, "The client's ID (same as --entity-type clients --entity-name)."},
             {"command-config", value_kind::required, "Property file of admin client configs (PLAINTEXT only)."},
             {"delete-config", value_kind::required, "config keys to remove: k1,k2."},
             {"describe", value_kind::none, "List configs for the given entity."},
             {"entity-default", value_kind::none, "Default entity name for brokers, users, clients and ips."},
             {"entity-name", value_kind::required, "Name of entity (topic name / broker id / group id / user name / client id / ip)."},
             {"entity-type", value_kind::required, "Type of entity (topics/brokers/groups/users/clients/ips)."},
             {"force", value_kind::none, "Suppress console prompts."},
             {"group", value_kind::required, "The group's ID (same as --entity-type groups --entity-name)."},
             {"help", value_kind::none, "Print usage information."},
             {"ip", value_kind::required, "The IP address (same as --entity-type ips --entity-name)."},
             {"topic", value_kind::required, "The topic's name (same as --entity-type topics --entity-name)."},
             {"user", value_kind::required, "The user's name (same as --entity-type users --entity-name)."},
             {"version", value_kind::none, "Display Kafka version."}},
            run_configs};
}

}  // namespace sluice::tools::kafka_compat
