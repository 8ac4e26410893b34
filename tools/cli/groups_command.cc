// `sluice groups list|describe|delete` (and the command table entry of
// reset-offsets, in groups_reset.cc): kafka-consumer-groups.sh's --list,
// --describe and --delete with its option names and output columns.
#include "tools/cli/groups_command.h"

#include <algorithm>
#include <cctype>
#include <iostream>

#include "tools/cli/broker_error.h"
#include "tools/cli/broker_pool.h"
#include "tools/cli/command.h"
#include "tools/cli/group_queries.h"
#include "tools/cli/group_view.h"
#include "tools/cli/json_output.h"

namespace sluice::tools {

namespace {

constexpr int16_t group_id_not_found = 69;

// Kafka's consumer group states, as --list --state takes them.
// Classic groups' states, then the consumer protocol's (KIP-848).
constexpr std::string_view group_states[] = {"PreparingRebalance", "CompletingRebalance", "Stable", "Dead", "Empty",
                                             "Assigning",          "Reconciling"};

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

// "stable,Empty" -> {"Stable", "Empty"}; usage_error naming the valid states otherwise.
std::vector<std::string> parse_states(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t comma = text.find(',', start);
        std::string piece = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        auto known = std::find_if(std::begin(group_states), std::end(group_states),
                                  [&](std::string_view s) { return iequals(s, piece); });
        if (known == std::end(group_states)) {
            std::string valid;
            for (auto s : group_states)
                valid += (valid.empty() ? "" : ", ") + std::string(s);
            throw usage_error("--states: invalid state list '" + text + "'. Valid states are: " + valid);
        }
        out.emplace_back(*known);
        if (comma == std::string::npos) return out;
        start = comma + 1;
    }
}

int run_list(const parsed_args& args) {
    std::optional<std::vector<std::string>> wanted;
    if (auto s = args.get("--states")) wanted = parse_states(*s);
    broker_pool pool(bootstrap_of(args), timeout_of(args));
    auto groups = list_groups(pool);
    if (wanted) {
        std::erase_if(groups, [&](const listed_group& g) {
            return std::find(wanted->begin(), wanted->end(), g.state) == wanted->end();
        });
    }
    if (json_requested(args)) {
        boost::json::array out;
        for (const auto& g : groups)
            out.push_back({{"group", g.group}, {"state", g.state}});
        print_json(std::cout, boost::json::object{{"groups", std::move(out)}});
        return exit_ok;
    }
    if (args.has("--state") || wanted) {
        table t({"GROUP", "STATE"});
        for (const auto& g : groups)
            t.add_row({g.group, g.state});
        t.print(std::cout);
        return exit_ok;
    }
    for (const auto& g : groups)
        std::cout << g.group << '\n';
    return exit_ok;
}

int run_describe(const parsed_args& args) {
    int layouts = int(args.has("--members")) + int(args.has("--offsets")) + int(args.has("--state"));
    if (layouts > 1)
        throw usage_error("option [describe] takes at most one of these options: [members, offsets, state]");
    std::string layout = args.has("--members") ? "members" : args.has("--state") ? "state" : "offsets";
    check_group_selection(args, "describe");
    broker_pool pool(bootstrap_of(args), timeout_of(args));
    auto groups = selected_groups(args, pool, "describe");
    bool json = json_requested(args);
    boost::json::array json_groups;
    std::optional<std::string> missing;
    for (const auto& name : groups) {
        auto group = describe_group(pool, name);
        if (group.state == "Dead") {
            if (!missing) missing = name;
            // The last line names the first missing group; with several, say each.
            if (!json && groups.size() > 1) std::cerr << "Error: " << no_such_group(name) << '\n';
            continue;
        }
        table t = layout == "members" ? members_table(group, args.has("--verbose"))
                  : layout == "state"
                      ? state_table(group, pool)
                      : offsets_table(group, group_offset_rows(pool, group, fetch_committed(pool, name)));
        if (json) {
            json_groups.push_back(boost::json::object{{"group", group.group},
                                                      {"state", group.state},
                                                      {"coordinator", group.coordinator},
                                                      {layout, json_rows(t)}});
            continue;
        }
        if (layout != "state") {
            if (group.state == "Empty") {
                std::cerr << "\nConsumer group '" << name << "' has no active members.\n";
            } else if (group.state == "PreparingRebalance" || group.state == "CompletingRebalance" ||
                       group.state == "Assigning" || group.state == "Reconciling") {
                std::cerr << "\nWarning: Consumer group '" << name << "' is rebalancing.\n";
            }
        }
        std::cout << '\n';
        t.print(std::cout);
    }
    if (json) print_json(std::cout, boost::json::object{{"groups", std::move(json_groups)}});
    if (missing) {
        throw kafka_error(group_id_not_found, describe_error(group_id_not_found) + ": " + no_such_group(*missing) +
                                                  " (" + group_error_hint(group_id_not_found) + ")");
    }
    return exit_ok;
}

int run_delete(const parsed_args& args) {
    check_group_selection(args, "delete");
    broker_pool pool(bootstrap_of(args), timeout_of(args));
    auto groups = selected_groups(args, pool, "delete");
    auto results = delete_groups(pool, groups);
    std::vector<std::string> deleted;
    std::vector<std::pair<std::string, int16_t>> failed;
    for (const auto& g : groups) {
        auto it = results.find(g);
        int16_t code = it == results.end() ? int16_t{-1} : it->second;
        if (code == 0) {
            deleted.push_back(g);
        } else {
            failed.emplace_back(g, code);
        }
    }
    if (json_requested(args)) {
        boost::json::array ok(deleted.begin(), deleted.end());
        boost::json::array bad;
        for (const auto& [g, code] : failed) {
            bad.push_back({{"group", g}, {"error", error_name_of(code)}, {"code", code}});
        }
        print_json(std::cout, boost::json::object{{"deleted", std::move(ok)}, {"failed", std::move(bad)}});
    } else {
        if (!deleted.empty()) {
            std::string names;
            for (const auto& g : deleted)
                names += (names.empty() ? "'" : ", '") + g + "'";
            std::cout << "Deletion of requested consumer groups (" << names << ") was successful.\n";
        }
        if (!failed.empty()) {
            std::cout << "Deletion of some consumer groups failed:\n";
            for (const auto& [g, code] : failed) {
                std::cout << "* Group '" << g << "' could not be deleted due to: " << describe_error(code) << '\n';
                if (auto hint = group_error_hint(code); !hint.empty()) std::cout << "  (" << hint << ")\n";
            }
        }
    }
    if (!failed.empty()) {
        auto [g, code] = failed.front();
        throw kafka_error(code, "cannot delete group '" + g + "': " + describe_error(code));
    }
    return exit_ok;
}

}  // namespace

