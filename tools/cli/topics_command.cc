// `sluice topics list|describe|create|delete|add-partitions`.
#include <algorithm>
#include <iostream>

#include "protocol/generated/create_partitions.h"
#include "protocol/generated/create_topics.h"
#include "protocol/generated/delete_topics.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/cluster_metadata.h"
#include "tools/cli/command.h"
#include "tools/cli/config_resources.h"
#include "tools/cli/json_output.h"
#include "tools/cli/kafka_client.h"
#include "tools/cli/table.h"

namespace sluice::tools {

namespace {

// How long the broker may take for a create/delete before answering
// REQUEST_TIMED_OUT; well inside the client's own socket timeout.
int32_t broker_timeout_ms(const parsed_args& args) {
    return static_cast<int32_t>(std::max<long long>(1, timeout_of(args).count() - 500));
}

std::string join_ids(const std::vector<int32_t>& ids) {
    std::string out;
    for (int32_t id : ids) {
        if (!out.empty()) out += ',';
        out += std::to_string(id);
    }
    return out;
}

int run_list(const parsed_args& args) {
    kafka_client client(bootstrap_of(args), timeout_of(args));
    auto response = fetch_metadata(client, std::nullopt);
    std::vector<std::string> names;
    for (const auto& t : response.topics) {
        if (t.name && (args.has("--include-internal") || !t.is_internal)) names.push_back(*t.name);
    }
    std::sort(names.begin(), names.end());
    if (json_requested(args)) {
        print_json(std::cout, boost::json::object{{"topics", boost::json::array(names.begin(), names.end())}});
        return exit_ok;
    }
    for (const auto& n : names) std::cout << n << '\n';
    return exit_ok;
}

int run_describe(const parsed_args& args) {
    std::string topic = require(args, "--topic");
    kafka_client client(bootstrap_of(args), timeout_of(args));
    auto t = fetch_topic(client, topic);
    auto configs = describe_resource(client, resource_topic, topic);

    std::sort(t.partitions.begin(), t.partitions.end(),
              [](const auto& a, const auto& b) { return a.partition_index < b.partition_index; });
    size_t replication = t.partitions.empty() ? 0 : t.partitions.front().replica_nodes.size();
    std::string overrides;
    for (const auto& c : configs.configs) {
        bool is_override = c.config_source == source_dynamic_topic || (c.config_source < 0 && !c.is_default);
        if (!is_override) continue;
        if (!overrides.empty()) overrides += ',';
        overrides.append(c.name).append("=").append(shown_value(c));
    }
    std::string topic_id = t.topic_id.is_zero() ? "-" : format_topic_id(t.topic_id);
    table out({"PARTITION", "LEADER", "REPLICAS", "ISR", "ERROR"});
    out.set_json_kind("REPLICAS", table::json_kind::list);
    out.set_json_kind("ISR", table::json_kind::list);
    for (const auto& p : t.partitions) {
        out.add_row({std::to_string(p.partition_index), p.leader_id < 0 ? "none" : std::to_string(p.leader_id),
                     join_ids(p.replica_nodes), join_ids(p.isr_nodes), p.error_code == 0 ? "-" : describe_error(p.error_code)});
    }
    if (json_requested(args)) {
        print_json(std::cout, boost::json::object{{"topic", topic},
                                                  {"topic_id", json_cell(topic_id)},
                                                  {"partition_count", t.partitions.size()},
                                                  {"replication_factor", replication},
                                                  {"configs", json_cell(overrides.empty() ? "-" : overrides)},
                                                  {"partitions", json_rows(out)}});
        return exit_ok;
    }
    std::cout << "Topic:             " << topic << '\n'
              << "TopicId:           " << topic_id << '\n'
              << "PartitionCount:    " << t.partitions.size() << '\n'
              << "ReplicationFactor: " << replication << '\n'
              << "Configs:           " << (overrides.empty() ? "-" : overrides) << "\n\n";
    out.print(std::cout);
    return exit_ok;
}

int run_create(const parsed_args& args) {
    std::string topic = require(args, "--topic");
    auto partitions = args.get("--partitions");
    auto rf = args.get("--replication-factor");
    int32_t num_partitions = partitions ? static_cast<int32_t>(parse_int(*partitions, "--partitions", 1, INT32_MAX)) : -1;
    int16_t replication = rf ? static_cast<int16_t>(parse_int(*rf, "--replication-factor", 1, INT16_MAX)) : -1;
    std::vector<std::pair<std::string, std::string>> configs;
    for (const auto& kv : args.all("--config")) configs.push_back(parse_key_value(kv));

    kafka_client client(bootstrap_of(args), timeout_of(args));
    int16_t version = client.version_for<protocol::create_topics_request>();
    // -1 ("broker default") is only understood from v4; older brokers get
    // Kafka's CLI defaults spelled out.
    if (version < 4) {
        if (num_partitions < 0) num_partitions = 1;
        if (replication < 0) replication = 1;
    }
    protocol::create_topics_request request;
    protocol::create_topics_request::creatable_topic t;
    t.name = topic;
    t.num_partitions = num_partitions;
    t.replication_factor = replication;
    for (auto& [k, v] : configs) {
        protocol::create_topics_request::creatable_topic_config c;
        c.name = k;
        c.value = v;
        t.configs.push_back(std::move(c));
    }
    request.topics.push_back(std::move(t));
    request.timeout_ms = broker_timeout_ms(args);
    request.validate_only = args.has("--validate-only");
    auto response = client.call<protocol::create_topics_response>(request, version);
    for (const auto& r : response.topics) {
        if (r.name != topic) continue;
        check_error(r.error_code, r.error_message, "cannot create topic '" + topic + "'");
        std::string text = request.validate_only ? "Topic '" + topic + "' would be created" : "Created topic '" + topic + "'";
        if (r.num_partitions > 0) text += " with " + std::to_string(r.num_partitions) + " partition(s)";
        boost::json::object fields{{"topic", topic}, {"validate_only", request.validate_only}};
        if (r.num_partitions > 0) fields["partitions"] = r.num_partitions;
        print_result(args, text + ".", std::move(fields));
        return exit_ok;
    }
    throw cli_error("cannot create topic '" + topic + "': no result from the broker");
}

int run_delete(const parsed_args& args) {
    std::string topic = require(args, "--topic");
    kafka_client client(bootstrap_of(args), timeout_of(args));
    int16_t version = client.version_for<protocol::delete_topics_request>();
    protocol::delete_topics_request request;
    // v6 names topics in a struct array (name or id); earlier versions in a string array.
    if (version >= 6) {
        protocol::delete_topics_request::delete_topic_state s;
        s.name = topic;
        request.topics.push_back(std::move(s));
    } else {
        request.topic_names.push_back(topic);
    }
    request.timeout_ms = broker_timeout_ms(args);
    auto response = client.call<protocol::delete_topics_response>(request, version);
    for (const auto& r : response.responses) {
        if (r.name != topic) continue;
        check_error(r.error_code, r.error_message, "cannot delete topic '" + topic + "'");
        print_result(args, "Deleted topic '" + topic + "'.", {{"topic", topic}});
        return exit_ok;
    }
    throw cli_error("cannot delete topic '" + topic + "': no result from the broker");
}

int run_add_partitions(const parsed_args& args) {
    std::string topic = require(args, "--topic");
    auto total = static_cast<int32_t>(parse_int(require(args, "--partitions"), "--partitions", 1, INT32_MAX));
    kafka_client client(bootstrap_of(args), timeout_of(args));
    int16_t version = client.version_for<protocol::create_partitions_request>();
    protocol::create_partitions_request request;
    protocol::create_partitions_request::create_partitions_topic t;
    t.name = topic;
    t.count = total;
    t.assignments = std::nullopt;  // let the broker place them
    request.topics.push_back(std::move(t));
    request.timeout_ms = broker_timeout_ms(args);
    request.validate_only = args.has("--validate-only");
    auto response = client.call<protocol::create_partitions_response>(request, version);
    for (const auto& r : response.results) {
        if (r.name != topic) continue;
        check_error(r.error_code, r.error_message, "cannot add partitions to topic '" + topic + "'");
        print_result(args,
                     (request.validate_only ? "Topic '" + topic + "' could have " : "Topic '" + topic + "' now has ") +
                         std::to_string(total) + " partition(s).",
                     {{"topic", topic}, {"partitions", total}, {"validate_only", request.validate_only}});
        return exit_ok;
    }
    throw cli_error("cannot add partitions to topic '" + topic + "': no result from the broker");
}

option_spec topic_option(std::string_view help) { return {"-t", "--topic", "TOPIC", help}; }

}  // namespace

std::vector<command> topics_commands() {
    return {
        {"topics", "list", "list topic names",
         {"sluice topics list [-b HOST:PORT]",
          "Lists the names of all topics, one per line, sorted.",
          {bootstrap_option(), timeout_option(), {"", "--include-internal", "", "also list internal topics"}, json_option()}},
         run_list},
        {"topics", "describe", "partitions, leaders, replicas, topic id and config overrides of a topic",
         {"sluice topics describe -t TOPIC [-b HOST:PORT]",
          "Shows a topic's id, partition count, replication factor, the configs set on the topic\n"
          "(overrides of the broker defaults) and, per partition, its leader, replicas and ISR.",
          {topic_option("the topic"), bootstrap_option(), timeout_option(), json_option()}},
         run_describe},
        {"topics", "create", "create a topic",
         {"sluice topics create -t TOPIC [-p PARTITIONS] [-r RF] [-c key=value]... [-b HOST:PORT]",
          "Creates a topic. Partitions and replication factor default to the broker's\n"
          "settings (num.partitions, default.replication.factor).",
          {topic_option("the topic to create"),
           {"-p", "--partitions", "N", "number of partitions"},
           {"-r", "--replication-factor", "RF", "replication factor"},
           {"-c", "--config", "KEY=VALUE", "topic config, e.g. retention.ms=3600000", true},
           {"", "--validate-only", "", "ask the broker to check the request without creating the topic"},
           bootstrap_option(), timeout_option(), json_option()}},
         run_create},
        {"topics", "delete", "delete a topic",
         {"sluice topics delete -t TOPIC [-b HOST:PORT]",
          "Deletes a topic and all its data.",
          {topic_option("the topic to delete"), bootstrap_option(), timeout_option(), json_option()}},
         run_delete},
        {"topics", "add-partitions", "grow a topic to a total number of partitions",
         {"sluice topics add-partitions -t TOPIC -p TOTAL [-b HOST:PORT]",
          "Raises a topic's partition count to TOTAL (partitions can only be added).",
          {topic_option("the topic"),
           {"-p", "--partitions", "TOTAL", "the new total number of partitions"},
           {"", "--validate-only", "", "ask the broker to check the request without changing anything"},
           bootstrap_option(), timeout_option(), json_option()}},
         run_add_partitions},
    };
}

}  // namespace sluice::tools
