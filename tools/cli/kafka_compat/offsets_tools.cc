// kafka-get-offsets.sh (ListOffsets) and kafka-delete-records.sh (DeleteRecords).
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>

#include "protocol/generated/delete_records.h"
#include "tools/cli/broker_error.h"
#include "tools/cli/cluster_metadata.h"
#include "tools/cli/kafka_compat/tool.h"
#include "tools/cli/leader_connections.h"
#include "tools/cli/record_client.h"

namespace sluice::tools::kafka_compat {

namespace {

// "0,2,5-7" into a predicate on partition numbers.
std::vector<std::pair<int32_t, int32_t>> partition_ranges(const std::string& text) {
    std::vector<std::pair<int32_t, int32_t>> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) {
        size_t dash = item.find('-');
        if (dash == std::string::npos) {
            auto p = static_cast<int32_t>(int_value(item, "partitions", 0, INT32_MAX));
            out.push_back({p, p});
        } else {
            out.push_back({static_cast<int32_t>(int_value(item.substr(0, dash), "partitions", 0, INT32_MAX)),
                           dash + 1 == item.size()
                               ? INT32_MAX
                               : static_cast<int32_t>(int_value(item.substr(dash + 1), "partitions", 0, INT32_MAX))});
        }
    }
    return out;
}

int64_t time_of(const std::string& t) {
    if (t == "latest") return -1;
    if (t == "earliest") return -2;
    if (t == "max-timestamp") return -3;
    return int_value(t, "time", -5, INT64_MAX);
}

int run_get_offsets(const flag_values& args) {
    std::string server = bootstrap_server(args);
    command_config(args);
    if (args.has("topic-partitions") && (args.has("topic") || args.has("partitions"))) {
        throw flag_error("Option topic-partitions cannot be used with --topic or --partitions");
    }
    int64_t timestamp = time_of(args.get("time").value_or("-1"));
    std::string topic_pattern = ".*";
    std::vector<std::pair<int32_t, int32_t>> ranges;
    if (auto tp = args.get("topic-partitions")) {
        // "topic:0-2" (one entry; the topic part is a regular expression).
        size_t colon = tp->rfind(':');
        topic_pattern = tp->substr(0, colon);
        if (colon != std::string::npos) ranges = partition_ranges(tp->substr(colon + 1));
    } else {
        if (auto t = args.get("topic")) topic_pattern = *t;
        if (auto p = args.get("partitions")) ranges = partition_ranges(*p);
    }
    std::regex pattern;
    try {
        pattern = std::regex(topic_pattern);
    } catch (const std::regex_error&) {
        throw flag_error("Invalid topic pattern '" + topic_pattern + "'");
    }
    kafka_client client(server, std::chrono::milliseconds(30000));
    auto metadata = fetch_metadata(client, std::nullopt);
    std::vector<std::pair<std::string, int32_t>> wanted;
    for (const auto& t : metadata.topics) {
        if (!t.name || !std::regex_match(*t.name, pattern)) continue;
        if (t.is_internal && args.has("exclude-internal-topics")) continue;
        for (const auto& p : t.partitions) {
            bool in_range = ranges.empty() || std::any_of(ranges.begin(), ranges.end(), [&](auto r) {
                                return p.partition_index >= r.first && p.partition_index <= r.second;
                            });
            if (in_range) wanted.push_back({*t.name, p.partition_index});
        }
    }
    std::sort(wanted.begin(), wanted.end());
    if (wanted.empty() && args.has("topic")) {
        throw cli_error("Could not match any topic-partitions with the specified filters (" + describe_error(3) + ")");
    }
    std::map<std::string, std::unique_ptr<leader_connections>> leaders;
    for (const auto& [topic, partition] : wanted) {
        auto& l = leaders[topic];
        if (!l) l = std::make_unique<leader_connections>(server, std::chrono::milliseconds(30000), topic, false);
        auto [code, offset] = list_offset(l->leader(partition), topic, partition, timestamp, false);
        check_error(code, std::nullopt, "cannot list offsets of " + topic + "-" + std::to_string(partition));
        // Kafka prints no offset for a partition without an answer (a timestamp after the last record).
        std::cout << topic << ':' << partition << ':' << (offset < 0 ? "" : std::to_string(offset)) << '\n';
    }
    return 0;
}

struct deletion {
    std::string topic;
    int32_t partition;
    int64_t offset;
};

std::vector<deletion> read_offset_json(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw flag_error("Cannot read --offset-json-file '" + path + "'");
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto doc = boost::json::parse(text.str(), ec);
    auto bad = [&](const std::string& why) { return flag_error("Invalid --offset-json-file '" + path + "': " + why); };
    if (ec || !doc.is_object()) throw bad("not a JSON object");
    auto* partitions = doc.as_object().if_contains("partitions");
    if (partitions == nullptr || !partitions->is_array()) throw bad("no \"partitions\" array");
    std::vector<deletion> out;
    for (const auto& p : partitions->as_array()) {
        const auto* o = p.if_object();
        if (o == nullptr) throw bad("a partition entry is not an object");
        const auto* topic = o->if_contains("topic");
        const auto* partition = o->if_contains("partition");
        const auto* offset = o->if_contains("offset");
        if (!topic || !topic->is_string() || !partition || !partition->is_int64() || !offset || !offset->is_int64()) {
            throw bad("each entry needs \"topic\" (string), \"partition\" and \"offset\" (integers)");
        }
        out.push_back(
            {std::string(topic->as_string()), static_cast<int32_t>(partition->as_int64()), offset->as_int64()});
    }
    for (size_t i = 0; i < out.size(); ++i) {
        for (size_t j = i + 1; j < out.size(); ++j) {
            if (out[i].topic == out[j].topic && out[i].partition == out[j].partition) {
                throw bad("offset json file contains duplicate topic partitions: " + out[i].topic + "-" +
                          std::to_string(out[i].partition));
            }
        }
    }
    if (out.empty()) throw bad("no partitions");
    return out;
}

int run_delete_records(const flag_values& args) {
    std::string server = bootstrap_server(args);
    command_config(args);
    auto deletions = read_offset_json(args.require("offset-json-file"));
    std::cout << "Executing records delete operation\n";
    // Each partition's request goes to its leader, one partition at a time.
    std::map<std::string, std::unique_ptr<leader_connections>> leaders;
    std::vector<std::string> lines;
    bool failed = false;
    for (const auto& d : deletions) {
        auto& l = leaders[d.topic];
        if (!l) l = std::make_unique<leader_connections>(server, std::chrono::milliseconds(30000), d.topic, false);
        protocol::delete_records_request request;
        request.topics.emplace_back();
        request.topics.back().name = d.topic;
        protocol::delete_records_request::delete_records_partition p;
        p.partition_index = d.partition;
        p.offset = d.offset;
        request.topics.back().partitions.push_back(p);
        request.timeout_ms = 29000;
        kafka_client& client = l->leader(d.partition);
        auto response = client.call<protocol::delete_records_response>(
            request, client.version_for<protocol::delete_records_request>());
        for (const auto& t : response.topics) {
            for (const auto& rp : t.partitions) {
                std::string line = "partition: " + t.name + "-" + std::to_string(rp.partition_index) + "\t";
                if (rp.error_code == 0) {
                    line += "low_watermark: " + std::to_string(rp.low_watermark);
                } else {
                    failed = true;
                    line += "error: " + describe_error(rp.error_code);
                }
                lines.push_back(std::move(line));
            }
        }
    }
    std::cout << "Records delete operation completed:\n";
    for (const auto& line : lines)
        std::cout << line << '\n';
    return failed ? 1 : 0;
}

}  // namespace

