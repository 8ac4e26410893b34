// The inter-broker SASL client: PLAIN's one token, and a SCRAM exchange
// checked against RFC 7677's SHA-256 example (client side), including a
// server signature that does not match.
#include "replication/sasl_client.h"

#include <gtest/gtest.h>

namespace sluice::replication {
namespace {

using namespace std::string_literals;

TEST(SaslClientTest, PlainIsOneToken) {
    sasl_client c({"PLAIN", "broker", "secret"});
    auto first = c.start();
    ASSERT_TRUE(first.token);
    EXPECT_EQ(*first.token, "\0broker\0secret"s);
    auto done = c.step("");
    EXPECT_FALSE(done.token);
    EXPECT_FALSE(done.error);
}

TEST(SaslClientTest, Rfc7677ClientSide) {
    sasl_client c({"SCRAM-SHA-256", "user", "pencil"});
    c.set_nonce("rOprNGfwEbeRWgbNEkqO");
    EXPECT_EQ(*c.start().token, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO");
    auto final_message =
        c.step("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    ASSERT_TRUE(final_message.token) << final_message.error.value_or("");
    EXPECT_EQ(*final_message.token,
              "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
              "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    auto done = c.step("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    EXPECT_FALSE(done.token);
    EXPECT_FALSE(done.error);
}

TEST(SaslClientTest, RefusesAForgedServer) {
    sasl_client c({"SCRAM-SHA-256", "user", "pencil"});
    c.set_nonce("rOprNGfwEbeRWgbNEkqO");
    c.start();
    c.step("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    EXPECT_TRUE(c.step("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=").error);

    sasl_client other({"SCRAM-SHA-256", "user", "pencil"});
    other.set_nonce("abc");
    other.start();
    EXPECT_TRUE(other.step("r=xyz123,s=c2FsdA==,i=4096").error);  // nonce not ours
    sasl_client bad({"SCRAM-SHA-256", "user", "pencil"});
    bad.start();
    EXPECT_TRUE(bad.step("garbage").error);
    EXPECT_TRUE(sasl_client({"GSSAPI", "u", "p"}).start().error);
}

}  // namespace
}  // namespace sluice::replication
