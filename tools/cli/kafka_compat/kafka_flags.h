#pragma once
// Command-line parsing the way Kafka's tools do it (joptsimple as Kafka
// configures it): long options only, "--name value" or "--name=value", no
// abbreviations, options that take a value optionally (--compression-codec),
// and any option not in the tool's table is an error that names it.
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::tools::kafka_compat {

enum class value_kind { none, required, optional };

struct flag {
    std::string_view name;  // without the dashes: "bootstrap-server"
    value_kind kind = value_kind::none;
    std::string_view help = {};
};

// A bad command line: the script prints the message and the usage, exit 1.
class flag_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class flag_values {
public:
    bool has(std::string_view name) const { return values_.find(name) != values_.end(); }
    // The last value given (nullopt when absent or given without a value).
    std::optional<std::string> get(std::string_view name) const;
    std::vector<std::string> all(std::string_view name) const;
    // The value of a required option (flag_error "Missing required argument" otherwise).
    std::string require(std::string_view name) const;
    // Every option as given, in command-line order (a flag without a value
    // has ""): kafka-configs pairs --entity-type with the --entity-name or
    // --entity-default that follows it.
    const std::vector<std::pair<std::string, std::string>>& in_order() const { return order_; }

private:
    friend flag_values parse_flags(std::span<const flag>, std::span<const std::string>);
    std::map<std::string, std::vector<std::string>, std::less<>> values_;
    std::vector<std::pair<std::string, std::string>> order_;
};

flag_values parse_flags(std::span<const flag> flags, std::span<const std::string> argv);

// Kafka's option table layout for a script's usage text.
std::string usage_text(std::string_view description, std::span<const flag> flags);

// Exactly one of `names` present; flag_error listing them otherwise.
std::string_view one_action(const flag_values& v, std::initializer_list<std::string_view> names);

// Integer option in [min, max]; flag_error naming the option otherwise.
long long int_value(std::string_view text, std::string_view option, long long min, long long max);

}  // namespace sluice::tools::kafka_compat
