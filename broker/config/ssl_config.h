#pragma once
// The TLS settings of one SSL or SASL_SSL listener: Kafka's ssl.* broker
// properties, each overridable per listener as
// listener.name.<lowercase listener name>.ssl.* (the prefixed value wins,
// key by key, as Kafka's valuesWithPrefixOverride does).
//
// Only what the properties say is checked here; the files and PEM text are
// read, and refused with a message naming the property, when the listener's
// TLS context is built (broker/net/tls_context.h).
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::broker {

struct ssl_config {
    std::string keystore_type = "JKS";
    std::optional<std::string> keystore_location;           // PEM: private key + certificate chain
    std::optional<std::string> keystore_certificate_chain;  // PEM text
    std::optional<std::string> keystore_key;                // PEM text
    std::optional<std::string> keystore_password;           // refused with PEM, as Kafka does
    std::optional<std::string> key_password;                // decrypts an encrypted key
    std::string truststore_type = "JKS";
    std::optional<std::string> truststore_location;
    std::optional<std::string> truststore_certificates;  // PEM text
    std::optional<std::string> truststore_password;      // refused with PEM
    std::string client_auth = "none";                    // required | requested | none
    std::vector<std::string> enabled_protocols{"TLSv1.2", "TLSv1.3"};
    std::vector<std::string> cipher_suites;  // IANA names; empty = OpenSSL's defaults
    std::string principal_mapping_rules = "DEFAULT";

    // Keys set under the listener's prefix, so messages name the property
    // the value really came from.
    std::string listener_prefix;
    std::vector<std::string> overridden;
    std::string property_name(std::string_view key) const;

    bool operator==(const ssl_config&) const = default;
};

inline bool uses_tls(std::string_view security_protocol) {
    return security_protocol == "SSL" || security_protocol == "SASL_SSL";
}

// "listener.name.<lowercase name>." — Kafka's ListenerName.configPrefix().
std::string listener_config_prefix(std::string_view listener_name);

// Reads listener `name`'s settings; `lookup(key)` returns a property's set
// or default value (nullopt = unset). On a SASL_SSL listener only the
// listener-prefixed ssl.client.auth counts (Kafka's KIP-684: the broker-wide
// one would otherwise demand certificates from SASL clients). Throws
// config_error.
ssl_config read_ssl_config(std::string_view listener_name, std::string_view security_protocol,
                           const std::function<std::optional<std::string>(std::string_view)>& lookup);

}  // namespace sluice::broker
