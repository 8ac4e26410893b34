#pragma once
// Hand-rolled command-line parsing for the subcommands: each command declares
// its options in a table, and parse() checks argv against it. Kept tiny on
// purpose; the CLI has no dependency beyond the project's own libraries.
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::tools {

struct option_spec {
    std::string_view short_name = {};  // "-t", or empty
    std::string_view long_name = {};   // "--topic"
    std::string_view value_name = {};  // "TOPIC"; empty for a flag
    std::string_view help = {};
    bool repeatable = false;
};

struct command_spec {
    std::string_view usage = {};        // "sluice topics create -t TOPIC [options]"
    std::string_view description = {};  // one paragraph
    std::vector<option_spec> options = {};
    size_t min_positionals = 0;
    size_t max_positionals = 0;
    std::string_view positionals_help = {};  // shown under the usage line when not empty
};

class parsed_args {
public:
    bool has(std::string_view long_name) const;
    // The last value given for an option.
    std::optional<std::string> get(std::string_view long_name) const;
    std::vector<std::string> all(std::string_view long_name) const;
    const std::vector<std::string>& positionals() const { return positionals_; }
    bool help = false;

private:
    friend parsed_args parse(const command_spec&, std::span<const std::string>);
    std::map<std::string, std::vector<std::string>, std::less<>> values_;
    std::vector<std::string> positionals_;
};

// Throws usage_error on an unknown option, a missing value, a repeated
// non-repeatable option or a wrong number of positionals. "-h"/"--help" sets
// `help` and skips the positional count check. Accepts "--opt=value" and
// "--" to end options.
parsed_args parse(const command_spec& spec, std::span<const std::string> argv);

// The help text for `spec`.
std::string help_text(const command_spec& spec);

// The value of an option that must be present (usage_error otherwise).
std::string require(const parsed_args& args, std::string_view long_name);

// Parses an integer option value within [min, max]; usage_error names the option.
long long parse_int(std::string_view text, std::string_view what, long long min, long long max);

// Splits "key=value"; usage_error when there is no '=' or the key is empty.
std::pair<std::string, std::string> parse_key_value(std::string_view text);

}  // namespace sluice::tools
