#include "broker/config/config_def.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace sluice::broker {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string format_number(double v) {
    if (v == std::floor(v) && std::fabs(v) < 1e18) {
        return std::to_string(static_cast<int64_t>(v));
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::string allowed_list(const std::vector<std::string_view>& allowed) {
    std::string out;
    for (auto a : allowed) {
        if (!out.empty()) out += ", ";
        out += a;
    }
    return out;
}

bool is_allowed(const std::vector<std::string_view>& allowed, std::string_view v) {
    if (allowed.empty()) return true;
    for (auto a : allowed) {
        if (a == v) return true;
    }
    return false;
}

std::optional<std::string> check_range(const config_def& def, std::string_view raw, double v) {
    if (!(v >= def.min)) {
        return invalid_value_message(def.name, raw, "Value must be at least " + format_number(def.min));
    }
    if (!(v <= def.max)) {
        return invalid_value_message(def.name, raw, "Value must be no more than " + format_number(def.max));
    }
    return std::nullopt;
}

}  // namespace

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

std::optional<int64_t> parse_int(std::string_view s, int64_t min, int64_t max) {
    s = trim(s);
    if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
    if (s.empty()) return std::nullopt;
    int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
    if (v < min || v > max) return std::nullopt;
    return v;
}

std::optional<double> parse_double(std::string_view s) {
    s = trim(s);
    if (s.size() > 1 && s.front() == '+' && s[1] != '-') s.remove_prefix(1);
    if (s.empty()) return std::nullopt;
    double v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<bool> parse_bool(std::string_view s) {
    s = trim(s);
    auto equals_ci = [&](std::string_view word) {
        if (s.size() != word.size()) return false;
        for (size_t i = 0; i < s.size(); ++i) {
            char c = s[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            if (c != word[i]) return false;
        }
        return true;
    };
    if (equals_ci("true")) return true;
    if (equals_ci("false")) return false;
    return std::nullopt;
}

std::vector<std::string> split_list(std::string_view s) {
    std::vector<std::string> out;
    s = trim(s);
    if (s.empty()) return out;
    for (;;) {
        auto comma = s.find(',');
        out.emplace_back(trim(s.substr(0, comma)));
        if (comma == std::string_view::npos) break;
        s.remove_prefix(comma + 1);
    }
    return out;
}

std::string join_list(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& i : items) {
        if (!out.empty()) out += ',';
        out += i;
    }
    return out;
}

std::string merge_list(std::string_view current, std::string_view change, bool append) {
    auto items = split_list(current);
    auto delta = split_list(change);
    std::vector<std::string> result;
    if (append) {
        result = items;
        for (const auto& v : delta) {
            if (std::find(result.begin(), result.end(), v) == result.end()) result.push_back(v);
        }
    } else {
        for (const auto& v : items) {
            if (std::find(delta.begin(), delta.end(), v) == delta.end()) result.push_back(v);
        }
    }
    return join_list(result);
}

std::string invalid_value_message(std::string_view name, std::string_view value, std::string_view reason) {
    std::string out = "Invalid value ";
    out += value;
    out += " for configuration ";
    out += name;
    out += ": ";
    out += reason;
    return out;
}

std::string_view type_name(config_type t) {
    switch (t) {
        case config_type::boolean:
            return "BOOLEAN";
        case config_type::string:
            return "STRING";
        case config_type::int32:
            return "INT";
        case config_type::int16:
            return "SHORT";
        case config_type::int64:
            return "LONG";
        case config_type::float64:
            return "DOUBLE";
        case config_type::list:
            return "LIST";
        case config_type::class_name:
            return "CLASS";
        case config_type::password:
            return "PASSWORD";
    }
    return "UNKNOWN";
}

std::optional<std::string> validate(const config_def& def, std::string_view value) {
    auto not_a = [&] {
        return invalid_value_message(def.name, value, "Not a number of type " + std::string(type_name(def.type)));
    };
    switch (def.type) {
        case config_type::boolean:
            if (!parse_bool(value)) {
                return invalid_value_message(def.name, value, "Expected value to be either true or false");
            }
            return std::nullopt;
        case config_type::int16:
        case config_type::int32:
        case config_type::int64: {
            int64_t lo = std::numeric_limits<int64_t>::min();
            int64_t hi = std::numeric_limits<int64_t>::max();
            if (def.type == config_type::int32) {
                lo = std::numeric_limits<int32_t>::min();
                hi = std::numeric_limits<int32_t>::max();
            } else if (def.type == config_type::int16) {
                lo = std::numeric_limits<int16_t>::min();
                hi = std::numeric_limits<int16_t>::max();
            }
            auto v = parse_int(value, lo, hi);
            if (!v) return not_a();
            return check_range(def, value, static_cast<double>(*v));
        }
        case config_type::float64: {
            auto v = parse_double(value);
            if (!v) return not_a();
            return check_range(def, value, *v);
        }
        case config_type::list: {
            auto items = split_list(value);
            // An enumerated list (cleanup.policy) must say something, once.
            if (!def.allowed.empty()) {
                if (items.empty()) {
                    return invalid_value_message(def.name, value,
                                                 "List must contain at least one of: " + allowed_list(def.allowed));
                }
                for (size_t i = 0; i < items.size(); ++i) {
                    if (std::find(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(i), items[i]) !=
                        items.begin() + static_cast<std::ptrdiff_t>(i)) {
                        return invalid_value_message(def.name, value, "Values must not be duplicated");
                    }
                }
            }
            for (const auto& item : items) {
                if (!is_allowed(def.allowed, item)) {
                    return invalid_value_message(def.name, value,
                                                 "String must be one of: " + allowed_list(def.allowed));
                }
            }
            if (def.accepts != nullptr && !def.accepts(trim(value))) {
                return invalid_value_message(def.name, value, std::string(def.refusal));
            }
            return std::nullopt;
        }
        case config_type::string:
        case config_type::class_name:
        case config_type::password:
            if (!is_allowed(def.allowed, trim(value))) {
                return invalid_value_message(def.name, value, "String must be one of: " + allowed_list(def.allowed));
            }
            if (def.accepts != nullptr && !def.accepts(trim(value))) {
                return invalid_value_message(def.name, value, std::string(def.refusal));
            }
            return std::nullopt;
    }
    return std::nullopt;
}

bool is_kafka_version(std::string_view value) {
    // Kafka reads "0.x.y" by its first three parts and later versions by
    // their first two ("0.10.0.1" is 0.10.0, "3.0.1" is 3.0), each part
    // digits, with an optional "-IVn" suffix on the last part read.
    auto digits = [](std::string_view s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true) {
        size_t dot = value.find('.', start);
        parts.push_back(value.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    size_t used = !parts.empty() && parts[0] == "0" ? 3 : 2;
    if (parts.size() < used) return false;
    for (size_t i = 0; i < parts.size(); ++i) {
        std::string_view part = parts[i];
        if (i + 1 == used) {
            if (size_t iv = part.find("-IV"); iv != std::string_view::npos) {
                if (!digits(part.substr(iv + 3))) return false;
                part = part.substr(0, iv);
            }
        }
        if (!digits(part)) return false;
    }
    int major = std::stoi(std::string(parts[0]));
    return major <= 3;  // Kafka 4 dropped the setting; every 0.8–3.x version parses
}

}  // namespace sluice::broker
