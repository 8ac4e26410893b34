// The registry's HTTP Basic credentials: the header's parsing and the
// password check against a SCRAM credential.
#include "broker/schema_registry/basic_auth.h"

#include <gtest/gtest.h>

#include "replication/etcd/base64.h"

namespace sluice::broker::schema_registry {
namespace {

using protocol::scram::scram_mechanism;

std::string basic(std::string_view user_and_password) {
    return "Basic " + replication::etcd::base64_encode(user_and_password);
}

TEST(BasicAuth, ParsesTheHeader) {
    auto c = parse_basic_authorization(basic("alice:s3cret:with:colons"));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->user, "alice");
    EXPECT_EQ(c->password, "s3cret:with:colons");  // only the first colon splits
    auto lower = parse_basic_authorization("basic  " + replication::etcd::base64_encode("bob:") + " ");
    ASSERT_TRUE(lower);
    EXPECT_EQ(lower->user, "bob");
    EXPECT_EQ(lower->password, "");
}

TEST(BasicAuth, RefusesAnythingElse) {
    for (const std::string& bad : {std::string(""), std::string("Basic"), std::string("Basic "),
                                   std::string("Bearer abc"), std::string("Basic !!!not-base64"), basic("no-colon"),
                                   basic(":password-without-user"), std::string("Basicx YTpi")}) {
        EXPECT_FALSE(parse_basic_authorization(bad)) << bad;
    }
}

TEST(BasicAuth, PasswordMatchesOnlyItsOwnCredential) {
    for (auto m : {scram_mechanism::sha_256, scram_mechanism::sha_512}) {
        const std::string salt = "0123456789abcdef";
        auto credential = protocol::scram::scram_credential_from_salted(
            m, protocol::scram::scram_hi(m, "right", salt, 4096), salt, 4096);
        EXPECT_TRUE(password_matches(m, credential, "right"));
        EXPECT_FALSE(password_matches(m, credential, "wrong"));
        EXPECT_FALSE(password_matches(m, credential, ""));
        auto other = m == scram_mechanism::sha_256 ? scram_mechanism::sha_512 : scram_mechanism::sha_256;
        EXPECT_FALSE(password_matches(other, credential, "right"));
    }
}

}  // namespace
}  // namespace sluice::broker::schema_registry
