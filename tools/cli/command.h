#pragma once
// What main needs to know about a subcommand, and the options every
// broker-facing command shares (-b, --timeout-ms).
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "tools/cli/args.h"

namespace sluice::tools {

struct command {
    std::string_view group;  // "topics", "configs"; empty for a top-level command
    std::string_view name;   // "create"; for a top-level command its name
    std::string_view summary;
    command_spec spec;
    int (*run)(const parsed_args& args);
};

// Each command file lists its commands.
std::vector<command> topics_commands();
std::vector<command> configs_commands();
std::vector<command> offsets_commands();
std::vector<command> dump_log_commands();
std::vector<command> perf_commands();  // tools/cli/perf_command.cc
std::vector<command> users_commands();  // tools/cli/users_command.cc
std::vector<command> produce_commands();  // tools/cli/produce_command.cc
std::vector<command> consume_commands();  // tools/cli/consume_command.cc

// `sluice kafka-compat <script> ARGS...`, the Kafka-flag front end of
// tools/kafka/bin/*.sh (tools/cli/kafka_compat/tool.cc). Takes raw argv: it
// parses Kafka's flags itself.
namespace kafka_compat {
int run(const std::vector<std::string>& argv);
}

std::vector<command> groups_commands();  // tools/cli/groups_command.cc
std::vector<command> lag_commands();  // tools/cli/lag_command.cc
std::vector<command> events_commands();  // tools/cli/events_command.cc
std::vector<command> cluster_commands();  // tools/cli/cluster_command.cc
std::vector<command> completion_commands();  // tools/cli/completion_command.cc

// Every command of the CLI, in the order `sluice --help` lists them (main.cc).
std::vector<command> all_commands();

option_spec bootstrap_option();
option_spec timeout_option();
std::string bootstrap_of(const parsed_args& args);
std::chrono::milliseconds timeout_of(const parsed_args& args);

}  // namespace sluice::tools
