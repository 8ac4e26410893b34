// Connection limits from the broker's properties (connection_limits.h).
#include "broker/net/connection_limits.h"

#include <charconv>

#include "broker/config/broker_config.h"
#include "broker/config/config_error.h"

namespace sluice::broker {

namespace {

std::string_view trimmed(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

}  // namespace

ip_limits parse_per_ip_overrides(std::string_view value) {
    ip_limits out;
    auto bad = [&](std::string_view entry) {
        return config_error("Invalid value " + std::string(value) +
                            " for configuration max.connections.per.ip.overrides: bad entry '" +
                            std::string(entry) + "' (expected address:count)");
    };
    while (!trimmed(value).empty()) {
        size_t comma = value.find(',');
        std::string_view entry = trimmed(value.substr(0, comma));
        value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
        if (entry.empty()) continue;
        size_t colon = entry.rfind(':');
        if (colon == std::string_view::npos || colon == 0) throw bad(entry);
        std::string_view count = trimmed(entry.substr(colon + 1));
        int64_t n = 0;
        auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
        if (ec != std::errc{} || end != count.data() + count.size() || n < 0) throw bad(entry);
        std::string_view host = trimmed(entry.substr(0, colon));
        if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
        out[std::string(host)] = n;
    }
    return out;
}

connection_limits connection_limits_of(const broker_config& config) {
    connection_limits out;
    auto number = [&config](std::string_view name, int64_t& field) {
        if (auto v = config.value_of(name)) field = std::stoll(*v);
    };
    number("max.connections", out.max_total);
    number("max.connections.per.ip", out.max_per_ip);
    number("connections.max.idle.ms", out.idle_ms);
    number("sluice.request.read.timeout.ms", out.read_timeout_ms);
    if (auto v = config.value_of("max.connections.per.ip.overrides")) out.per_ip_overrides = parse_per_ip_overrides(*v);
    return out;
}

}  // namespace sluice::broker
