// SASL/PLAIN token parsing (authzid, empty fields, extra NULs) and checks
// against the configured users, as Kafka's PlainSaslServer.
#include "broker/sasl/plain.h"

#include <gtest/gtest.h>

namespace sluice::broker::sasl {
namespace {

using namespace std::string_literals;

TEST(PlainTest, ParsesTheThreeFields) {
    std::string error;
    auto t = parse_plain_token("\0alice\0secret"s, error);
    ASSERT_TRUE(t) << error;
    EXPECT_EQ(t->authzid, "");
    EXPECT_EQ(t->username, "alice");
    EXPECT_EQ(t->password, "secret");
    t = parse_plain_token("alice\0alice\0secret"s, error);
    ASSERT_TRUE(t) << error;
    EXPECT_EQ(t->authzid, "alice");
}

TEST(PlainTest, RefusesMalformedTokens) {
    struct bad_case {
        std::string token;
        std::string message;
    };
    for (const auto& c : std::vector<bad_case>{
             {"", "expected 3 tokens, got 1"},
             {"alice"s, "expected 3 tokens, got 1"},
             {"\0alice"s, "expected 3 tokens, got 2"},
             {"\0alice\0secret\0"s, "expected 3 tokens, got 4"},
             {"\0alice\0se\0cret\0x"s, "expected 3 tokens, got 4"},
             {"\0\0secret"s, "username not specified"},
             {"\0alice\0"s, "password not specified"},
             {"bob\0alice\0secret"s, "authorization id that is different"},
         }) {
        std::string error;
        EXPECT_FALSE(parse_plain_token(c.token, error)) << c.message;
        EXPECT_NE(error.find(c.message), std::string::npos) << error;
    }
}

TEST(PlainTest, ChecksUsersWithoutSayingWhichPartWasWrong) {
    std::map<std::string, std::string> users{{"alice", "alice-secret"}, {"admin", "admin-secret"}};
    auto run = [&](std::string token) {
        plain_server s(users);
        return s.evaluate(token);
    };
    step ok = run("\0alice\0alice-secret"s);
    ASSERT_EQ(ok.what, step::outcome::success);
    EXPECT_EQ(ok.username, "alice");
    EXPECT_EQ(ok.token, "");
    step wrong_password = run("\0alice\0admin-secret"s);
    step unknown_user = run("\0mallory\0alice-secret"s);
    ASSERT_EQ(wrong_password.what, step::outcome::failure);
    ASSERT_EQ(unknown_user.what, step::outcome::failure);
    EXPECT_EQ(wrong_password.message, unknown_user.message);
    EXPECT_EQ(run("\0alice\0alice-secreT"s).what, step::outcome::failure);
    EXPECT_EQ(run("\0alice\0alice-secret-longer"s).what, step::outcome::failure);
}

TEST(PlainTest, OneMessageOnly) {
    std::map<std::string, std::string> users{{"alice", "pw"}};
    plain_server s(users);
    ASSERT_EQ(s.evaluate("\0alice\0pw"s).what, step::outcome::success);
    EXPECT_EQ(s.evaluate("\0alice\0pw"s).what, step::outcome::failure);
}

}  // namespace
}  // namespace sluice::broker::sasl
