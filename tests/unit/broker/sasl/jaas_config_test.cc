// The sasl.jaas.config parser: Kafka's documented forms, quoting and
// escapes, comments, and one case per syntax error (each names the property
// and never echoes a value).
#include "broker/config/jaas_config.h"

#include <gtest/gtest.h>

#include "broker/config/config_error.h"

namespace sluice::broker {
namespace {

TEST(JaasConfigTest, KafkasPlainExample) {
    auto e = parse_jaas_config(
        "p", R"(org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" )"
             R"(password="admin-secret" user_admin="admin-secret" user_alice="alice-secret";)");
    EXPECT_EQ(e.login_module, "org.apache.kafka.common.security.plain.PlainLoginModule");
    EXPECT_EQ(e.flag, "required");
    EXPECT_EQ(e.options.at("username"), "admin");
    EXPECT_EQ(e.options.at("user_alice"), "alice-secret");
    EXPECT_EQ(e.options.size(), 4u);
}

TEST(JaasConfigTest, QuotesEscapesBareWordsAndComments) {
    auto e = parse_jaas_config("p", "  M optional /* c */ a=bare b=\"sp ace;=\" c=\"q\\\"uote\\\\\" // end\n"
                                    " d=\"tab\\there\" ;  ");
    EXPECT_EQ(e.flag, "optional");
    EXPECT_EQ(e.options.at("a"), "bare");
    EXPECT_EQ(e.options.at("b"), "sp ace;=");
    EXPECT_EQ(e.options.at("c"), "q\"uote\\");
    EXPECT_EQ(e.options.at("d"), "tab\there");
    EXPECT_EQ(parse_jaas_config("p", "M required;").options.size(), 0u);
    EXPECT_EQ(parse_jaas_config("p", "M required e=\"\";").options.at("e"), "");
}

TEST(JaasConfigTest, BadSyntaxNamesThePropertyNotTheValue) {
    for (std::string_view bad : {"", "   ", "M", "M required", "M required a=\"x\"", "M sometimes a=b;",
                                 "M required a b;", "M required a=;", "M required =b;", "M required a=\"unterminated;",
                                 "M required a=b; N required;", "M required a=b; extra", "\"M\" required;",
                                 "M required /* open", "M required a=b!;"}) {
        try {
            parse_jaas_config("listener.name.x.plain.sasl.jaas.config", bad);
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const config_error& e) {
            std::string what = e.what();
            EXPECT_NE(what.find("listener.name.x.plain.sasl.jaas.config"), std::string::npos) << what;
        }
    }
    try {
        parse_jaas_config("p", "M required password=\"hunter2\"");
        ADD_FAILURE();
    } catch (const config_error& e) {
        EXPECT_EQ(std::string(e.what()).find("hunter2"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace sluice::broker
