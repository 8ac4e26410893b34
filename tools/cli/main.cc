// `sluice`: the admin CLI. Finds the subcommand, parses its options, runs it,
// and turns failures into messages and exit codes (0 ok, 1 error, 2 usage).
#include <iostream>
#include <string>
#include <vector>

#include "tools/cli/broker_error.h"
#include "tools/cli/cli_error.h"
#include "tools/cli/command.h"
#include "tools/cli/json_output.h"
#include "tools/cli/query_command.h"

namespace sluice::tools {

std::vector<command> all_commands() {
    std::vector<command> all;
    for (auto list : {topics_commands(), configs_commands(), offsets_commands(), dump_log_commands(),
                      perf_commands(), users_commands(), groups_commands(), lag_commands(), cluster_commands(),
                      completion_commands(), produce_commands(),
                      consume_commands(), events_commands(), query_commands()}) {
        for (auto& c : list) all.push_back(std::move(c));
    }
    return all;
}

namespace {

std::string full_name(const command& c) {
    return c.group.empty() ? std::string(c.name) : std::string(c.group) + " " + std::string(c.name);
}

std::string overview(const std::vector<command>& commands, std::string_view group) {
    std::string out = group.empty() ? "usage: sluice <command> [options]\n\n"
                                      "Admin tool for Sluice (and any Kafka-protocol broker).\n\ncommands:\n"
                                    : "usage: sluice " + std::string(group) + " <command> [options]\n\ncommands:\n";
    size_t width = 0;
    for (const auto& c : commands) {
        if (group.empty() || c.group == group) width = std::max(width, full_name(c).size());
    }
    for (const auto& c : commands) {
        if (!group.empty() && c.group != group) continue;
        std::string name = full_name(c);
        out += "  " + name + std::string(width - name.size() + 2, ' ') + std::string(c.summary) + "\n";
    }
    out += "\nRun 'sluice <command> --help' for a command's options.\n";
    return out;
}

int run(const std::vector<std::string>& argv) {
    auto commands = all_commands();
    if (argv.empty()) {
        std::cerr << overview(commands, "");
        return exit_usage;
    }
    const std::string& first = argv[0];
    if (first == "kafka-compat") return kafka_compat::run({argv.begin() + 1, argv.end()});
    if (first == "-h" || first == "--help" || first == "help") {
        std::cout << overview(commands, "");
        return exit_ok;
    }
    bool is_group = false;
    for (const auto& c : commands) is_group = is_group || c.group == first;
    const command* chosen = nullptr;
    size_t consumed = 1;
    if (is_group) {
        if (argv.size() < 2 || argv[1] == "-h" || argv[1] == "--help") {
            bool asked = argv.size() >= 2;
            (asked ? std::cout : std::cerr) << overview(commands, first);
            return asked ? exit_ok : exit_usage;
        }
        for (const auto& c : commands) {
            if (c.group == first && c.name == argv[1]) chosen = &c;
        }
        if (chosen == nullptr) {
            throw usage_error("unknown command '" + first + " " + argv[1] + "'; run 'sluice " + first + " --help'");
        }
        consumed = 2;
    } else {
        for (const auto& c : commands) {
            if (c.group.empty() && c.name == first) chosen = &c;
        }
        if (chosen == nullptr) throw usage_error("unknown command '" + first + "'; run 'sluice --help'");
    }

    std::vector<std::string> rest(argv.begin() + static_cast<std::ptrdiff_t>(consumed), argv.end());
    parsed_args args;
    try {
        args = parse(chosen->spec, rest);
    } catch (const usage_error& e) {
        throw usage_error(std::string(e.what()) + "\nRun 'sluice " + full_name(*chosen) + " --help' for usage.");
    }
    if (args.help) {
        std::cout << help_text(chosen->spec);
        return exit_ok;
    }
    try {
        return chosen->run(args);
    } catch (const usage_error& e) {
        throw usage_error(std::string(e.what()) + "\nRun 'sluice " + full_name(*chosen) + " --help' for usage.");
    }
}

}  // namespace

}  // namespace sluice::tools

int main(int argc, char** argv) {
    using namespace sluice::tools;
    std::vector<std::string> args(argv + 1, argv + argc);
    // With --json, failures are a JSON document on stderr too (json_output.h).
    bool json = false;
    for (const auto& a : args) {
        if (a == "--") break;
        json = json || a == "--json";
    }
    try {
        return run(args);
    } catch (const usage_error& e) {
        if (json) {
            print_json(std::cerr, json_error("USAGE_ERROR", std::nullopt, e.what()));
        } else {
            std::cerr << "sluice: " << e.what() << '\n';
        }
        return exit_usage;
    } catch (const kafka_error& e) {
        if (json) {
            print_json(std::cerr, json_error(error_name_of(e.code()), e.code(), e.what()));
        } else {
            std::cerr << "sluice: error: " << e.what() << '\n';
        }
        return exit_error;
    } catch (const std::exception& e) {
        if (json) {
            print_json(std::cerr, json_error("COMMAND_FAILED", std::nullopt, e.what()));
        } else {
            std::cerr << "sluice: error: " << e.what() << '\n';
        }
        return exit_error;
    }
}
