#pragma once
// The `sluice groups` subcommands that live in their own files.
#include "tools/cli/args.h"

namespace sluice::tools {

int run_groups_reset_offsets(const parsed_args& args);  // groups_reset.cc

// Options shared by the groups subcommands, as kafka-consumer-groups.sh names them.
option_spec group_option();
option_spec all_groups_option();

}  // namespace sluice::tools
