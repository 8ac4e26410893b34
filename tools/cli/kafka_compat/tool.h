#pragma once
// `sluice kafka-compat <script> ARGS...`: the Kafka-flag front ends behind
// tools/kafka/bin/kafka-*.sh. Each script file lists one tool.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tools/cli/cli_error.h"
#include "tools/cli/kafka_client.h"
#include "tools/cli/kafka_compat/kafka_flags.h"

namespace sluice::tools::kafka_compat {

struct tool {
    std::string_view name;         // "kafka-topics"
    std::string_view description;  // first lines of the usage text
    std::vector<flag> flags;
    int (*run)(const flag_values& args);
};

tool topics_tool();            // topics_tool.cc
tool configs_tool();           // configs_tool.cc
tool acls_tool();              // acls_tool.cc
tool console_producer_tool();  // console_tools.cc
tool console_consumer_tool();  // console_tools.cc
tool get_offsets_tool();       // offsets_tools.cc
tool delete_records_tool();    // offsets_tools.cc
tool dump_log_tool();          // dump_log_tool.cc

// Runs `argv[0]` (a tool name) with the rest; returns the exit code. Every
// failure, a bad command line included, exits 1 as Kafka's scripts do.
int run(const std::vector<std::string>& argv);

// --bootstrap-server (required, as in Kafka 3.x); the first address of a
// comma-separated list.
std::string bootstrap_server(const flag_values& args, std::string_view option = "bootstrap-server");

// A Java properties file (--command-config, --producer.config, ...).
std::map<std::string, std::string> read_properties(const std::string& path);

// Client properties the scripts cannot honor (the CLI speaks PLAINTEXT
// only): security.protocol other than PLAINTEXT and any sasl./ssl. setting
// are refused with flag_error naming the property and where it came from.
void check_security(const std::map<std::string, std::string>& props, std::string_view origin);

// --command-config FILE, checked; empty map when not given.
std::map<std::string, std::string> command_config(const flag_values& args);

// "k=v" items of a repeatable option into a map (flag_error on a missing '=').
std::map<std::string, std::string> key_values(const std::vector<std::string>& items, std::string_view option);

}  // namespace sluice::tools::kafka_compat
