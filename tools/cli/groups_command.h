#pragma once
// The `sluice groups` subcommands that live in their own files.
#include <cstdint>
#include <string>
#include <vector>

#include "tools/cli/args.h"

namespace sluice::tools {

int run_groups_reset_offsets(const parsed_args& args);   // groups_reset.cc
int run_groups_delete_offsets(const parsed_args& args);  // groups_delete_offsets.cc

// "--topic T" (every partition) or "--topic T:0,2", as kafka-consumer-groups.sh takes it.
struct topic_scope {
    std::string topic;
    std::vector<int32_t> partitions;  // empty: all
};
topic_scope parse_topic_arg(const std::string& arg);  // usage_error on a bad partition list

// Options shared by the groups subcommands, as kafka-consumer-groups.sh names them.
option_spec group_option();
option_spec all_groups_option();

}  // namespace sluice::tools
