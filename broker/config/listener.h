#pragma once
// Kafka listener strings: "NAME://host:port[,NAME://host:port...]".
// An empty host binds every interface; IPv6 hosts are written in brackets
// ("PLAINTEXT://[::1]:9092") and stored without them. Names are normalised to
// upper case, as Kafka's ListenerName does, and each is mapped to a security
// protocol through listener.security.protocol.map.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::broker {

struct listener {
    std::string name;               // "PLAINTEXT", "INTERNAL", ...
    std::string host;               // "" = all interfaces
    uint16_t port = 0;              // 0 = pick a free port (tests)
    std::string security_protocol;  // "PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"

    std::string to_string() const;  // back to "NAME://host:port"
    bool operator==(const listener&) const = default;
};

inline constexpr std::string_view default_security_protocol_map =
    "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL";

// listener.security.protocol.map: "NAME:PROTOCOL,...". Throws config_error.
std::map<std::string, std::string> parse_security_protocol_map(std::string_view value);

// Throws config_error naming `property` and `value` for any malformed entry,
// a duplicate listener name, or a name missing from `protocol_map`.
std::vector<listener> parse_listeners(std::string_view property, std::string_view value,
                                      const std::map<std::string, std::string>& protocol_map);

std::string listeners_to_string(const std::vector<listener>& listeners);

}  // namespace sluice::broker
