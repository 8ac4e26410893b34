// `sluice query --where`: each operator spelling, operands read as JSON or
// as strings, and the refusals.
#include "tools/cli/query_where.h"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include "tools/cli/cli_error.h"

namespace sluice::tools {
namespace {

std::string where(std::initializer_list<std::string_view> conditions) {
    boost::json::object value;
    for (auto c : conditions)
        add_where(value, c);
    return boost::json::serialize(value);
}

TEST(query_where, operators) {
    EXPECT_EQ(where({"a>=10"}), R"({"a":{"gte":10}})");
    EXPECT_EQ(where({"a<=10"}), R"({"a":{"lte":10}})");
    EXPECT_EQ(where({"a>10"}), R"({"a":{"gt":10}})");
    EXPECT_EQ(where({"a<10"}), R"({"a":{"lt":10}})");
    EXPECT_EQ(where({"a=10"}), R"({"a":{"eq":10}})");
    EXPECT_EQ(where({"a==10"}), R"({"a":{"eq":10}})");
    EXPECT_EQ(where({"a!=10"}), R"({"a":{"ne":10}})");
}

TEST(query_where, operands) {
    EXPECT_EQ(where({"kind=deposit"}), R"({"kind":{"eq":"deposit"}})");
    EXPECT_EQ(where({"kind=\"10\""}), R"({"kind":{"eq":"10"}})");
    EXPECT_EQ(where({"x = 2.5"}), R"({"x":{"eq":2.5E0}})");
    EXPECT_EQ(where({"ok=true"}), R"({"ok":{"eq":true}})");
    EXPECT_EQ(where({"v=null"}), R"({"v":{"eq":null}})");
    EXPECT_EQ(where({"a.b>=1", "a.b<5"}), R"({"a.b":{"gte":1,"lt":5}})");
}

TEST(query_where, refusals) {
    boost::json::object value;
    EXPECT_THROW(add_where(value, "amount"), usage_error);
    EXPECT_THROW(add_where(value, ">=3"), usage_error);
    EXPECT_THROW(add_where(value, "a!3"), usage_error);
}

}  // namespace
}  // namespace sluice::tools
