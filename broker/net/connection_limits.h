#pragma once
// How many connections the broker holds, as Kafka's properties bound them:
// max.connections (past it the listeners stop accepting until one closes,
// as Kafka's acceptors wait for a slot), max.connections.per.ip and
// max.connections.per.ip.overrides ("address:count,..."; a connection past
// its address's limit is closed at once), connections.max.idle.ms (a
// connection with nothing to read, nothing to answer and nothing sent or
// received that long is closed) and, Sluice's own,
// sluice.request.read.timeout.ms: a request whose first bytes arrived must
// be whole within it, so a client that sends part of a frame and stalls
// (slow loris) does not hold its descriptor until the idle timeout.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace sluice::broker {

struct broker_config;

using ip_limits = std::map<std::string, int64_t, std::less<>>;

struct connection_limits {
    int64_t max_total = INT32_MAX;
    int64_t max_per_ip = INT32_MAX;
    ip_limits per_ip_overrides;
    int64_t idle_ms = 600000;
    int64_t read_timeout_ms = 30000;

    int64_t limit_for(std::string_view ip) const {
        auto it = per_ip_overrides.find(ip);
        return it == per_ip_overrides.end() ? max_per_ip : it->second;
    }
};

// From the broker's properties. Throws config_error for a malformed
// max.connections.per.ip.overrides.
connection_limits connection_limits_of(const broker_config& config);
ip_limits parse_per_ip_overrides(std::string_view value);

}  // namespace sluice::broker
