#include "broker/config/ssl_config.h"

#include <algorithm>

#include "broker/config/config_def.h"
#include "broker/config/config_error.h"

namespace sluice::broker {

std::string listener_config_prefix(std::string_view listener_name) {
    std::string out = "listener.name.";
    for (char c : listener_name)
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    return out + ".";
}

std::string ssl_config::property_name(std::string_view key) const {
    bool prefixed = std::find(overridden.begin(), overridden.end(), key) != overridden.end();
    return prefixed ? listener_prefix + std::string(key) : std::string(key);
}

ssl_config read_ssl_config(std::string_view listener_name, std::string_view security_protocol,
                           const std::function<std::optional<std::string>(std::string_view)>& lookup) {
    ssl_config c;
    c.listener_prefix = listener_config_prefix(listener_name);
    auto get = [&](std::string_view key) -> std::optional<std::string> {
        if (auto v = lookup(c.listener_prefix + std::string(key))) {
            c.overridden.emplace_back(key);
            return v;
        }
        return lookup(key);
    };
    c.keystore_type = get("ssl.keystore.type").value_or("JKS");
    c.keystore_location = get("ssl.keystore.location");
    c.keystore_certificate_chain = get("ssl.keystore.certificate.chain");
    c.keystore_key = get("ssl.keystore.key");
    c.keystore_password = get("ssl.keystore.password");
    c.key_password = get("ssl.key.password");
    c.truststore_type = get("ssl.truststore.type").value_or("JKS");
    c.truststore_location = get("ssl.truststore.location");
    c.truststore_certificates = get("ssl.truststore.certificates");
    c.truststore_password = get("ssl.truststore.password");
    if (security_protocol == "SASL_SSL") {
        c.client_auth = lookup(c.listener_prefix + "ssl.client.auth").value_or("none");
        if (c.client_auth != "none") c.overridden.emplace_back("ssl.client.auth");
    } else {
        c.client_auth = get("ssl.client.auth").value_or("none");
    }
    c.enabled_protocols = split_list(get("ssl.enabled.protocols").value_or("TLSv1.2,TLSv1.3"));
    c.cipher_suites = split_list(get("ssl.cipher.suites").value_or(""));
    c.principal_mapping_rules = get("ssl.principal.mapping.rules").value_or("DEFAULT");

    // Kafka's own refusals for PEM stores (DefaultSslEngineFactory).
    auto fail = [&](std::string_view key, const std::string& value, std::string_view why) {
        throw config_error(invalid_value_message(c.property_name(key), value, why));
    };
    auto pem_store = [&](std::string_view type_key, const std::string& type, bool used) {
        if (used && type != "PEM") {
            fail(type_key, type, "Sluice reads PEM stores only (set " + c.property_name(type_key) + "=PEM)");
        }
    };
    bool has_keystore = c.keystore_location || c.keystore_certificate_chain || c.keystore_key;
    pem_store("ssl.keystore.type", c.keystore_type, has_keystore);
    pem_store("ssl.truststore.type", c.truststore_type, c.truststore_location || c.truststore_certificates);
    if (!has_keystore) {
        throw config_error("Listener " + std::string(listener_name) +
                           " uses TLS but has no key store: set ssl.keystore.location, or "
                           "ssl.keystore.certificate.chain and ssl.keystore.key (ssl.keystore.type=PEM)");
    }
    if (c.keystore_password) {
        fail("ssl.keystore.password", "[hidden]",
             "SSL key store password cannot be specified with PEM format, only key password may be specified");
    }
    if (c.truststore_password && (c.truststore_location || c.truststore_certificates)) {
        fail("ssl.truststore.password", "[hidden]", "SSL trust store password cannot be specified for PEM format");
    }
    if (c.keystore_location && (c.keystore_certificate_chain || c.keystore_key)) {
        fail("ssl.keystore.location", *c.keystore_location,
             "Set either ssl.keystore.location or ssl.keystore.certificate.chain with ssl.keystore.key, not both");
    }
    if (!c.keystore_location && (!c.keystore_certificate_chain || !c.keystore_key)) {
        fail(c.keystore_key ? "ssl.keystore.key" : "ssl.keystore.certificate.chain", "[hidden]",
             "ssl.keystore.certificate.chain and ssl.keystore.key must be set together");
    }
    if (c.truststore_location && c.truststore_certificates) {
        fail("ssl.truststore.location", *c.truststore_location,
             "Set either ssl.truststore.location or ssl.truststore.certificates, not both");
    }
    if (c.enabled_protocols.empty()) fail("ssl.enabled.protocols", "", "At least one protocol is required");
    return c;
}

}  // namespace sluice::broker
