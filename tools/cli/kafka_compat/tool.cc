#include "tools/cli/kafka_compat/tool.h"

#include <fstream>
#include <iostream>

#include "tools/cli/cli_error.h"

namespace sluice::tools::kafka_compat {

namespace {

std::vector<tool> all_tools() {
    return {topics_tool(),           configs_tool(),     acls_tool(),           console_producer_tool(),
            console_consumer_tool(), get_offsets_tool(), delete_records_tool(), dump_log_tool()};
}

std::string trim(std::string_view s) {
    size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string_view::npos) return {};
    size_t e = s.find_last_not_of(" \t\r");
    return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::string bootstrap_server(const flag_values& args, std::string_view option) {
    std::string list = args.require(option);
    std::string first = list.substr(0, list.find(','));
    if (first.starts_with("PLAINTEXT://")) first = first.substr(12);
    if (first.empty()) throw flag_error("Option " + std::string(option) + " has no address");
    return first;
}

std::map<std::string, std::string> read_properties(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw flag_error("Cannot read properties file '" + path + "'");
    std::map<std::string, std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        std::string t = trim(line);
        if (t.empty() || t[0] == '#' || t[0] == '!') continue;
        size_t sep = t.find_first_of("=:");
        if (sep == std::string::npos) {
            out[t] = "";
            continue;
        }
        out[trim(std::string_view(t).substr(0, sep))] = trim(std::string_view(t).substr(sep + 1));
    }
    return out;
}

void check_security(const std::map<std::string, std::string>& props, std::string_view origin) {
    for (const auto& [k, v] : props) {
        bool refused = (k == "security.protocol" && v != "PLAINTEXT" && v != "plaintext") || k.starts_with("sasl.") ||
                       k.starts_with("ssl.");
        if (refused) {
            throw flag_error("Property '" + k + "' (from " + std::string(origin) +
                             ") cannot be honored: these scripts connect with PLAINTEXT only; point "
                             "--bootstrap-server at a PLAINTEXT listener");
        }
    }
}

std::map<std::string, std::string> command_config(const flag_values& args) {
    auto path = args.get("command-config");
    if (!path) return {};
    auto props = read_properties(*path);
    check_security(props, "--command-config " + *path);
    return props;
}

std::map<std::string, std::string> key_values(const std::vector<std::string>& items, std::string_view option) {
    std::map<std::string, std::string> out;
    for (const auto& item : items) {
        size_t eq = item.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw flag_error("Invalid " + std::string(option) + " '" + item + "': expected key=value");
        }
        out[item.substr(0, eq)] = item.substr(eq + 1);
    }
    return out;
}

int run(const std::vector<std::string>& argv) {
    auto tools = all_tools();
    if (argv.empty()) {
        std::cerr << "usage: sluice kafka-compat <script> [options]\n\nscripts:\n";
        for (const auto& t : tools)
            std::cerr << "  " << t.name << "\n";
        return 1;
    }
    const tool* chosen = nullptr;
    for (const auto& t : tools) {
        if (t.name == argv[0] || std::string(t.name) + ".sh" == argv[0]) chosen = &t;
    }
    if (chosen == nullptr) {
        std::cerr << "sluice kafka-compat: unknown script '" << argv[0] << "'\n";
        return 1;
    }
    std::vector<std::string> rest(argv.begin() + 1, argv.end());
    std::string usage = usage_text(chosen->description, chosen->flags);
    try {
        auto args = parse_flags(chosen->flags, rest);
        if (args.has("help") || rest.empty()) {
            (rest.empty() ? std::cerr : std::cout) << usage;
            return rest.empty() ? 1 : 0;
        }
        if (args.has("version")) {
            std::cout << "3.9.0 (sluice kafka-compat)\n";
            return 0;
        }
        return chosen->run(args);
    } catch (const flag_error& e) {
        std::cerr << "Error: " << e.what() << "\n" << usage;
        return 1;
    } catch (const usage_error& e) {
        std::cerr << "Error: " << e.what() << "\n" << usage;
        return 1;
    } catch (const std::exception& e) {
        std::string what = chosen->name == "kafka-topics"    ? "topic command"
                           : chosen->name == "kafka-configs" ? "config command"
                                                             : std::string(chosen->name);
        std::cerr << "Error while executing " << what << " : " << e.what() << "\n";
        return 1;
    }
}

}  // namespace sluice::tools::kafka_compat
