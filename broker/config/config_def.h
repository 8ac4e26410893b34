#pragma once
// One configuration's definition (name, type, default, allowed values) and the
// value checks Kafka's ConfigDef applies, shared by the broker property table
// and the topic config table so both reject the same shapes with the same
// message ("Invalid value X for configuration Y: reason").
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/config/config_entry.h"

namespace sluice::broker {

struct config_def {
    std::string_view name{};
    config_type type = config_type::string;
    // nullopt is Kafka's null default ("not set, derive it from elsewhere").
    std::optional<std::string_view> default_value{};
    // Inclusive numeric range (int and double types).
    double min = -std::numeric_limits<double>::infinity();
    double max = std::numeric_limits<double>::infinity();
    // For string and list types: the values allowed; empty = anything.
    std::vector<std::string_view> allowed{};
    // A further check on a string value's shape, and the reason given when
    // it fails (Kafka's custom validators, e.g. a version string).
    bool (*accepts)(std::string_view) = nullptr;
    std::string_view refusal{};
};

// Kafka's metadata version strings ("0.10.0", "2.8-IV1", "3.0"): what the
// deprecated message.format.version settings take.
bool is_kafka_version(std::string_view value);

// Kafka's number and boolean syntax: surrounding whitespace ignored, one
// leading '+' allowed, booleans case-insensitive.
std::optional<int64_t> parse_int(std::string_view s, int64_t min, int64_t max);
std::optional<double> parse_double(std::string_view s);
std::optional<bool> parse_bool(std::string_view s);
// A comma list with each item trimmed; "" is the empty list.
std::vector<std::string> split_list(std::string_view s);
std::string join_list(const std::vector<std::string>& items);
// IncrementalAlterConfigs APPEND / SUBTRACT of a list config: `current`
// with the items of `change` added (those not in it yet) or removed.
std::string merge_list(std::string_view current, std::string_view change, bool append);
std::string_view trim(std::string_view s);

// nullopt when `value` is valid for `def`; otherwise the full error message.
std::optional<std::string> validate(const config_def& def, std::string_view value);

// "Invalid value <v> for configuration <name>: <reason>" — Kafka's wording.
std::string invalid_value_message(std::string_view name, std::string_view value, std::string_view reason);

std::string_view type_name(config_type t);

}  // namespace sluice::broker
