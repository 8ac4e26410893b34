// `sluice configs describe|set|delete`: DescribeConfigs and
// IncrementalAlterConfigs on a topic, a broker, the cluster-wide broker
// defaults or a group.
#include <algorithm>
#include <iostream>

#include "protocol/generated/incremental_alter_configs.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/command.h"
#include "tools/cli/config_resources.h"
#include "tools/cli/json_output.h"
#include "tools/cli/kafka_client.h"
#include "tools/cli/table.h"

namespace sluice::tools {

namespace {

// IncrementalAlterConfigs operation numbers (Kafka's AlterConfigOp.OpType).
constexpr int8_t op_set = 0;
constexpr int8_t op_delete = 1;

struct resource {
    int8_t type;
    std::string name;
    std::string what;  // "topic 'x'" for messages
};

// Exactly one of --topic / --broker / --broker-default / --group.
resource resource_of(const parsed_args& args) {
    auto topic = args.get("--topic");
    auto broker = args.get("--broker");
    auto group = args.get("--group");
    bool cluster_default = args.has("--broker-default");
    int given = int(topic.has_value()) + int(broker.has_value()) + int(group.has_value()) + int(cluster_default);
    if (given != 1) {
        throw usage_error("give exactly one of --topic TOPIC, --broker ID, --broker-default or --group GROUP");
    }
    if (topic) return {resource_topic, *topic, "topic '" + *topic + "'"};
    if (group) return {resource_group, *group, "group '" + *group + "'"};
    // A BROKER resource named "" is the cluster-wide default of every broker.
    if (cluster_default) return {resource_broker, "", "the cluster-wide broker defaults"};
    parse_int(*broker, "--broker", 0, INT32_MAX);
    return {resource_broker, *broker, "broker " + *broker};
}

int run_describe(const parsed_args& args) {
    resource res = resource_of(args);
    kafka_client client(bootstrap_of(args), timeout_of(args));
    auto result = describe_resource(client, res.type, res.name);
    std::sort(result.configs.begin(), result.configs.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    bool all = args.has("--all");
    table out({"NAME", "VALUE", "SOURCE", "READ_ONLY"});
    out.set_json_kind("VALUE", table::json_kind::text);  // config values are strings in Kafka
    out.set_json_kind("READ_ONLY", table::json_kind::flag);
    for (const auto& c : result.configs) {
        bool is_default = c.config_source == source_default || (c.config_source < 0 && c.is_default);
        if (!all && is_default) continue;
        out.add_row({c.name, shown_value(c), std::string(config_source_name(c.config_source)), c.read_only ? "true" : "false"});
    }
    if (json_requested(args)) {
        print_json(std::cout, boost::json::object{{"resource", res.what}, {"configs", json_rows(out)}});
        return exit_ok;
    }
    if (out.empty()) {
        std::cout << "No configs of " << res.what << " differ from the defaults"
                  << (all ? "" : " (--all shows every config)") << ".\n";
        return exit_ok;
    }
    out.print(std::cout);
    return exit_ok;
}

int alter(const parsed_args& args, int8_t operation) {
    resource res = resource_of(args);
    std::vector<std::pair<std::string, std::optional<std::string>>> changes;
    for (const auto& p : args.positionals()) {
        if (operation == op_set) {
            changes.emplace_back(parse_key_value(p));
        } else {
            if (p.empty() || p.find('=') != std::string::npos) throw usage_error("expected a config name, got '" + p + "'");
            changes.emplace_back(p, std::nullopt);
        }
    }
    kafka_client client(bootstrap_of(args), timeout_of(args));
    int16_t version = client.version_for<protocol::incremental_alter_configs_request>();
    protocol::incremental_alter_configs_request request;
    protocol::incremental_alter_configs_request::alter_configs_resource r;
    r.resource_type = res.type;
    r.resource_name = res.name;
    for (auto& [name, value] : changes) {
        protocol::incremental_alter_configs_request::alterable_config c;
        c.name = name;
        c.config_operation = operation;
        if (value) c.value.emplace(*value);  // DELETE sends a null value
        r.configs.push_back(std::move(c));
    }
    request.resources.push_back(std::move(r));
    request.validate_only = args.has("--validate-only");
    auto response = client.call<protocol::incremental_alter_configs_response>(request, version);
    for (const auto& rr : response.responses) {
        if (rr.resource_name != res.name || rr.resource_type != res.type) continue;
        check_error(rr.error_code, rr.error_message, "cannot alter configs of " + res.what);
        boost::json::array names;
        for (const auto& change : changes) names.push_back(boost::json::string(change.first));
        print_result(args,
                     std::string(request.validate_only ? "Valid: " : operation == op_set ? "Updated " : "Removed ") +
                         std::to_string(changes.size()) + " config(s) of " + res.what + ".",
                     {{"resource", res.what}, {"configs", std::move(names)}, {"validate_only", request.validate_only}});
        return exit_ok;
    }
    throw cli_error("cannot alter configs of " + res.what + ": no result from the broker");
}

int run_set(const parsed_args& args) { return alter(args, op_set); }
int run_delete(const parsed_args& args) { return alter(args, op_delete); }

constexpr size_t many = 1000000;

}  // namespace

std::vector<command> configs_commands() {
    option_spec topic = {"-t", "--topic", "TOPIC", "a topic's configs"};
    option_spec broker = {"", "--broker", "ID", "a broker's configs"};
    option_spec broker_default = {"", "--broker-default", "",
                                  "the cluster-wide dynamic defaults of every broker"};
    option_spec group = {"-g", "--group", "GROUP", "a consumer group's configs"};
    option_spec validate = {"", "--validate-only", "", "ask the broker to check the change without applying it"};
    return {
        {"configs", "describe", "show a topic's, a broker's or a group's configs",
         {"sluice configs describe (--topic TOPIC | --broker ID | --broker-default | --group GROUP) [--all] [-b HOST:PORT]",
          "Shows the configs that differ from the defaults (all of them with --all),\n"
          "with where each value comes from.",
          {topic, broker, broker_default, group, {"", "--all", "", "also show configs left at their default"}, bootstrap_option(),
           timeout_option(), json_option()}},
         run_describe},
        {"configs", "set", "set configs (IncrementalAlterConfigs SET)",
         {"sluice configs set (--topic TOPIC | --broker ID | --broker-default | --group GROUP) KEY=VALUE... [-b HOST:PORT]",
          "Sets one or more configs; others are left unchanged.",
          {topic, broker, broker_default, group, validate, bootstrap_option(), timeout_option(), json_option()},
          1,
          many,
          "arguments:\n  KEY=VALUE  a config to set, e.g. retention.ms=3600000"},
         run_set},
        {"configs", "delete", "remove config overrides (IncrementalAlterConfigs DELETE)",
         {"sluice configs delete (--topic TOPIC | --broker ID | --broker-default | --group GROUP) KEY... [-b HOST:PORT]",
          "Removes config overrides, so the defaults apply again.",
          {topic, broker, broker_default, group, validate, bootstrap_option(), timeout_option(), json_option()},
          1,
          many,
          "arguments:\n  KEY  a config name, e.g. retention.ms"},
         run_delete},
    };
}

}  // namespace sluice::tools