tool get_offsets_tool() {
    return {
        "kafka-get-offsets",
        "An interactive shell for getting topic-partition offsets.",
        {{"bootstrap-server", value_kind::required, "REQUIRED. The server(s) to connect to."},
         {"command-config", value_kind::required, "Property file of client configs (PLAINTEXT only)."},
         {"exclude-internal-topics", value_kind::none, "Exclude internal topics when no topic is given."},
         {"help", value_kind::none, "Print usage information."},
         {"partitions", value_kind::required, "Comma separated list of partition ids or ranges (0,2-4); default all."},
         {"time", value_kind::required,
          "-1 or latest (default), -2 or earliest, -3 or max-timestamp, or a timestamp in ms."},
         {"topic", value_kind::required, "The topic to get the offsets for (a regular expression); default all."},
         {"topic-partitions", value_kind::required, "topic:partitions, e.g. foo:0-2 (excludes --topic/--partitions)."},
         {"version", value_kind::none, "Display Kafka version."}},
        run_get_offsets};
}

tool delete_records_tool() {
    return {"kafka-delete-records",
            "This tool helps to delete records of the given partitions down to the specified offset.",
            {{"bootstrap-server", value_kind::required, "REQUIRED: The server to connect to."},
             {"command-config", value_kind::required, "Property file of admin client configs (PLAINTEXT only)."},
             {"help", value_kind::none, "Print usage information."},
             {"offset-json-file", value_kind::required,
              "REQUIRED: {\"partitions\": [{\"topic\": \"foo\", \"partition\": 1, \"offset\": 1}], \"version\":1}"},
             {"version", value_kind::none, "Display Kafka version."}},
            run_delete_records};
}

}  // namespace sluice::tools::kafka_compat
