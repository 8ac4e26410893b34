#include "tools/cli/group_view.h"

#include <set>

#include "tools/cli/cli_error.h"

namespace sluice::tools {

namespace {

std::string or_dash(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : "-"; }
std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

// "t1(0,1),t2(3)", as Kafka's --members --verbose.
std::string assignment_text(const std::vector<topic_partition>& assignment) {
    if (assignment.empty()) return "-";
    std::string out;
    std::string current;
    for (const auto& [topic, partition] : assignment) {
        if (topic != current || out.empty()) {
            if (!out.empty()) out += "),";
            out += topic + "(";
            current = topic;
        } else {
            out += ",";
        }
        out += std::to_string(partition);
    }
    return out + ")";
}

}  // namespace

std::optional<int64_t> group_offset_row::lag() const {
    if (!committed || !log_end) return std::nullopt;
    return *log_end > *committed ? *log_end - *committed : 0;
}

std::vector<group_offset_row> group_offset_rows(broker_pool& pool, const group_description& group,
                                                const std::map<topic_partition, int64_t>& committed) {
    std::map<topic_partition, const group_member*> owner;
    for (const auto& m : group.members) {
        for (const auto& tp : m.assignment)
            owner[tp] = &m;
    }
    std::set<topic_partition> partitions;
    for (const auto& [tp, offset] : committed)
        partitions.insert(tp);
    for (const auto& [tp, m] : owner)
        partitions.insert(tp);
    auto ends = list_offsets(pool, partitions, latest_timestamp);
    std::vector<group_offset_row> rows;
    for (const auto& tp : partitions) {
        group_offset_row row{tp.first, tp.second, std::nullopt, std::nullopt, nullptr};
        if (auto c = committed.find(tp); c != committed.end()) row.committed = c->second;
        if (auto e = ends.find(tp); e != ends.end() && e->second.error_code == 0 && e->second.offset >= 0) {
            row.log_end = e->second.offset;
        }
        if (auto o = owner.find(tp); o != owner.end()) row.member = o->second;
        rows.push_back(row);
    }
    return rows;
}

table offsets_table(const group_description& group, const std::vector<group_offset_row>& rows) {
    table t(
        {"GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"});
    for (const auto& r : rows) {
        t.add_row({group.group, r.topic, std::to_string(r.partition), or_dash(r.committed), or_dash(r.log_end),
                   or_dash(r.lag()), r.member ? or_dash(r.member->member_id) : "-",
                   r.member ? or_dash(r.member->host) : "-", r.member ? or_dash(r.member->client_id) : "-"});
    }
    return t;
}

table members_table(const group_description& group, bool verbose) {
    std::vector<std::string> headers = {"GROUP", "CONSUMER-ID", "HOST", "CLIENT-ID", "#PARTITIONS"};
    if (verbose) headers.push_back("ASSIGNMENT");
    table t(headers);
    for (const auto& m : group.members) {
        std::vector<std::string> row = {group.group, or_dash(m.member_id), or_dash(m.host), or_dash(m.client_id),
                                        std::to_string(m.assignment.size())};
        if (verbose) row.push_back(assignment_text(m.assignment));
        t.add_row(std::move(row));
    }
    return t;
}

table state_table(const group_description& group, const broker_pool& pool) {
    table t({"GROUP", "COORDINATOR (ID)", "ASSIGNMENT-STRATEGY", "STATE", "#MEMBERS"});
    std::string coordinator = "-";
    if (auto b = pool.brokers().find(group.coordinator); b != pool.brokers().end()) {
        coordinator = b->second.text() + " (" + std::to_string(group.coordinator) + ")";
    }
    t.add_row({group.group, coordinator, or_dash(group.assignor), group.state, std::to_string(group.members.size())});
    return t;
}

void check_group_selection(const parsed_args& args, std::string_view action) {
    bool all = args.has("--all-groups");
    auto named = args.all("--group");
    if (all == !named.empty()) {
        throw usage_error("option [" + std::string(action) + "] takes one of these options: [all-groups, group]" +
                          (all ? " (not both)" : ""));
    }
    for (const auto& g : named) {
        if (g.empty()) throw usage_error("--group must not be empty");
    }
}

std::vector<std::string> selected_groups(const parsed_args& args, broker_pool& pool, std::string_view action) {
    check_group_selection(args, action);
    if (!args.has("--all-groups")) return args.all("--group");
    std::vector<std::string> out;
    for (const auto& g : list_groups(pool))
        out.push_back(g.group);
    return out;
}

std::string no_such_group(const std::string& group) { return "Consumer group '" + group + "' does not exist."; }

std::string group_error_hint(int16_t code) {
    switch (code) {
        case 68:  // NON_EMPTY_GROUP
            return "stop the group's consumers first (a member counts until its session times out)";
        case 69:  // GROUP_ID_NOT_FOUND
            return "'sluice groups list' shows the groups that exist";
        case 30:  // GROUP_AUTHORIZATION_FAILED
            return "the principal needs DELETE/DESCRIBE/READ on the group (ACLs)";
        default:
            return "";
    }
}

}  // namespace sluice::tools
