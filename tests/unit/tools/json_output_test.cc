// --json rendering: keys from the text headers, numbers stay numbers, "-"
// becomes null, list columns become arrays, and the output is valid JSON
// for any cell content.
#include "tools/cli/json_output.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sluice::tools {
namespace {

TEST(json_output, keys_from_headers) {
    EXPECT_EQ(json_key("LOG-END-OFFSET"), "log_end_offset");
    EXPECT_EQ(json_key("#MEMBERS"), "members");
    EXPECT_EQ(json_key("COORDINATOR (ID)"), "coordinator_id");
    EXPECT_EQ(json_key("HOST:PORT"), "host_port");
    EXPECT_EQ(json_key("READ_ONLY"), "read_only");
}

TEST(json_output, cells) {
    EXPECT_EQ(json_cell("42"), boost::json::value(42));
    EXPECT_EQ(json_cell("-7"), boost::json::value(-7));
    EXPECT_EQ(json_cell("0"), boost::json::value(0));
    EXPECT_TRUE(json_cell("-").is_null());
    // Not canonical integers: kept as text so nothing is lost.
    EXPECT_EQ(json_cell("007"), boost::json::value("007"));
    EXPECT_EQ(json_cell("+1"), boost::json::value("+1"));
    EXPECT_EQ(json_cell("99999999999999999999"), boost::json::value("99999999999999999999"));
    EXPECT_EQ(json_cell("consumer-1"), boost::json::value("consumer-1"));
}

TEST(json_output, rows_and_lists) {
    table t({"TOPIC", "PARTITION", "REPLICAS", "LAG", "VALUE", "READ_ONLY"});
    t.set_json_kind("REPLICAS", table::json_kind::list);
    t.set_json_kind("VALUE", table::json_kind::text);
    t.set_json_kind("READ_ONLY", table::json_kind::flag);
    t.add_row({"demo", "0", "0,1,2", "-", "60000", "true"});
    t.add_row({"demo", "1", "", "5", "compact", "false"});
    t.add_row({"true", "2", "3"});  // a short row: the missing cells are null
    auto rows = json_rows(t);
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(boost::json::serialize(rows[0]),
              R"({"topic":"demo","partition":0,"replicas":[0,1,2],"lag":null,"value":"60000","read_only":true})");
    EXPECT_EQ(boost::json::serialize(rows[1]),
              R"({"topic":"demo","partition":1,"replicas":[],"lag":5,"value":"compact","read_only":false})");
    EXPECT_EQ(boost::json::serialize(rows[2]),
              R"({"topic":"true","partition":2,"replicas":[3],"lag":null,"value":null,"read_only":null})");
}

TEST(json_output, escapes_anything_and_parses_back) {
    table t({"NAME"});
    std::string nasty = "quote\" backslash\\ newline\n tab\t ctrl\x01 <script>";
    t.add_row({nasty});
    std::ostringstream out;
    print_json(out, boost::json::object{{"rows", json_rows(t)}});
    std::string text = out.str();
    ASSERT_FALSE(text.empty());
    EXPECT_EQ(text.back(), '\n');
    EXPECT_EQ(text.find('\n'), text.size() - 1);  // one line
    auto parsed = boost::json::parse(text);
    EXPECT_EQ(parsed.at("rows").at(0).at("name").as_string(), nasty);
}

TEST(json_output, error_document) {
    auto e = json_error("GROUP_ID_NOT_FOUND", 69, "Consumer group 'g' does not exist.");
    EXPECT_EQ(boost::json::serialize(e),
              R"({"error":"GROUP_ID_NOT_FOUND","code":69,"message":"Consumer group 'g' does not exist."})");
    EXPECT_TRUE(json_error("USAGE_ERROR", std::nullopt, "x").at("code").is_null());
}

}  // namespace
}  // namespace sluice::tools