option_spec group_option() { return {"-g", "--group", "GROUP", "the consumer group", true}; }
option_spec all_groups_option() { return {"", "--all-groups", "", "every consumer group of the cluster"}; }

std::vector<command> groups_commands() {
    return {
        {"groups",
         "list",
         "list the consumer groups of every broker",
         {"sluice groups list [--state] [--states STATE,...] [-b HOST:PORT]",
          "Lists the consumer groups of the cluster (ListGroups to every broker), one\n"
          "per line, or with --state as GROUP STATE columns. --states keeps only the\n"
          "groups in the given states (case-insensitive; Kafka's --list --state STATES).",
          {{"", "--state", "", "show each group's state"},
           {"", "--states", "STATE,...", "only groups in these states (implies --state)"},
           bootstrap_option(),
           timeout_option(),
           json_option()}},
         run_list},
        {"groups",
         "describe",
         "committed offsets, lag, members or state of groups",
         {"sluice groups describe (--group G ... | --all-groups) [--offsets | --members [--verbose] | --state]",
          "Describes consumer groups as kafka-consumer-groups.sh --describe: by default\n"
          "each partition's committed offset, log end offset, lag and consumer\n"
          "(--offsets); --members lists the members (--verbose adds their partitions);\n"
          "--state shows the coordinator, assignor, state and member count. A group\n"
          "that does not exist is an error (GROUP_ID_NOT_FOUND).",
          {group_option(),
           all_groups_option(),
           {"", "--offsets", "", "partitions, offsets and lag (the default)"},
           {"", "--members", "", "the group's members"},
           {"", "--state", "", "the group's state and coordinator"},
           {"", "--verbose", "", "with --members: each member's assignment (accepted and unused otherwise, as Kafka)"},
           bootstrap_option(),
           timeout_option(),
           json_option()}},
         run_describe},
        {"groups",
         "reset-offsets",
         "move a group's committed offsets (dry run unless --execute)",
         {"sluice groups reset-offsets (--group G ... | --all-groups) (--topic T[:P,...] ... | --all-topics)\n"
          "       TARGET [--dry-run | --execute]",
          "Computes new committed offsets as kafka-consumer-groups.sh --reset-offsets\n"
          "and prints them (GROUP TOPIC PARTITION NEW-OFFSET); with --execute commits\n"
          "them. The group must be inactive (Empty, or not existing yet). TARGET is one\n"
          "of --to-earliest, --to-latest, --to-current, --to-offset N, --shift-by N,\n"
          "--from-file CSV (what --export prints),\n"
          "--to-datetime YYYY-MM-DDTHH:mm:SS.sss[zone] (no zone: UTC) or\n"
          "--by-duration PnDTnHnMnS (that long before now). --to-offset and\n"
          "--shift-by are clamped to [log start, log end]; a time after the last\n"
          "record resets to the log end.",
          {group_option(),
           all_groups_option(),
           {"", "--topic", "TOPIC[:P,...]", "a topic, or some of its partitions", true},
           {"", "--all-topics", "", "every topic the group has committed offsets for"},
           {"", "--to-earliest", "", "the log start offset"},
           {"", "--to-latest", "", "the log end offset"},
           {"", "--to-current", "", "the committed offset (log end when none)"},
           {"", "--to-offset", "N", "offset N"},
           {"", "--shift-by", "N", "the committed offset plus N (may be negative)"},
           {"", "--to-datetime", "DATETIME", "the first offset at or after YYYY-MM-DDTHH:mm:SS.sss[Z|+HH:mm]"},
           {"", "--by-duration", "DURATION", "the first offset at or after now minus PnDTnHnMnS"},
           {"", "--from-file", "FILE", "each partition's offset from a CSV (topic,partition,offset; with several groups group,topic,partition,offset)"},
           {"", "--export", "", "print the new offsets as that CSV instead of the table"},
           {"", "--dry-run", "", "only print the new offsets (the default)"},
           {"", "--execute", "", "commit the new offsets"},
           bootstrap_option(),
           timeout_option(),
           json_option()}},
         run_groups_reset_offsets},
        {"groups",
         "delete-offsets",
         "delete some of a group's committed offsets",
         {"sluice groups delete-offsets --group G --topic T[:P,...] ...",
          "Deletes a group's committed offsets for the topics (all their partitions)\n"
          "or partitions given, as kafka-consumer-groups.sh --delete-offsets\n"
          "(OffsetDelete to the group's coordinator). The group must be empty, or\n"
          "not subscribed to the topic (GROUP_SUBSCRIBED_TO_TOPIC otherwise). Prints\n"
          "Kafka's TOPIC PARTITION STATUS table.",
          {group_option(),
           {"", "--topic", "TOPIC[:P,...]", "a topic, or some of its partitions", true},
           bootstrap_option(),
           timeout_option(),
           json_option()}},
         run_groups_delete_offsets},
        {"groups",
         "delete",
         "delete inactive consumer groups",
         {"sluice groups delete (--group G ... | --all-groups) [-b HOST:PORT]",
          "Deletes consumer groups and their committed offsets (DeleteGroups to each\n"
          "group's coordinator). A group with members fails with NON_EMPTY_GROUP, an\n"
          "unknown one with GROUP_ID_NOT_FOUND.",
          {group_option(), all_groups_option(), bootstrap_option(), timeout_option(), json_option()}},
         run_delete},
    };
}

}  // namespace sluice::tools
