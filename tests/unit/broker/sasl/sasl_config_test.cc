// SASL broker properties: per-listener mechanisms and JAAS users, the
// unprefixed fallbacks, and refusals that name the property.
#include <gtest/gtest.h>

#include "broker/config/broker_config.h"
#include "broker/config/config_error.h"

namespace sluice::broker {
namespace {

constexpr std::string_view plain_jaas =
    R"(org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";)";

broker_config parse(std::string text) { return broker_config::from_properties(parse_properties(text)); }

std::string listeners() {
    return "listeners=PLAINTEXT://:0,SASL_PLAINTEXT://:0\n";
}

void expect_rejected(const std::string& text, std::string_view property, std::string_view detail) {
    try {
        parse(text);
        ADD_FAILURE() << "accepted: " << text;
    } catch (const config_error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find(property), std::string::npos) << what;
        EXPECT_NE(what.find(detail), std::string::npos) << what;
    }
}

TEST(SaslConfigTest, NoSaslListenerNoSaslState) {
    auto c = parse("sasl.enabled.mechanisms=GSSAPI\n");
    EXPECT_TRUE(c.sasl.listeners.empty());
}

TEST(SaslConfigTest, ListenerPrefixedMechanismsAndUsers) {
    auto c = parse(listeners() +
                   "listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256\n"
                   "listener.name.sasl_plaintext.plain.sasl.jaas.config=" + std::string(plain_jaas) + "\n"
                   "connections.max.reauth.ms=5000\n");
    const listener_sasl* s = c.sasl.find("SASL_PLAINTEXT");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->mechanisms, (std::vector<std::string>{"PLAIN", "SCRAM-SHA-256"}));
    EXPECT_EQ(s->plain_users.at("alice"), "alice-secret");
    EXPECT_EQ(s->plain_users.size(), 2u);
    EXPECT_EQ(s->client_logins.at("PLAIN").first, "admin");
    EXPECT_EQ(c.sasl.connections_max_reauth_ms, 5000);
    EXPECT_TRUE(s->reauth_ms.empty());
    auto per = parse(listeners() + "sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512\n"
                                   "listener.name.sasl_plaintext.scram-sha-512.connections.max.reauth.ms=700\n");
    EXPECT_EQ(per.sasl.find("SASL_PLAINTEXT")->reauth_ms, (std::map<std::string, int64_t>{{"SCRAM-SHA-512", 700}}));
    expect_rejected(listeners() + "sasl.enabled.mechanisms=SCRAM-SHA-256\n"
                                  "listener.name.sasl_plaintext.scram-sha-256.connections.max.reauth.ms=soon\n",
                    "listener.name.sasl_plaintext.scram-sha-256.connections.max.reauth.ms", "soon");
    EXPECT_EQ(c.sasl.find("PLAINTEXT"), nullptr);
    EXPECT_TRUE(c.unknown_keys().empty());
}

TEST(SaslConfigTest, UnprefixedFallbacks) {
    auto c = parse(listeners() + "sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN\nsasl.jaas.config=" +
                   std::string(plain_jaas) + "\n");
    const listener_sasl* s = c.sasl.find("SASL_PLAINTEXT");
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->mechanisms, (std::vector<std::string>{"SCRAM-SHA-512", "PLAIN"}));
    EXPECT_EQ(s->plain_users.at("admin"), "admin-secret");
}

TEST(SaslConfigTest, RefusesWhatCannotBeServed) {
    // Kafka's default mechanism list is GSSAPI: a SASL listener must choose.
    expect_rejected(listeners(), "sasl.enabled.mechanisms", "GSSAPI is not supported");
    expect_rejected(listeners() + "listener.name.sasl_plaintext.sasl.enabled.mechanisms=OAUTHBEARER\n",
                    "listener.name.sasl_plaintext.sasl.enabled.mechanisms", "OAUTHBEARER is not supported");
    expect_rejected(listeners() + "sasl.enabled.mechanisms=SCRAM-SHA-1\n", "sasl.enabled.mechanisms",
                    "Unknown SASL mechanism");
    expect_rejected(listeners() + "sasl.enabled.mechanisms=PLAIN\n",
                    "listener.name.sasl_plaintext.plain.sasl.jaas.config", "PLAIN");
    expect_rejected(listeners() + "sasl.enabled.mechanisms=PLAIN\n"
                                  "listener.name.sasl_plaintext.plain.sasl.jaas.config=Bad required a=b\n",
                    "listener.name.sasl_plaintext.plain.sasl.jaas.config", "missing ';'");
    expect_rejected(listeners() + "sasl.enabled.mechanisms=PLAIN\nlistener.name.sasl_plaintext.plain.sasl.jaas.config="
                                  "org.apache.kafka.common.security.scram.ScramLoginModule required;\n",
                    "listener.name.sasl_plaintext.plain.sasl.jaas.config", "PlainLoginModule");
    expect_rejected(listeners() + "sasl.enabled.mechanisms=SCRAM-SHA-256\ninter.broker.listener.name=SASL_PLAINTEXT\n"
                                  "sasl.mechanism.inter.broker.protocol=PLAIN\n",
                    "sasl.mechanism.inter.broker.protocol", "PLAIN");
    expect_rejected("connections.max.reauth.ms=soon\n", "connections.max.reauth.ms", "soon");
    // An inter-broker SASL listener needs this broker's own login.
    expect_rejected(listeners() + "sasl.enabled.mechanisms=SCRAM-SHA-256\ninter.broker.listener.name=sasl_plaintext\n"
                                  "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-256\n",
                    "listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config", "username and password");
}

TEST(SaslConfigTest, InterBrokerLogin) {
    auto c = parse(listeners() + "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512\n"
                                 "listener.name.sasl_plaintext.plain.sasl.jaas.config=" + std::string(plain_jaas) + "\n"
                                 "listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config="
                                 "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"broker\" "
                                 "password=\"b-secret\";\n"
                                 "inter.broker.listener.name=SASL_PLAINTEXT\n"
                                 "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512\n");
    ASSERT_TRUE(c.sasl.inter_broker_login);
    EXPECT_EQ(*c.sasl.inter_broker_login, (replication::sasl_login{"SCRAM-SHA-512", "broker", "b-secret"}));
    // The PLAINTEXT listener carries inter-broker traffic by default: no login.
    auto d = parse(listeners() + "sasl.enabled.mechanisms=SCRAM-SHA-512\n");
    EXPECT_FALSE(d.sasl.inter_broker_login);
}

}  // namespace
}  // namespace sluice::broker
