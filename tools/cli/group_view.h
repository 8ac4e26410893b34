#pragma once
// The tables `sluice groups describe` and `sluice lag` print, in the column
// layouts of kafka-consumer-groups.sh --describe (--offsets, --members,
// --state), and the shared group selection of the groups commands.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tools/cli/args.h"
#include "tools/cli/group_queries.h"
#include "tools/cli/table.h"

namespace sluice::tools {

struct group_offset_row {
    std::string topic;
    int32_t partition = 0;
    std::optional<int64_t> committed;
    std::optional<int64_t> log_end;
    const group_member* member = nullptr;  // the member it is assigned to, if any
    std::optional<int64_t> lag() const;
};

// Every partition the group has a committed offset for or assigns to a
// member, sorted by topic and partition, with its log end offset.
std::vector<group_offset_row> group_offset_rows(broker_pool& pool, const group_description& group,
                                                const std::map<topic_partition, int64_t>& committed);

// GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
table offsets_table(const group_description& group, const std::vector<group_offset_row>& rows);
// GROUP CONSUMER-ID HOST CLIENT-ID #PARTITIONS [ASSIGNMENT]
table members_table(const group_description& group, bool verbose);
// GROUP COORDINATOR (ID) ASSIGNMENT-STRATEGY STATE #MEMBERS
table state_table(const group_description& group, const broker_pool& pool);

// The groups named with --group (repeatable) or, with --all-groups, every
// consumer group; usage_error when neither or both are given.
std::vector<std::string> selected_groups(const parsed_args& args, broker_pool& pool, std::string_view action);
// The same checks without a broker, so a bad command line fails before connecting.
void check_group_selection(const parsed_args& args, std::string_view action);

// Kafka's text for a state that has no group behind it.
std::string no_such_group(const std::string& group);

// What to do about a group error, for the message after Kafka's text; empty
// when there is nothing useful to say.
std::string group_error_hint(int16_t code);

}  // namespace sluice::tools
