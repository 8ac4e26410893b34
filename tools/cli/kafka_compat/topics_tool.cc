// kafka-topics.sh: --create / --delete / --describe / --list / --alter.
#include <algorithm>
#include <iostream>
#include <regex>

#include "protocol/generated/create_partitions.h"
#include "protocol/generated/create_topics.h"
#include "protocol/generated/delete_topics.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/cluster_metadata.h"
#include "tools/cli/config_resources.h"
#include "tools/cli/kafka_compat/tool.h"

namespace sluice::tools::kafka_compat {

namespace {

constexpr std::chrono::milliseconds request_timeout{30000};
constexpr int32_t broker_timeout_ms = 29000;

std::string join(const std::vector<int32_t>& ids) {
    std::string out;
    for (int32_t id : ids)
        out += (out.empty() ? "" : ",") + std::to_string(id);
    return out;
}

// The error text Kafka's TopicCommand prints, with the error name added.
[[noreturn]] void fail(int16_t code, const std::optional<std::string>& message) {
    std::string text = message && !message->empty() ? *message : "";
    throw cli_error(text.empty() ? describe_error(code) : text + " (" + describe_error(code) + ")");
}

// --topic is a regular expression matched against whole names, as Kafka's IncludeList.
std::vector<std::string> matching_topics(kafka_client& client, const flag_values& args) {
    auto response = fetch_metadata(client, std::nullopt);
    std::vector<std::string> names;
    auto topic = args.get("topic");
    std::optional<std::regex> pattern;
    if (topic) {
        try {
            pattern.emplace(*topic);
        } catch (const std::regex_error&) {
            throw flag_error("Invalid --topic pattern '" + *topic + "'");
        }
    }
    for (const auto& t : response.topics) {
        if (!t.name) continue;
        if (pattern ? !std::regex_match(*t.name, *pattern) : (t.is_internal && args.has("exclude-internal"))) continue;
        names.push_back(*t.name);
    }
    std::sort(names.begin(), names.end());
    return names;
}

// Kafka's "does not exist" check for --alter/--delete/--describe with --topic.
bool ensure_found(const std::vector<std::string>& names, const flag_values& args) {
    if (!names.empty() || !args.has("topic")) return true;
    if (args.has("if-exists")) return false;
    throw cli_error("Topic '" + *args.get("topic") + "' does not exist as expected (" + describe_error(3) + ")");
}

int run_create(kafka_client& client, const flag_values& args) {
    std::string topic = args.require("topic");
    protocol::create_topics_request request;
    protocol::create_topics_request::creatable_topic t;
    t.name = topic;
    t.num_partitions = args.get("partitions")
                           ? static_cast<int32_t>(int_value(*args.get("partitions"), "partitions", 1, INT32_MAX))
                           : -1;
    t.replication_factor =
        args.get("replication-factor")
            ? static_cast<int16_t>(int_value(*args.get("replication-factor"), "replication-factor", 1, INT16_MAX))
            : int16_t{-1};
    if (auto assignment = args.get("replica-assignment")) {
        if (args.has("partitions") || args.has("replication-factor")) {
            throw flag_error("Option replica-assignment cannot be used with partitions or replication-factor");
        }
        // "0:1,1:2" = partition 0 on brokers 0 and 1, partition 1 on brokers 1 and 2.
        int32_t index = 0;
        size_t pos = 0;
        std::string text = *assignment;
        while (pos <= text.size()) {
            size_t end = text.find(',', pos);
            std::string part = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
            protocol::create_topics_request::creatable_replica_assignment a;
            a.partition_index = index++;
            size_t p = 0;
            while (p <= part.size()) {
                size_t colon = part.find(':', p);
                a.broker_ids.push_back(static_cast<int32_t>(
                    int_value(part.substr(p, colon == std::string::npos ? std::string::npos : colon - p),
                              "replica-assignment", 0, INT32_MAX)));
                if (colon == std::string::npos) break;
                p = colon + 1;
            }
            t.assignments.push_back(std::move(a));
            if (end == std::string::npos) break;
            pos = end + 1;
        }
    }
    for (const auto& [k, v] : key_values(args.all("config"), "config")) {
        protocol::create_topics_request::creatable_topic_config c;
        c.name = k;
        c.value = v;
        t.configs.push_back(std::move(c));
    }
    int16_t version = client.version_for<protocol::create_topics_request>();
    if (version < 4) {  // -1 ("broker default") arrived in v4
        if (t.num_partitions < 0 && t.assignments.empty()) t.num_partitions = 1;
        if (t.replication_factor < 0 && t.assignments.empty()) t.replication_factor = 1;
    }
    request.topics.push_back(std::move(t));
    request.timeout_ms = broker_timeout_ms;
    auto response = client.call<protocol::create_topics_response>(request, version);
    for (const auto& r : response.topics) {
        if (r.name != topic) continue;
        if (r.error_code == 36 && args.has("if-not-exists")) return 0;  // TOPIC_ALREADY_EXISTS
        if (r.error_code != 0) fail(r.error_code, r.error_message);
        std::cout << "Created topic " << topic << ".\n";
        return 0;
    }
    throw cli_error("no result for topic '" + topic + "' from the broker");
}

int run_delete(kafka_client& client, const flag_values& args) {
    args.require("topic");
    auto names = matching_topics(client, args);
    if (!ensure_found(names, args)) return 0;
    int16_t version = client.version_for<protocol::delete_topics_request>();
    protocol::delete_topics_request request;
    for (const auto& n : names) {
        if (version >= 6) {
            protocol::delete_topics_request::delete_topic_state s;
            s.name = n;
            request.topics.push_back(std::move(s));
        } else {
            request.topic_names.push_back(n);
        }
    }
    request.timeout_ms = broker_timeout_ms;
    auto response = client.call<protocol::delete_topics_response>(request, version);
    for (const auto& r : response.responses) {
        if (r.error_code != 0) fail(r.error_code, r.error_message);
    }
    return 0;
}

int run_alter(kafka_client& client, const flag_values& args) {
    args.require("topic");
    if (args.has("config") || args.has("delete-config")) {
        throw flag_error(
            "Option --config with --alter is not supported; use kafka-configs.sh --alter --entity-type topics");
    }
    auto total = static_cast<int32_t>(int_value(args.require("partitions"), "partitions", 1, INT32_MAX));
    auto names = matching_topics(client, args);
    if (!ensure_found(names, args)) return 0;
    protocol::create_partitions_request request;
    for (const auto& n : names) {
        protocol::create_partitions_request::create_partitions_topic t;
        t.name = n;
        t.count = total;
        t.assignments = std::nullopt;
        request.topics.push_back(std::move(t));
    }
    request.timeout_ms = broker_timeout_ms;
    auto response = client.call<protocol::create_partitions_response>(
        request, client.version_for<protocol::create_partitions_request>());
    for (const auto& r : response.results) {
        if (r.error_code != 0) fail(r.error_code, r.error_message);
    }
    return 0;
}

int run_list(kafka_client& client, const flag_values& args) {
    for (const auto& n : matching_topics(client, args))
        std::cout << n << '\n';
    return 0;
}

int run_describe(kafka_client& client, const flag_values& args) {
    auto names = matching_topics(client, args);
    if (!ensure_found(names, args)) return 0;
    bool only_partitions = args.has("under-replicated-partitions") || args.has("unavailable-partitions") ||
                           args.has("under-min-isr-partitions") || args.has("at-min-isr-partitions");
    for (const auto& name : names) {
        auto t = fetch_topic(client, name);
        std::sort(t.partitions.begin(), t.partitions.end(),
                  [](const auto& a, const auto& b) { return a.partition_index < b.partition_index; });
        auto configs = describe_resource(client, resource_topic, name);
        std::string overrides;
        int min_isr = 1;
        for (const auto& c : configs.configs) {
            if (c.name == "min.insync.replicas" && c.value) min_isr = std::atoi(c.value->c_str());
            bool is_override = c.config_source == source_dynamic_topic || (c.config_source < 0 && !c.is_default);
            if (!is_override) continue;
            overrides += (overrides.empty() ? "" : ",") + c.name + "=" + shown_value(c);
        }
        if (args.has("topics-with-overrides") && overrides.empty()) continue;
        size_t replication = t.partitions.empty() ? 0 : t.partitions.front().replica_nodes.size();
        if (!only_partitions) {
            std::cout << "Topic: " << name << "\tTopicId: " << (t.topic_id.is_zero() ? "" : format_topic_id(t.topic_id))
                      << "\tPartitionCount: " << t.partitions.size() << "\tReplicationFactor: " << replication
                      << "\tConfigs: " << overrides << '\n';
        }
        if (args.has("topics-with-overrides")) continue;
        for (const auto& p : t.partitions) {
            bool show = !only_partitions ||
                        (args.has("under-replicated-partitions") && p.isr_nodes.size() < p.replica_nodes.size()) ||
                        (args.has("unavailable-partitions") && p.leader_id < 0) ||
                        (args.has("under-min-isr-partitions") && static_cast<int>(p.isr_nodes.size()) < min_isr) ||
                        (args.has("at-min-isr-partitions") && static_cast<int>(p.isr_nodes.size()) == min_isr);
            if (!show) continue;
            std::cout << "\tTopic: " << name << "\tPartition: " << p.partition_index
                      << "\tLeader: " << (p.leader_id < 0 ? "none" : std::to_string(p.leader_id))
                      << "\tReplicas: " << join(p.replica_nodes) << "\tIsr: " << join(p.isr_nodes) << '\n';
        }
    }
    return 0;
}

int run_topics(const flag_values& args) {
    auto action = one_action(args, {"create", "delete", "describe", "list", "alter"});
    std::string server = bootstrap_server(args);
    command_config(args);
    if (action != "create" && action != "list" && action != "describe" && !args.has("topic")) {
        throw flag_error("Missing required argument \"[topic]\"");
    }
    kafka_client client(server, request_timeout);
    if (action == "create") return run_create(client, args);
    if (action == "delete") return run_delete(client, args);
    if (action == "alter") return run_alter(client, args);
    if (action == "list") return run_list(client, args);
    return run_describe(client, args);
}

}  // namespace

tool topics_tool() {
    return {
        "kafka-topics",
        "This tool helps to create, delete, describe, or change a topic.",
        {{"alter", value_kind::none, "Alter the number of partitions of the topic."},
         {"at-min-isr-partitions", value_kind::none,
          "With --describe, only partitions whose ISR count equals min.insync.replicas."},
         {"bootstrap-server", value_kind::required, "REQUIRED: The Kafka server to connect to."},
         {"command-config", value_kind::required, "Property file of client configs (PLAINTEXT only)."},
         {"config", value_kind::required, "A topic configuration override for the topic being created (repeatable)."},
         {"create", value_kind::none, "Create a new topic."},
         {"delete", value_kind::none, "Delete a topic."},
         {"delete-config", value_kind::required, "Not supported with --alter; use kafka-configs.sh."},
         {"describe", value_kind::none, "List details for the given topics."},
         {"exclude-internal", value_kind::none, "Exclude internal topics when listing or describing."},
         {"help", value_kind::none, "Print usage information."},
         {"if-exists", value_kind::none, "With --alter, --delete or --describe: only act if the topic exists."},
         {"if-not-exists", value_kind::none, "With --create: only create the topic if it does not exist."},
         {"list", value_kind::none, "List all available topics."},
         {"partitions", value_kind::required, "The number of partitions for the topic being created or altered."},
         {"replica-assignment", value_kind::required, "Manual partition-to-broker assignments (0:1,1:2,...)."},
         {"replication-factor", value_kind::required, "The replication factor for each partition of the topic."},
         {"topic", value_kind::required,
          "The topic to create, alter, describe or delete (a regular expression except with --create)."},
         {"topics-with-overrides", value_kind::none, "With --describe, only topics that have overridden configs."},
         {"unavailable-partitions", value_kind::none,
          "With --describe, only partitions whose leader is not available."},
         {"under-min-isr-partitions", value_kind::none,
          "With --describe, only partitions whose ISR count is below min.insync.replicas."},
         {"under-replicated-partitions", value_kind::none, "With --describe, only under-replicated partitions."},
         {"version", value_kind::none, "Display the tool version."}},
        run_topics};
}

}  // namespace sluice::tools::kafka_compat
