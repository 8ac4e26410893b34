// ssl.principal.mapping.rules: Kafka's SslPrincipalMapperTest cases, one per
// rule shape, and the refusals it makes at startup.
#include "broker/net/ssl_principal_mapper.h"

#include <gtest/gtest.h>

#include "broker/config/config_error.h"

namespace sluice::broker {
namespace {

constexpr std::string_view prop = "ssl.principal.mapping.rules";

std::optional<std::string> map(std::string_view rules, const std::string& dn) {
    return ssl_principal_mapper::from_rules(prop, rules).name_of(dn);
}

TEST(SslPrincipalMapperTest, DefaultKeepsTheDistinguishedName) {
    EXPECT_EQ(map("DEFAULT", "CN=client,O=Org,C=US"), "CN=client,O=Org,C=US");
}

TEST(SslPrincipalMapperTest, RulesApplyInOrderWithCase) {
    std::string rules =
        "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L, "
        "RULE:^CN=(.*?),OU=(.*?),O=(.*?),L=(.*?),ST=(.*?),C=(.*?)$/$1@$2/L, "
        "RULE:^cn=(.*?),ou=(.*?),dc=(.*?),dc=(.*?)$/$1@$2/U, "
        "RULE:^.*[Cc][Nn]=([a-zA-Z0-9.]*).*$/$1/U, "
        "DEFAULT";
    EXPECT_EQ(map(rules, "CN=Duke,OU=ServiceUsers,O=Org,C=US"), "duke");
    EXPECT_EQ(map(rules, "CN=Duke,OU=SME,O=mycp,L=Fulton,ST=MD,C=US"), "duke@sme");
    EXPECT_EQ(map(rules, "cn=duke,ou=sme,dc=mycp,dc=com"), "DUKE@SME");
    EXPECT_EQ(map(rules, "cN=duke,OU=JavaSoft,O=Sun Microsystems"), "DUKE");
    EXPECT_EQ(map(rules, "OU=JavaSoft,O=Sun Microsystems,C=US"), "OU=JavaSoft,O=Sun Microsystems,C=US");
}

TEST(SslPrincipalMapperTest, EscapedCommaInsideAName) {
    EXPECT_EQ(map(R"(RULE:^CN=((\\, *|\w)+)(,.*|$)/$1/,DEFAULT)", R"(CN=Tkac\, Adam,OU=ITZ,DC=geodis,DC=cz)"),
              R"(Tkac\, Adam)");
}

TEST(SslPrincipalMapperTest, RuleWithoutCaseFlagKeepsCase) {
    EXPECT_EQ(map("RULE:^CN=([^,]*),.*$/$1/", "CN=Mixed.Case,O=x"), "Mixed.Case");
}

TEST(SslPrincipalMapperTest, NoMatchingRuleIsNoName) {
    EXPECT_EQ(map("RULE:^CN=(.*)$/$1/", "OU=only"), std::nullopt);
    EXPECT_EQ(map("", "CN=any"), std::nullopt);  // no rules at all
}

TEST(SslPrincipalMapperTest, InvalidRulesAreRefusedNamingTheProperty) {
    for (std::string_view bad :
         {"default", "DEFAUL", "DEFAULT/L", "DEFAULT/U", "RULE:/", "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1",
          "RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L/U", "RULE:^CN=(.*?),OU=ServiceUsers.*$/L",
          "RULE:^CN=(.*?),OU=ServiceUsers.*$/U", "RULE:^CN=(.*?),OU=ServiceUsers.*$/LU", "RULE:^CN=(.*?,OU=x$/$1/"}) {
        try {
            ssl_principal_mapper::from_rules(prop, bad);
            ADD_FAILURE() << "accepted " << bad;
        } catch (const config_error& e) {
            EXPECT_NE(std::string(e.what()).find(prop), std::string::npos) << e.what();
        }
    }
}

}  // namespace
}  // namespace sluice::broker
