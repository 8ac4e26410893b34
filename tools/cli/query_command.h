#pragma once
// `sluice query` (tools/cli/query_command.cc).
#include <vector>

#include "tools/cli/command.h"

namespace sluice::tools {

std::vector<command> query_commands();

}  // namespace sluice::tools
