// TLS listener settings: Kafka's ssl.* properties and their
// listener.name.<listener>.ssl.* overrides, and each way a key store, trust
// store or setting is refused at startup (the message names the property).
#include <gtest/gtest.h>

#include <fstream>

#include "broker/config/broker_config.h"
#include "broker/config/config_error.h"
#include "broker/net/tls_context.h"
#include "tests/unit/broker/test_certificates.h"
#include "tests/unit/temp_dir.h"

namespace sluice::broker {
namespace {

class TlsConfigTest : public ::testing::Test {
protected:
    void SetUp() override {
        pair_ = testing::self_signed({{"CN", "localhost"}});
        encrypted_ = testing::self_signed({{"CN", "localhost"}}, "s3cret");
        keystore_ = write("server.pem", pair_.key + pair_.certificate);
        encrypted_keystore_ = write("encrypted.pem", encrypted_.key + encrypted_.certificate);
        truststore_ = write("ca.pem", pair_.certificate);
    }

    std::string write(const std::string& name, const std::string& text) {
        auto path = dir_.path() / name;
        std::ofstream(path) << text;
        return path.string();
    }

    broker_config parse(std::vector<std::pair<std::string, std::string>> extra) {
        property_list props{{"listeners", "PLAINTEXT://:0,SSL://:0"}};
        for (auto& kv : extra)
            props.push_back(std::move(kv));
        return broker_config::from_properties(props);
    }

    // Parses and builds the TLS contexts; expects a config_error naming `property`.
    void expect_refused(std::vector<std::pair<std::string, std::string>> extra, std::string_view property) {
        try {
            make_tls_contexts(parse(std::move(extra)));
            ADD_FAILURE() << "accepted";
        } catch (const config_error& e) {
            EXPECT_NE(std::string(e.what()).find(property), std::string::npos) << e.what();
        }
    }

