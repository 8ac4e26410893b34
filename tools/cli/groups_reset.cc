// `sluice groups reset-offsets`: kafka-consumer-groups.sh --reset-offsets.
// Reads the group's state and committed offsets from its coordinator and the
// partitions' log start / end (and offsets for a time) from their leaders,
// computes the plan (reset_plan.h), prints it, and with --execute commits it
// as an admin commit (no generation, no member id).
#include <charconv>
#include <chrono>
#include <fstream>
#include <iostream>
#include <set>

#include "tools/cli/broker_error.h"
#include "tools/cli/broker_pool.h"
#include "tools/cli/cluster_metadata.h"
#include "tools/cli/command.h"
#include "tools/cli/group_queries.h"
#include "tools/cli/group_view.h"
#include "tools/cli/groups_command.h"
#include "tools/cli/json_output.h"
#include "tools/cli/offset_spec.h"
#include "tools/cli/reset_plan.h"

namespace sluice::tools {

namespace {

constexpr int16_t unknown_topic_or_partition = 3;

// Java's Long.parseLong, as Kafka reads these options: an optional sign, '+' included.
int64_t parse_long(const std::string& text, std::string_view option) {
    bool plus = text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+';
    return parse_int(plus ? std::string_view(text).substr(1) : std::string_view(text), option, INT64_MIN, INT64_MAX);
}

reset_target target_of(const parsed_args& args) {
    static constexpr std::string_view targets[] = {"--to-datetime", "--by-duration", "--to-earliest", "--to-latest",
                                                   "--shift-by",    "--to-current",  "--to-offset",  "--from-file"};
    int given = 0;
    for (auto t : targets)
        given += args.has(t) ? 1 : 0;
    if (given != 1) {
        throw usage_error(
            "option [reset-offsets] takes exactly one of these options: [to-datetime, by-duration, to-earliest, "
            "to-latest, shift-by, to-current, to-offset, from-file]");
    }
    using k = reset_target::kind;
    if (args.has("--to-earliest")) return {k::earliest, 0};
    if (args.has("--to-latest")) return {k::latest, 0};
    if (args.has("--to-current")) return {k::current, 0};
    if (auto v = args.get("--to-offset")) return {k::offset, parse_long(*v, "--to-offset")};
    if (args.has("--from-file")) return {k::offset, 0};  // each partition's offset comes from the file
    if (auto v = args.get("--shift-by")) return {k::shift_by, parse_long(*v, "--shift-by")};
    if (auto v = args.get("--to-datetime")) {
        auto ms = parse_kafka_datetime(*v);
        if (!ms) {
            throw usage_error("--to-datetime: '" + *v +
                              "' is not a date and time in the format YYYY-MM-DDTHH:mm:SS.sss, optionally followed "
                              "by a zone (Z, +HH, +HHmm, +HH:mm)");
        }
        return {k::timestamp, *ms};
    }
    auto text = require(args, "--by-duration");
    auto ms = parse_iso_duration_ms(text);
    if (!ms) throw usage_error("--by-duration: '" + text + "' is not an ISO-8601 duration such as PT1H30M or P1DT12H");
    auto now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    return {k::timestamp, now - *ms};
}

std::set<topic_partition> scoped_partitions(const parsed_args& args, broker_pool& pool,
                                            const std::map<topic_partition, int64_t>& committed) {
    std::set<topic_partition> out;
    if (args.has("--all-topics")) {
        for (const auto& [tp, offset] : committed)
            out.insert(tp);
        return out;
    }
    for (const auto& arg : args.all("--topic")) {
        auto scope = parse_topic_arg(arg);
        auto metadata = fetch_topic(pool.any(), scope.topic);
        std::set<int32_t> existing;
        for (const auto& p : metadata.partitions)
            existing.insert(p.partition_index);
        if (scope.partitions.empty()) scope.partitions.assign(existing.begin(), existing.end());
        for (int32_t p : scope.partitions) {
            if (!existing.count(p)) {
                throw kafka_error(unknown_topic_or_partition, "partition " + scope.topic + "-" + std::to_string(p) +
                                                                  ": " + describe_error(unknown_topic_or_partition));
            }
            out.insert({scope.topic, p});
        }
    }
    return out;
}

std::map<topic_partition, int64_t> offsets_at(broker_pool& pool, const std::set<topic_partition>& partitions,
                                              int64_t timestamp, bool allow_missing) {
    std::map<topic_partition, int64_t> out;
    for (const auto& [tp, answer] : list_offsets(pool, partitions, timestamp)) {
        check_error(answer.error_code, std::nullopt,
                    "cannot list offsets of " + tp.first + "-" + std::to_string(tp.second));
        if (answer.offset >= 0 || !allow_missing) out[tp] = answer.offset;
    }
    for (const auto& tp : partitions) {
        if (!out.count(tp) && !allow_missing) {
            throw cli_error("no offset from the leader of " + tp.first + "-" + std::to_string(tp.second));
        }
    }
    return out;
}

// --from-file: Kafka's reset-plan CSV, "topic,partition,offset" lines for
// one --group, "group,topic,partition,offset" for several (what --export
// writes). Group -> partition -> offset.
using file_plan = std::map<std::string, std::map<topic_partition, int64_t>>;

file_plan read_reset_plan(const std::string& path, const std::vector<std::string>& groups) {
    std::ifstream in(path);
    if (!in) throw cli_error("--from-file: cannot read " + path);
    file_plan out;
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        std::vector<std::string> cells;
        size_t start = 0;
        while (true) {
            size_t comma = line.find(',', start);
            cells.push_back(line.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        const std::string where = path + " line " + std::to_string(number);
        if (cells.size() == 3 && groups.size() == 1) cells.insert(cells.begin(), groups.front());
        if (cells.size() != 4 || cells[0].empty() || cells[1].empty()) {
            throw usage_error("--from-file: " + where + " is not " +
                              std::string(groups.size() == 1 ? "topic,partition,offset" : "group,topic,partition,offset"));
        }
        auto partition = static_cast<int32_t>(parse_int(cells[2], where + " partition", 0, INT32_MAX));
        out[cells[0]][{cells[1], partition}] = parse_int(cells[3], where + " offset", 0, INT64_MAX);
    }
    return out;
}

std::vector<planned_offset> plan_for_group(broker_pool& pool, const parsed_args& args, const reset_target& target,
                                           const std::string& group, const file_plan* from_file) {
    auto committed = fetch_committed(pool, group);
    std::set<topic_partition> partitions;
    if (from_file) {
        auto it = from_file->find(group);
        if (it == from_file->end()) throw cli_error("No reset plan for group " + group + " found");
        for (const auto& [tp, offset] : it->second) partitions.insert(tp);
    } else {
        partitions = scoped_partitions(args, pool, committed);
    }
    auto starts = offsets_at(pool, partitions, earliest_timestamp, false);
    auto ends = offsets_at(pool, partitions, latest_timestamp, false);
    std::map<topic_partition, int64_t> at_time;
    if (target.what == reset_target::kind::timestamp) at_time = offsets_at(pool, partitions, target.value, true);
    std::vector<partition_position> positions;
    for (const auto& tp : partitions) {
        partition_position p{tp.first, tp.second, std::nullopt, starts.at(tp), ends.at(tp), std::nullopt};
        if (auto c = committed.find(tp); c != committed.end()) p.committed = c->second;
        if (auto t = at_time.find(tp); t != at_time.end()) p.offset_for_timestamp = t->second;
        positions.push_back(p);
    }
    reset_plan plan;
    if (from_file) {
        // The file's offsets, clamped to each partition's range as --to-offset is.
        const auto& wanted = from_file->at(group);
        for (const auto& p : positions) {
            auto one = plan_reset({reset_target::kind::offset, wanted.at({p.topic, p.partition})}, {p});
            if (!one.error.empty()) {
                plan.error = one.error;
                break;
            }
            plan.offsets.insert(plan.offsets.end(), one.offsets.begin(), one.offsets.end());
        }
    } else {
        plan = plan_reset(target, positions);
    }
    if (!plan.error.empty()) throw cli_error("group '" + group + "': " + plan.error);
    for (const auto& o : plan.offsets) {
        if (!o.note.empty()) std::cerr << "WARN: " << o.note << '\n';
    }
    return plan.offsets;
}

}  // namespace

topic_scope parse_topic_arg(const std::string& arg) {
    auto colon = arg.find(':');
    topic_scope out{arg.substr(0, colon), {}};
    if (out.topic.empty()) throw usage_error("--topic: '" + arg + "' has no topic name");
    if (colon == std::string::npos) return out;
    std::string rest = arg.substr(colon + 1);
    size_t start = 0;
    while (true) {
        size_t comma = rest.find(',', start);
        std::string piece = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        out.partitions.push_back(static_cast<int32_t>(parse_int(piece, "--topic " + arg + " partition", 0, INT32_MAX)));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return out;
}

int run_groups_reset_offsets(const parsed_args& args) {
    reset_target target = target_of(args);
    bool execute = args.has("--execute");
    if (execute && args.has("--dry-run"))
        throw usage_error("option [reset-offsets] only accepts one of [execute, dry-run]");
    const bool from_file = args.has("--from-file");
    if (from_file && (args.has("--all-topics") || args.has("--topic"))) {
        throw usage_error("--from-file takes the partitions from the file: no --topic or --all-topics with it");
    }
    if (!from_file && args.has("--all-topics") == args.has("--topic")) {
        throw usage_error("option [reset-offsets] takes one of these options: [all-topics, topic]" +
                          std::string(args.has("--topic") ? " (not both)" : ""));
    }
    for (const auto& t : args.all("--topic"))
        parse_topic_arg(t);  // bad partition lists before any request
    check_group_selection(args, "reset-offsets");
    broker_pool pool(bootstrap_of(args), timeout_of(args));
    auto groups = selected_groups(args, pool, "reset-offsets");
    std::optional<file_plan> plan_file;
    if (from_file) plan_file = read_reset_plan(*args.get("--from-file"), groups);
    if (!execute && !args.has("--dry-run")) {
        std::cerr << "WARN: No action will be performed as the --execute option is missing. Add --dry-run to "
                     "keep this behavior explicitly, or --execute to commit the new offsets.\n";
    }

    table out({"GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"});
    std::optional<std::string> first_failure;
    for (const auto& group : groups) {
        auto description = describe_group(pool, group);
        if (description.state != "Empty" && description.state != "Dead") {
            std::string message = "Assignments can only be reset if the group '" + group +
                                  "' is inactive, but the current state is " + description.state + ".";
            std::cerr << "Error: " << message << '\n'
                      << "(stop the group's consumers, or wait until their session timed out, and run it again)\n";
            if (!first_failure) first_failure = message;
            continue;
        }
        auto planned = plan_for_group(pool, args, target, group, plan_file ? &*plan_file : nullptr);
        if (execute && !planned.empty()) {
            std::map<topic_partition, int64_t> offsets;
            for (const auto& o : planned)
                offsets[{o.topic, o.partition}] = o.new_offset;
            commit_offsets(pool, group, offsets);
        }
        for (const auto& o : planned) {
            out.add_row({group, o.topic, std::to_string(o.partition), std::to_string(o.new_offset)});
        }
    }
    if (json_requested(args)) {
        print_json(std::cout, boost::json::object{{"executed", execute}, {"offsets", json_rows(out)}});
    } else if (args.has("--export")) {
        // Kafka's CSV, which --from-file reads back: no group column for one group.
        for (const auto& row : out.rows()) {
            std::cout << (groups.size() == 1 ? "" : row[0] + ",") << row[1] << ',' << row[2] << ',' << row[3] << '\n';
        }
    } else if (!out.empty() || !first_failure) {
        std::cout << '\n';
        out.print(std::cout);
    }
    if (first_failure) throw cli_error(*first_failure);
    return exit_ok;
}

}  // namespace sluice::tools
