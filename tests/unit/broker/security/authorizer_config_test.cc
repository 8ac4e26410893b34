// authorizer.class.name, super.users and allow.everyone.if.no.acl.found as
// Kafka reads them; anything else fails startup naming the property.
#include <gtest/gtest.h>

#include <string>

#include "broker/config/broker_config.h"
#include "broker/config/config_error.h"

namespace sluice::broker {
namespace {

broker_config with(std::vector<std::string> overrides) { return broker_config::load(std::nullopt, overrides); }

TEST(AuthorizerConfig, OffByDefault) {
    auto c = with({});
    EXPECT_FALSE(c.authorizer_enabled);
    EXPECT_TRUE(c.super_users.empty());
    EXPECT_FALSE(c.allow_everyone_if_no_acl_found);
    EXPECT_FALSE(with({"authorizer.class.name="}).authorizer_enabled);
}

TEST(AuthorizerConfig, KafkasAuthorizersSwitchItOn) {
    EXPECT_TRUE(
        with({"authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer"}).authorizer_enabled);
    EXPECT_TRUE(with({"authorizer.class.name=kafka.security.authorizer.AclAuthorizer"}).authorizer_enabled);
}

TEST(AuthorizerConfig, AnyOtherClassFailsStartupNamingTheProperty) {
    try {
        with({"authorizer.class.name=com.example.MyAuthorizer"});
        FAIL() << "accepted an unknown authorizer";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("authorizer.class.name"), std::string::npos) << e.what();
    }
}

TEST(AuthorizerConfig, SuperUsersAreASemicolonList) {
    auto c = with({"super.users=User:alice; User:bob ;;User:CN=broker,O=example"});
    EXPECT_EQ(c.super_users, (std::vector<std::string>{"User:alice", "User:bob", "User:CN=broker,O=example"}));
    EXPECT_THROW(with({"super.users=alice"}), config_error);
}

TEST(AuthorizerConfig, AllowEveryoneIsABoolean) {
    EXPECT_TRUE(with({"allow.everyone.if.no.acl.found=true"}).allow_everyone_if_no_acl_found);
    EXPECT_THROW(with({"allow.everyone.if.no.acl.found=maybe"}), config_error);
}

}  // namespace
}  // namespace sluice::broker
