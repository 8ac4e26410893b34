// The per-connection SASL state machine: what is admitted before, during
// and after authentication, order errors, and KIP-368 re-authentication.
#include "broker/sasl/authenticator.h"

#include <gtest/gtest.h>

namespace sluice::broker::sasl {
namespace {

using namespace std::string_literals;
using protocol::error_code;
using clock = authenticator::clock;

constexpr int16_t produce = 0, metadata = 3, handshake = 17, api_versions = 18, authenticate = 36;

listener_sasl plain_listener() {
    listener_sasl s;
    s.mechanisms = {"PLAIN", "SCRAM-SHA-256"};
    s.plain_users = {{"alice", "pw"}, {"bob", "pw2"}};
    return s;
}

scram_lookup no_scram_users() {
    return [](const std::string&, scram_mechanism) { return std::optional<scram_credential>(); };
}

struct AuthenticatorTest : ::testing::Test {
    listener_sasl config = plain_listener();
    clock::time_point t0 = clock::now();
};

TEST_F(AuthenticatorTest, OnlySaslAndApiVersionsBeforeAuthentication) {
    authenticator a(config, 0, no_scram_users());
    EXPECT_TRUE(a.admits(api_versions, t0));
    EXPECT_TRUE(a.admits(handshake, t0));
    EXPECT_TRUE(a.admits(authenticate, t0));
    EXPECT_FALSE(a.admits(metadata, t0));
    EXPECT_FALSE(a.admits(produce, t0));
    EXPECT_FALSE(a.authenticated_once());
}

TEST_F(AuthenticatorTest, PlainSuccessSetsThePrincipalOnce) {
    authenticator a(config, 0, no_scram_users());
    auto h = a.handshake("PLAIN", 1, t0);
    EXPECT_EQ(h.error, error_code::none);
    EXPECT_EQ(h.mechanisms, config.mechanisms);
    EXPECT_FALSE(a.expects_raw_token());
    EXPECT_FALSE(a.admits(metadata, t0));
    auto r = a.authenticate("\0alice\0pw"s, t0);
    EXPECT_EQ(r.error, error_code::none);
    EXPECT_EQ(r.session_lifetime_ms, 0);
    EXPECT_EQ(a.take_new_principal(), "User:alice");
    EXPECT_EQ(a.take_new_principal(), std::nullopt);
    EXPECT_TRUE(a.admits(metadata, t0 + std::chrono::hours(24)));
    EXPECT_FALSE(a.must_close());
}

TEST_F(AuthenticatorTest, UnknownMechanismListsTheEnabledOnesAndCloses) {
    authenticator a(config, 0, no_scram_users());
    auto h = a.handshake("GSSAPI", 1, t0);
    EXPECT_EQ(h.error, error_code::unsupported_sasl_mechanism);
    EXPECT_EQ(h.mechanisms, config.mechanisms);
    EXPECT_TRUE(a.must_close());
}

TEST_F(AuthenticatorTest, AuthenticateBeforeHandshakeIsIllegal) {
    authenticator a(config, 0, no_scram_users());
    auto r = a.authenticate("\0alice\0pw"s, t0);
    EXPECT_EQ(r.error, error_code::illegal_sasl_state);
    EXPECT_TRUE(a.must_close());
}

TEST_F(AuthenticatorTest, SecondHandshakeMidExchangeIsIllegal) {
    authenticator a(config, 0, no_scram_users());
    ASSERT_EQ(a.handshake("SCRAM-SHA-256", 1, t0).error, error_code::none);
    ASSERT_EQ(a.authenticate("n,,n=alice,r=abc", t0).error, error_code::none);
    EXPECT_EQ(a.handshake("SCRAM-SHA-256", 1, t0).error, error_code::illegal_sasl_state);
    EXPECT_TRUE(a.must_close());
}

TEST_F(AuthenticatorTest, WrongPasswordFailsAndCloses) {
    authenticator a(config, 0, no_scram_users());
    a.handshake("PLAIN", 1, t0);
    auto r = a.authenticate("\0alice\0nope"s, t0);
    EXPECT_EQ(r.error, error_code::sasl_authentication_failed);
    ASSERT_TRUE(r.message);
    EXPECT_EQ(*r.message, "Authentication failed: Invalid username or password");
    EXPECT_TRUE(a.must_close());
    EXPECT_FALSE(a.admits(api_versions, t0));
}

TEST_F(AuthenticatorTest, V0HandshakeMeansRawTokens) {
    authenticator a(config, 0, no_scram_users());
    a.handshake("PLAIN", 0, t0);
    EXPECT_TRUE(a.expects_raw_token());
    EXPECT_EQ(a.authenticate("\0alice\0pw"s, t0).error, error_code::none);
    EXPECT_FALSE(a.expects_raw_token());
}

TEST_F(AuthenticatorTest, AfterAuthenticationSaslRequestsAreRefusedWithoutClosing) {
    authenticator a(config, 0, no_scram_users());
    a.handshake("PLAIN", 1, t0);
    a.authenticate("\0alice\0pw"s, t0);
    EXPECT_EQ(a.handshake("PLAIN", 1, t0).error, error_code::illegal_sasl_state);
    EXPECT_EQ(a.authenticate("\0alice\0pw"s, t0).error, error_code::illegal_sasl_state);
    EXPECT_FALSE(a.must_close());
    EXPECT_TRUE(a.admits(metadata, t0));
}

TEST_F(AuthenticatorTest, ReauthenticationRenewsTheSession) {
    authenticator a(config, 1000, no_scram_users());
    a.handshake("PLAIN", 1, t0);
    auto first = a.authenticate("\0alice\0pw"s, t0);
    EXPECT_EQ(first.session_lifetime_ms, 1000);
    a.take_new_principal();
    auto late = t0 + std::chrono::milliseconds(1500);
    EXPECT_TRUE(a.admits(metadata, t0 + std::chrono::milliseconds(999)));
    EXPECT_FALSE(a.admits(metadata, late));   // expired: only a handshake
    EXPECT_TRUE(a.admits(handshake, late));
    ASSERT_EQ(a.handshake("PLAIN", 1, late).error, error_code::none);
    EXPECT_FALSE(a.admits(metadata, late));   // still expired mid re-authentication
    EXPECT_TRUE(a.admits(authenticate, late));
    auto again = a.authenticate("\0alice\0pw"s, late);
    EXPECT_EQ(again.error, error_code::none);
    EXPECT_EQ(again.session_lifetime_ms, 1000);
    EXPECT_EQ(a.take_new_principal(), std::nullopt);  // same principal, same session
    EXPECT_TRUE(a.admits(metadata, late + std::chrono::milliseconds(500)));
}

TEST_F(AuthenticatorTest, PerMechanismLifetimeWins) {
    config.reauth_ms = {{"PLAIN", 300}};
    authenticator a(config, 1000, no_scram_users());
    a.handshake("PLAIN", 1, t0);
    EXPECT_EQ(a.authenticate("\0alice\0pw"s, t0).session_lifetime_ms, 300);
    EXPECT_FALSE(a.admits(metadata, t0 + std::chrono::milliseconds(301)));
}

TEST_F(AuthenticatorTest, ReauthenticationKeepsPrincipalAndMechanism) {
    authenticator a(config, 1000, no_scram_users());
    a.handshake("PLAIN", 1, t0);
    a.authenticate("\0alice\0pw"s, t0);
    ASSERT_EQ(a.handshake("PLAIN", 1, t0).error, error_code::none);
    auto r = a.authenticate("\0bob\0pw2"s, t0);
    EXPECT_EQ(r.error, error_code::sasl_authentication_failed);
    EXPECT_TRUE(a.must_close());

    authenticator b(config, 1000, no_scram_users());
    b.handshake("PLAIN", 1, t0);
    b.authenticate("\0alice\0pw"s, t0);
    EXPECT_NE(b.handshake("SCRAM-SHA-256", 1, t0).error, error_code::none);
    EXPECT_TRUE(b.must_close());
}

}  // namespace
}  // namespace sluice::broker::sasl