    testing::temp_dir dir_;
    testing::pem_pair pair_, encrypted_;
    std::string keystore_, encrypted_keystore_, truststore_;
};

TEST_F(TlsConfigTest, PlaintextOnlyNeedsNoTlsSettings) {
    auto c = broker_config::from_properties({{"listeners", "PLAINTEXT://:0"}});
    EXPECT_TRUE(make_tls_contexts(c).empty());
}

TEST_F(TlsConfigTest, KeystoreFileWithDefaults) {
    auto c = parse({{"ssl.keystore.type", "PEM"}, {"ssl.keystore.location", keystore_}});
    ssl_config s = listener_ssl_config(c, "SSL");
    EXPECT_EQ(s.client_auth, "none");
    EXPECT_EQ(s.enabled_protocols, (std::vector<std::string>{"TLSv1.2", "TLSv1.3"}));
    EXPECT_EQ(s.principal_mapping_rules, "DEFAULT");
    auto contexts = make_tls_contexts(c);
    ASSERT_TRUE(contexts.contains("SSL"));
    EXPECT_FALSE(contexts.at("SSL")->wants_client_certificate);
}

TEST_F(TlsConfigTest, ListenerOverrideWinsKeyByKey) {
    auto c = parse({{"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL:SSL,INTERNAL:SSL"},
                    {"listeners", "PLAINTEXT://:0,SSL://:0,INTERNAL://:0"},
                    {"ssl.keystore.type", "PEM"},
                    {"ssl.keystore.location", keystore_},
                    {"ssl.client.auth", "requested"},
                    {"listener.name.internal.ssl.client.auth", "required"},
                    {"listener.name.internal.ssl.truststore.type", "PEM"},
                    {"listener.name.internal.ssl.truststore.location", truststore_}});
    EXPECT_EQ(listener_ssl_config(c, "SSL").client_auth, "requested");
    EXPECT_EQ(listener_ssl_config(c, "INTERNAL").client_auth, "required");
    EXPECT_EQ(listener_ssl_config(c, "INTERNAL").keystore_location, keystore_);
    EXPECT_EQ(listener_ssl_config(c, "SSL").truststore_location, std::nullopt);
    EXPECT_EQ(listener_ssl_config(c, "INTERNAL").property_name("ssl.client.auth"),
              "listener.name.internal.ssl.client.auth");
    EXPECT_EQ(listener_ssl_config(c, "SSL").property_name("ssl.client.auth"), "ssl.client.auth");
    auto contexts = make_tls_contexts(c);
    EXPECT_TRUE(contexts.at("INTERNAL")->wants_client_certificate);
}

TEST_F(TlsConfigTest, SaslSslTakesOnlyTheListenerClientAuth) {
    auto c = parse({{"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_SSL:SASL_SSL,MTLS:SASL_SSL"},
                    {"listeners", "PLAINTEXT://:0,SSL://:0,SASL_SSL://:0,MTLS://:0"},
                    {"ssl.keystore.type", "PEM"},
                    {"ssl.keystore.location", keystore_},
                    {"ssl.client.auth", "required"},
                    {"listener.name.mtls.ssl.client.auth", "requested"},
                    // SASL listeners need a mechanism Sluice offers.
                    {"sasl.enabled.mechanisms", "SCRAM-SHA-256"}});
    EXPECT_EQ(listener_ssl_config(c, "SSL").client_auth, "required");
    EXPECT_EQ(listener_ssl_config(c, "SASL_SSL").client_auth, "none");
    EXPECT_EQ(listener_ssl_config(c, "MTLS").client_auth, "requested");
    auto contexts = make_tls_contexts(c);
    EXPECT_EQ(contexts.size(), 3u);
    EXPECT_FALSE(contexts.at("SASL_SSL")->wants_client_certificate);
}

TEST_F(TlsConfigTest, PemTextInPropertiesEvenWithJoinedLines) {
    auto joined = [](std::string pem) {
        for (auto& ch : pem) {
            if (ch == '\n') ch = ' ';
        }
        return pem;
    };
    auto c = parse({{"ssl.keystore.type", "PEM"},
                    {"ssl.keystore.certificate.chain", joined(encrypted_.certificate)},
                    {"ssl.keystore.key", joined(encrypted_.key)},
                    {"ssl.key.password", "s3cret"},
                    {"ssl.truststore.type", "PEM"},
                    {"ssl.truststore.certificates", joined(pair_.certificate)}});
    EXPECT_NO_THROW(make_tls_contexts(c));
}

TEST_F(TlsConfigTest, EncryptedKeyFile) {
    EXPECT_NO_THROW(make_tls_contexts(parse({{"ssl.keystore.type", "PEM"},
                                             {"ssl.keystore.location", encrypted_keystore_},
                                             {"ssl.key.password", "s3cret"}})));
    expect_refused({{"ssl.keystore.type", "PEM"}, {"ssl.keystore.location", encrypted_keystore_}}, "ssl.key.password");
    expect_refused(
        {{"ssl.keystore.type", "PEM"}, {"ssl.keystore.location", encrypted_keystore_}, {"ssl.key.password", "wrong"}},
        "ssl.key.password");
}

TEST_F(TlsConfigTest, RefusedKeyStores) {
    expect_refused({}, "ssl.keystore.location");                                  // TLS listener without a key store
    expect_refused({{"ssl.keystore.location", keystore_}}, "ssl.keystore.type");  // JKS by default
    expect_refused({{"ssl.keystore.type", "PEM"}, {"ssl.keystore.location", dir_.path().string() + "/missing.pem"}},
                   "ssl.keystore.location");
    expect_refused({{"ssl.keystore.type", "PEM"}, {"ssl.keystore.location", truststore_}},  // no key in it
                   "ssl.keystore.location");
    expect_refused({{"ssl.keystore.type", "PEM"}, {"ssl.keystore.location", write("junk.pem", "not a pem")}},
                   "ssl.keystore.location");
    expect_refused({{"ssl.keystore.type", "PEM"}, {"ssl.keystore.location", keystore_}, {"ssl.keystore.password", "x"}},
                   "ssl.keystore.password");
    expect_refused({{"ssl.keystore.type", "PEM"}, {"ssl.keystore.certificate.chain", pair_.certificate}},
                   "ssl.keystore.key");
    expect_refused({{"ssl.keystore.type", "PEM"},
                    {"ssl.keystore.location", keystore_},
                    {"ssl.keystore.certificate.chain", pair_.certificate},
                    {"ssl.keystore.key", pair_.key}},
                   "ssl.keystore.location");
    // A key that is not the certificate's.
    expect_refused({{"ssl.keystore.type", "PEM"},
                    {"ssl.keystore.certificate.chain", pair_.certificate},
                    {"ssl.keystore.key", testing::self_signed({{"CN", "other"}}).key}},
                   "ssl.keystore.key");
}

TEST_F(TlsConfigTest, RefusedTrustStores) {
    std::vector<std::pair<std::string, std::string>> ks{{"ssl.keystore.type", "PEM"},
                                                        {"ssl.keystore.location", keystore_}};
    auto with = [&](std::vector<std::pair<std::string, std::string>> more) {
        auto all = ks;
        all.insert(all.end(), more.begin(), more.end());
        return all;
    };
    expect_refused(with({{"ssl.truststore.location", truststore_}}), "ssl.truststore.type");
    expect_refused(with({{"ssl.truststore.type", "PEM"}, {"ssl.truststore.location", "/nonexistent/ca.pem"}}),
                   "ssl.truststore.location");
    expect_refused(with({{"ssl.truststore.type", "PEM"}, {"ssl.truststore.certificates", "garbage"}}),
                   "ssl.truststore.certificates");
    expect_refused(with({{"ssl.truststore.type", "PEM"},
                         {"ssl.truststore.location", truststore_},
                         {"ssl.truststore.password", "x"}}),
                   "ssl.truststore.password");
}

TEST_F(TlsConfigTest, RefusedSettings) {
    std::vector<std::pair<std::string, std::string>> ks{{"ssl.keystore.type", "PEM"},
                                                        {"ssl.keystore.location", keystore_}};
    auto with = [&](std::string k, std::string v) {
        auto all = ks;
        all.emplace_back(std::move(k), std::move(v));
        return all;
    };
    expect_refused(with("ssl.client.auth", "always"), "ssl.client.auth");
    expect_refused(with("listener.name.ssl.ssl.client.auth", "always"), "listener.name.ssl.ssl.client.auth");
    expect_refused(with("ssl.enabled.protocols", "TLSv1.2,SSLv2"), "ssl.enabled.protocols");
    expect_refused(with("ssl.enabled.protocols", ""), "ssl.enabled.protocols");
    expect_refused(with("ssl.cipher.suites", "ECDHE-RSA-AES128-GCM-SHA256"), "ssl.cipher.suites");  // OpenSSL's name
    expect_refused(with("ssl.principal.mapping.rules", "RULE:x"), "ssl.principal.mapping.rules");
    expect_refused(with("listener.name.ssl.ssl.principal.mapping.rules", "nope"),
                   "listener.name.ssl.ssl.principal.mapping.rules");
    expect_refused(with("sluice.ssl.handshake.timeout.ms", "0"), "sluice.ssl.handshake.timeout.ms");
}

TEST_F(TlsConfigTest, CipherSuitesByIanaName) {
    auto c = parse({{"ssl.keystore.type", "PEM"},
                    {"ssl.keystore.location", keystore_},
                    {"ssl.cipher.suites", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384"}});
    EXPECT_NO_THROW(make_tls_contexts(c));
}

TEST_F(TlsConfigTest, InterBrokerListener) {
    auto plain = inter_broker_settings(parse({{"ssl.keystore.type", "PEM"}, {"ssl.keystore.location", keystore_}}));
    EXPECT_EQ(plain.listener, "PLAINTEXT");
    EXPECT_EQ(plain.tls, nullptr);

    auto tls = inter_broker_settings(parse(
        {{"ssl.keystore.type", "PEM"}, {"ssl.keystore.location", keystore_}, {"inter.broker.listener.name", "ssl"}}));
    EXPECT_EQ(tls.listener, "SSL");
    EXPECT_NE(tls.tls, nullptr);
    EXPECT_TRUE(tls.verify_host);

    auto by_protocol = inter_broker_settings(parse({{"ssl.keystore.type", "PEM"},
                                                    {"ssl.keystore.location", keystore_},
                                                    {"security.inter.broker.protocol", "SSL"},
                                                    {"ssl.endpoint.identification.algorithm", ""}}));
    EXPECT_EQ(by_protocol.listener, "SSL");
    EXPECT_FALSE(by_protocol.verify_host);

    auto refused = [&](std::vector<std::pair<std::string, std::string>> extra, std::string_view named) {
        extra.emplace_back("ssl.keystore.type", "PEM");
        extra.emplace_back("ssl.keystore.location", keystore_);
        try {
            inter_broker_settings(parse(std::move(extra)));
            ADD_FAILURE() << "accepted";
        } catch (const config_error& e) {
            EXPECT_NE(std::string(e.what()).find(named), std::string::npos) << e.what();
        }
    };
    refused({{"inter.broker.listener.name", "INTERNAL"}}, "inter.broker.listener.name");
    refused({{"inter.broker.listener.name", "SSL"}, {"security.inter.broker.protocol", "SSL"}},
            "security.inter.broker.protocol");
    refused({{"security.inter.broker.protocol", "SASL_SSL"}}, "security.inter.broker.protocol");
    // Neither set and no PLAINTEXT listener: Kafka refuses to start too.
    refused({{"listeners", "SSL://127.0.0.1:9093"}}, "inter.broker.listener.name");
    auto only_ssl = inter_broker_settings(parse({{"ssl.keystore.type", "PEM"},
                                                 {"ssl.keystore.location", keystore_},
                                                 {"listeners", "SSL://127.0.0.1:9093"},
                                                 {"inter.broker.listener.name", "SSL"}}));
    EXPECT_EQ(only_ssl.listener, "SSL");
}

TEST_F(TlsConfigTest, PemNormalisation) {
    EXPECT_EQ(normalize_pem("junk -----BEGIN X----- QUJD REVG -----END X----- tail"),
              "-----BEGIN X-----\nQUJDREVG\n-----END X-----\n");
    EXPECT_EQ(normalize_pem("no pem here"), "");
}

}  // namespace
}  // namespace sluice::broker
