#include "broker/config/sasl_config.h"

#include <algorithm>
#include <cctype>

#include "broker/config/config_def.h"
#include "broker/config/config_error.h"
#include "broker/config/jaas_config.h"

namespace sluice::broker {

namespace {

constexpr std::string_view plain_login_module = "org.apache.kafka.common.security.plain.PlainLoginModule";
constexpr std::string_view scram_login_module = "org.apache.kafka.common.security.scram.ScramLoginModule";

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

void check_mechanism(const std::string& property, const std::string& m) {
    if (m == sasl_plain || m == sasl_scram_sha_256 || m == sasl_scram_sha_512) return;
    if (m == "GSSAPI" || m == "OAUTHBEARER") {
        throw config_error(invalid_value_message(
            property, m, m + " is not supported by Sluice (supported: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)"));
    }
    throw config_error(invalid_value_message(property, m, "Unknown SASL mechanism (supported: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)"));
}

}  // namespace

bool is_sasl_protocol(std::string_view security_protocol) {
    return security_protocol == "SASL_PLAINTEXT" || security_protocol == "SASL_SSL";
}

sasl_config read_sasl_config(const std::vector<listener>& listeners,
                             const std::function<std::optional<std::string>(std::string_view)>& lookup,
                             std::optional<std::string> inter_broker_listener) {
    sasl_config c;
    if (auto v = lookup("connections.max.reauth.ms")) c.connections_max_reauth_ms = *parse_int(*v, INT64_MIN, INT64_MAX);
    if (auto v = lookup("connection.failed.authentication.delay.ms")) {
        c.failed_authentication_delay_ms = *parse_int(*v, 0, INT32_MAX);
    }
    if (auto v = lookup("sasl.server.max.receive.size")) c.max_receive_size = static_cast<int32_t>(*parse_int(*v, 0, INT32_MAX));
    c.inter_broker_mechanism = lookup("sasl.mechanism.inter.broker.protocol").value_or("GSSAPI");

    for (const auto& l : listeners) {
        if (!is_sasl_protocol(l.security_protocol)) continue;
        std::string prefix = "listener.name." + lower(l.name) + ".";
        listener_sasl s;
        std::string mech_property = prefix + "sasl.enabled.mechanisms";
        auto mechs = lookup(mech_property);
        if (!mechs) {
            mech_property = "sasl.enabled.mechanisms";
            mechs = lookup(mech_property).value_or("GSSAPI");
        }
        for (auto& m : split_list(*mechs)) {
            check_mechanism(mech_property, m);
            if (std::find(s.mechanisms.begin(), s.mechanisms.end(), m) == s.mechanisms.end()) s.mechanisms.push_back(m);
        }
        if (s.mechanisms.empty()) {
            throw config_error(invalid_value_message(mech_property, *mechs,
                                                     "listener " + l.name + " is SASL but enables no mechanism"));
        }
        for (const auto& m : s.mechanisms) {
            std::string reauth_property = prefix + lower(m) + ".connections.max.reauth.ms";
            if (auto v = lookup(reauth_property)) {
                auto ms = parse_int(*v, INT64_MIN, INT64_MAX);
                if (!ms) throw config_error(invalid_value_message(reauth_property, *v, "Expected a number of milliseconds"));
                s.reauth_ms[m] = *ms;
            }
            std::string jaas_property = prefix + lower(m) + ".sasl.jaas.config";
            std::string_view expected = m == sasl_plain ? plain_login_module : scram_login_module;
            auto jaas = lookup(jaas_property);
            std::optional<jaas_entry> entry;
            if (jaas) {
                entry = parse_jaas_config(jaas_property, *jaas);
                if (entry->login_module != expected) {
                    throw config_error("Invalid configuration " + jaas_property + ": mechanism " + m + " needs " +
                                       std::string(expected) + ", not " + entry->login_module);
                }
            } else if (auto shared = lookup("sasl.jaas.config")) {
                // The unprefixed entry serves the one mechanism its module is for.
                entry = parse_jaas_config("sasl.jaas.config", *shared);
                if (entry->login_module != expected) entry.reset();
            }
            if (!entry) {
                if (m != sasl_plain) continue;  // SCRAM users live in the metadata store
                throw config_error("Missing configuration " + jaas_property + ": listener " + l.name +
                                   " enables PLAIN, whose users come from a PlainLoginModule JAAS entry");
            }
            for (const auto& [key, value] : entry->options) {
                if (m == sasl_plain && key.starts_with("user_") && key.size() > 5) s.plain_users[key.substr(5)] = value;
            }
            auto user = entry->options.find("username");
            auto password = entry->options.find("password");
            if (user != entry->options.end() && password != entry->options.end()) {
                s.client_logins[m] = {user->second, password->second};
            }
        }
        c.listeners[l.name] = std::move(s);
    }

    if (inter_broker_listener) {
        std::transform(inter_broker_listener->begin(), inter_broker_listener->end(), inter_broker_listener->begin(),
                       [](unsigned char ch) { return std::toupper(ch); });
        if (const listener_sasl* s = c.find(*inter_broker_listener)) {
            const auto& m = c.inter_broker_mechanism;
            if (std::find(s->mechanisms.begin(), s->mechanisms.end(), m) == s->mechanisms.end()) {
                throw config_error(invalid_value_message(
                    "sasl.mechanism.inter.broker.protocol", m,
                    "must be included in sasl.enabled.mechanisms of the inter-broker listener " + *inter_broker_listener));
            }
            auto login = s->client_logins.find(m);
            if (login == s->client_logins.end()) {
                throw config_error("Missing username and password in listener.name." + lower(*inter_broker_listener) +
                                   "." + lower(m) + ".sasl.jaas.config: the inter-broker listener " +
                                   *inter_broker_listener + " uses " + m + " for this broker's own connections");
            }
            c.inter_broker_login = replication::sasl_login{m, login->second.first, login->second.second};
        }
    }
    return c;
}

}  // namespace sluice::broker
