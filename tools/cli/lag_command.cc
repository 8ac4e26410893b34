// `sluice lag GROUP`: how far a consumer group is behind, per partition and
// in total. Lag is information, not failure: the exit code is 0 whatever it is.
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

int run_lag(const parsed_args& args) {
    const std::string& name = args.positionals().at(0);
    if (name.empty()) throw usage_error("the group name must not be empty");
    broker_pool pool(bootstrap_of(args), timeout_of(args));
    auto group = describe_group(pool, name);
    auto committed = fetch_committed(pool, name);
    // A group that never existed (or was deleted) has neither state nor offsets.
    if (group.state == "Dead" && committed.empty()) {
        throw kafka_error(group_id_not_found, describe_error(group_id_not_found) + ": " + no_such_group(name) + " (" +
                                                  group_error_hint(group_id_not_found) + ")");
    }
    auto rows = group_offset_rows(pool, group, committed);
    table t({"TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG"});
    int64_t total = 0;
    for (const auto& r : rows) {
        auto lag = r.lag();
        if (lag) total += *lag;
        t.add_row({r.topic, std::to_string(r.partition), r.committed ? std::to_string(*r.committed) : "-",
                   r.log_end ? std::to_string(*r.log_end) : "-", lag ? std::to_string(*lag) : "-"});
    }
    if (json_requested(args)) {
        print_json(std::cout,
                   boost::json::object{
                       {"group", name}, {"state", group.state}, {"partitions", json_rows(t)}, {"total_lag", total}});
        return exit_ok;
    }
    t.print(std::cout);
    std::cout << "\nTOTAL LAG: " << total << '\n';
    return exit_ok;
}

}  // namespace

std::vector<command> lag_commands() {
    return {
        {"",
         "lag",
         "a consumer group's lag per partition and in total",
         {"sluice lag GROUP [-b HOST:PORT]",
          "Shows, for every partition the group has committed offsets for or assigns,\n"
          "the committed offset, the log end offset and their difference, then the\n"
          "total. A partition without a committed offset shows '-' and adds nothing\n"
          "to the total. The exit code is 0 whatever the lag.",
          {bootstrap_option(), timeout_option(), json_option()},
          1,
          1,
          "arguments:\n  GROUP  the consumer group"},
         run_lag},
    };
}

}  // namespace sluice::tools
