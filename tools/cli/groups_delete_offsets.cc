// `sluice groups delete-offsets`: kafka-consumer-groups.sh --delete-offsets.
// Removes some of an inactive group's (or a group not subscribed to the
// topic) committed offsets with OffsetDelete, and prints Kafka's summary
// and TOPIC / PARTITION / STATUS table.
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "tools/cli/broker_error.h"
#include "tools/cli/broker_pool.h"
#include "tools/cli/cluster_metadata.h"
#include "tools/cli/command.h"
#include "tools/cli/group_queries.h"
#include "tools/cli/groups_command.h"
#include "tools/cli/json_output.h"

namespace sluice::tools {

namespace {

// Kafka's tool names a topic it could not describe with partition -1
// ("Not Provided"); the request carries the rest.
constexpr int32_t not_provided = -1;

std::string line(const std::string& topic, const std::string& partition, const std::string& status) {
    char buf[512];
    std::snprintf(buf, sizeof(buf), "%-30s %-15s %-15s", topic.c_str(), partition.c_str(), status.c_str());
    return buf;
}

// What Kafka's ConsumerGroupCommand prints for the group-level answer.
std::string group_level_message(int16_t code, const std::string& group, const std::string& topics) {
    switch (code) {
        case 0: return "Request succeed for deleting offsets with topic " + topics + " group " + group;
        case 24: return "\nError: '" + group + "' is not valid.";                       // INVALID_GROUP_ID
        case 69: return "\nError: '" + group + "' does not exist.";                     // GROUP_ID_NOT_FOUND
        case 30: return "\nError: Access to '" + group + "' is not authorized.";        // GROUP_AUTHORIZATION_FAILED
        case 68:                                                                          // NON_EMPTY_GROUP
            return "\nError: Deleting offsets of a consumer group '" + group + "' is forbidden if the group is not empty.";
        case 86: case 29: case 3:  // GROUP_SUBSCRIBED_TO_TOPIC, TOPIC_AUTHORIZATION_FAILED, UNKNOWN_TOPIC_OR_PARTITION
            return "\nError: Encounter some partition level error, see the follow-up details:";
        default: return "\nError: Encounter some unknown error: " + error_name_of(code);
    }
}

}  // namespace

int run_groups_delete_offsets(const parsed_args& args) {
    auto groups = args.all("--group");
    if (groups.size() != 1) throw usage_error("--delete-offsets takes exactly one --group");
    if (args.all("--topic").empty()) throw usage_error("--delete-offsets needs --topic T[:P,...] (at least one)");
    std::vector<topic_scope> scopes;
    for (const auto& t : args.all("--topic")) scopes.push_back(parse_topic_arg(t));
    broker_pool pool(bootstrap_of(args), timeout_of(args));
    const std::string& group = groups.front();

    std::set<topic_partition> wanted;
    std::map<topic_partition, int16_t> results;
    std::string topic_list;
    for (const auto& s : scopes) {
        topic_list += (topic_list.empty() ? "" : ", ") + s.topic;
        if (!s.partitions.empty()) {
            for (int32_t p : s.partitions) wanted.insert({s.topic, p});
            continue;
        }
        auto md = fetch_metadata(pool.any(), std::vector<std::string>{s.topic});
        const auto& t = md.topics.at(0);
        if (t.error_code != 0) {
            results[{s.topic, not_provided}] = t.error_code;
            continue;
        }
        for (const auto& p : t.partitions) wanted.insert({s.topic, p.partition_index});
    }
    offset_deletion answer;
    if (!wanted.empty()) answer = delete_offsets(pool, group, wanted);
    for (const auto& tp : wanted) {
        auto it = answer.partitions.find(tp);
        // A group-level error fails every partition with it, as the AdminClient does.
        results[tp] = answer.error_code != 0 ? answer.error_code : it == answer.partitions.end() ? 0 : it->second;
    }
    if (json_requested(args)) {
        boost::json::array rows;
        for (const auto& [tp, code] : results) {
            rows.push_back({{"topic", tp.first},
                            {"partition", tp.second},
                            {"error", code == 0 ? "" : error_name_of(code)}});
        }
        print_json(std::cout, boost::json::object{{"group", group},
                                                  {"error", answer.error_code == 0 ? "" : error_name_of(answer.error_code)},
                                                  {"partitions", std::move(rows)}});
        return exit_ok;
    }
    int16_t shown = answer.error_code;
    if (shown == 0) {
        for (const auto& [tp, code] : results) {
            if (code != 0) {
                shown = code;
                break;
            }
        }
    }
    std::cout << group_level_message(shown, group, topic_list) << "\n\n";
    std::cout << line("TOPIC", "PARTITION", "STATUS") << '\n';
    for (const auto& [tp, code] : results) {
        std::cout << line(tp.first, tp.second >= 0 ? std::to_string(tp.second) : "Not Provided",
                          code == 0 ? "Successful" : "Error: " + describe_error(code))
                  << '\n';
    }
    return exit_ok;
}

}  // namespace sluice::tools
