#pragma once
// SASL settings, read once at startup with Kafka's property names:
//
//   sasl.enabled.mechanisms, listener.name.<l>.sasl.enabled.mechanisms
//   listener.name.<l>.plain.sasl.jaas.config (else sasl.jaas.config):
//       PlainLoginModule with user_<name>="<password>" options
//   sasl.mechanism.inter.broker.protocol
//   connections.max.reauth.ms (KIP-368; 0 = no re-authentication), also
//       as listener.name.<l>.<mechanism>.connections.max.reauth.ms
//   sasl.server.max.receive.size (frames before authentication)
//
// <l> is the listener name in lower case, as Kafka's ListenerName prefixes.
// Only SASL_PLAINTEXT and SASL_SSL listeners get an entry. Mechanisms Sluice
// does not serve (GSSAPI, OAUTHBEARER) fail startup rather than being
// offered and then refused.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/config/listener.h"
#include "replication/sasl_client.h"

namespace sluice::broker {

inline constexpr std::string_view sasl_plain = "PLAIN";
inline constexpr std::string_view sasl_scram_sha_256 = "SCRAM-SHA-256";
inline constexpr std::string_view sasl_scram_sha_512 = "SCRAM-SHA-512";

struct listener_sasl {
    std::vector<std::string> mechanisms;            // in the configured order
    std::map<std::string, std::string> plain_users;  // PLAIN: user -> password
    // The client side of this listener's JAAS entries (username/password
    // options), for inter-broker connections: mechanism -> (user, password).
    std::map<std::string, std::pair<std::string, std::string>> client_logins;
    // listener.name.<l>.<mechanism>.connections.max.reauth.ms, where set
    // (else connections.max.reauth.ms).
    std::map<std::string, int64_t> reauth_ms;
    bool operator==(const listener_sasl&) const = default;
};

struct sasl_config {
    std::map<std::string, listener_sasl> listeners;  // by listener name (upper case)
    std::string inter_broker_mechanism = "GSSAPI";
    int64_t connections_max_reauth_ms = 0;
    int32_t max_receive_size = 524288;
    // connection.failed.authentication.delay.ms: how long a connection whose
    // authentication failed waits before its answer and close, as Kafka's
    // does, to slow down password guessing.
    int64_t failed_authentication_delay_ms = 100;
    // This broker's login on other brokers, when the inter-broker listener
    // (inter.broker.listener.name, else the one named by
    // security.inter.broker.protocol) is SASL_*.
    std::optional<replication::sasl_login> inter_broker_login;
    bool operator==(const sasl_config&) const = default;

    // nullptr for a listener that is not SASL_*.
    const listener_sasl* find(std::string_view listener_name) const {
        auto it = listeners.find(std::string(listener_name));
        return it == listeners.end() ? nullptr : &it->second;
    }
};

bool is_sasl_protocol(std::string_view security_protocol);

// `lookup(name)` is the set value of a property (listener.name.* included),
// nullopt when unset. Throws config_error naming the property.
sasl_config read_sasl_config(const std::vector<listener>& listeners,
                             const std::function<std::optional<std::string>(std::string_view)>& lookup,
                             std::optional<std::string> inter_broker_listener);

}  // namespace sluice::broker
