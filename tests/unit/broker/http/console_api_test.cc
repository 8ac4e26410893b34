// The console API's pure parts: target parsing, parameters, statuses,
// error bodies, the bytes encoding and the path -> operation table.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "broker/http/console/api.h"
#include "broker/http/console/api_support.h"
#include "broker/http/console/assets.h"
#include "broker/http/console/records.h"

namespace sluice::broker::http::console {
namespace {

namespace json = boost::json;
using protocol::error_code;

std::vector<std::string> segments(std::string_view target) {
    std::string error;
    auto t = parse_api_target(target, error);
    EXPECT_TRUE(t) << target << ": " << error;
    return t ? t->segments : std::vector<std::string>{};
}

bool refused(std::string_view target) {
    std::string error;
    return !parse_api_target(target, error) && !error.empty();
}

TEST(ConsoleTargetTest, SegmentsArePercentDecodedOneByOne) {
    EXPECT_EQ(segments("/api/v1/topics"), (std::vector<std::string>{"topics"}));
    EXPECT_EQ(segments("/api/v1/topics/"), (std::vector<std::string>{"topics"}));
    EXPECT_EQ(segments("/api/v1/topics/a.b-c_d"), (std::vector<std::string>{"topics", "a.b-c_d"}));
    // An encoded '/' stays inside its segment: one name, never two.
    EXPECT_EQ(segments("/api/v1/topics/..%2F..%2Fmetrics"), (std::vector<std::string>{"topics", "../../metrics"}));
    EXPECT_EQ(segments("/api/v1/topics/%2e%2E"), (std::vector<std::string>{"topics", ".."}));
    EXPECT_EQ(segments("/api/v1/topics/a+b"), (std::vector<std::string>{"topics", "a+b"}));
    EXPECT_EQ(segments("/api/v1/groups/%E2%9C%93"), (std::vector<std::string>{"groups", "\xE2\x9C\x93"}));
}

TEST(ConsoleTargetTest, MalformedTargetsAreRefused) {
    for (const char* t : {"/api/v1/", "/api/v1", "/api/v2/topics", "/metrics", "/api/v1/topics//x", "/api/v1//",
                          "/api/v1/topics/%", "/api/v1/topics/%2", "/api/v1/topics/%zz", "/api/v1/topics/%g0",
                          "/api/v1/topics?a=%", "/api/v1/topics?a=1&a=2"}) {
        EXPECT_TRUE(refused(t)) << t;
    }
}

TEST(ConsoleTargetTest, QueryParameters) {
    std::string error;
    auto t = parse_api_target("/api/v1/x?offset=5&&name=a+b%26c&flag", error);
    ASSERT_TRUE(t) << error;
    EXPECT_EQ(t->query.at("offset"), "5");
    EXPECT_EQ(t->query.at("name"), "a b&c");
    EXPECT_EQ(t->query.at("flag"), "");
    EXPECT_EQ(t->query.size(), 3u);
}

TEST(ConsoleTargetTest, Integers) {
    EXPECT_EQ(parse_int("0", 0, 10), 0);
    EXPECT_EQ(parse_int("10", 0, 10), 10);
    EXPECT_EQ(parse_int("-3", -5, 10), -3);
    EXPECT_EQ(parse_int("9223372036854775807", 0, INT64_MAX), INT64_MAX);
    for (const char* bad : {"", "11", "-1", "1x", "x1", "+1", " 1", "1 ", "0x10", "9223372036854775808", "1.0"}) {
        EXPECT_FALSE(parse_int(bad, 0, 10)) << bad;
    }
}

TEST(ConsoleErrorTest, StatusesFitTheKafkaError) {
    EXPECT_EQ(http_status_of(error_code::unknown_topic_or_partition), 404u);
    EXPECT_EQ(http_status_of(error_code::group_id_not_found), 404u);
    EXPECT_EQ(http_status_of(error_code::topic_already_exists), 409u);
    EXPECT_EQ(http_status_of(error_code::non_empty_group), 409u);
    EXPECT_EQ(http_status_of(error_code::offset_out_of_range), 416u);
    EXPECT_EQ(http_status_of(error_code::not_leader_or_follower), 421u);
    EXPECT_EQ(http_status_of(error_code::not_coordinator), 421u);
    EXPECT_EQ(http_status_of(error_code::topic_deletion_disabled), 403u);
    EXPECT_EQ(http_status_of(error_code::cluster_authorization_failed), 403u);
    EXPECT_EQ(http_status_of(error_code::coordinator_load_in_progress), 503u);
    EXPECT_EQ(http_status_of(error_code::request_timed_out), 504u);
    EXPECT_EQ(http_status_of(error_code::kafka_storage_error), 500u);
    for (auto e : {error_code::invalid_topic_exception, error_code::invalid_partitions, error_code::invalid_config,
                   error_code::invalid_replication_factor, error_code::invalid_request, error_code::invalid_group_id}) {
        EXPECT_EQ(http_status_of(e), 400u) << protocol::error_name(e);
    }
}

TEST(ConsoleErrorTest, BodyNamesTheKafkaError) {
    answer a = api_error(error_code::unknown_topic_or_partition, "Topic \"x\" does not exist.");
    EXPECT_EQ(a.status, 404u);
    EXPECT_EQ(a.content_type, "application/json");
    json::value v = json::parse(a.body);
    EXPECT_EQ(v.at("error").as_string(), "UNKNOWN_TOPIC_OR_PARTITION");
    EXPECT_EQ(v.at("message").as_string(), "Topic \"x\" does not exist.");
    answer m = method_not_allowed("GET, POST");
    EXPECT_EQ(m.status, 405u);
    EXPECT_EQ(m.allow, "GET, POST");
    EXPECT_EQ(json::parse(m.body).at("error").as_string(), "INVALID_REQUEST");
}

TEST(ConsoleBytesTest, Utf8) {
    EXPECT_TRUE(valid_utf8(""));
    EXPECT_TRUE(valid_utf8("plain <script>"));
    EXPECT_TRUE(valid_utf8("\xC3\xA9\xE2\x9C\x93\xF0\x9F\x98\x80"));
    for (std::string_view bad : {std::string_view("\xFF"), std::string_view("\xC3"), std::string_view("\xE2\x9C"),
                                 std::string_view("\xC0\xAF"),          // overlong '/'
                                 std::string_view("\xED\xA0\x80"),      // a surrogate
                                 std::string_view("\xF4\x90\x80\x80"),  // past U+10FFFF
                                 std::string_view("a\x80"), std::string_view("\xC3\x28")}) {
        EXPECT_FALSE(valid_utf8(bad)) << json::serialize(json::value(base64(bad)));
    }
    EXPECT_TRUE(valid_utf8(std::string_view("a\0b", 3)));  // NUL is valid UTF-8 (JSON escapes it)
}

TEST(ConsoleBytesTest, Base64MatchesRfc4648) {
    EXPECT_EQ(base64(""), "");
    EXPECT_EQ(base64("f"), "Zg==");
    EXPECT_EQ(base64("fo"), "Zm8=");
    EXPECT_EQ(base64("foo"), "Zm9v");
    EXPECT_EQ(base64("foob"), "Zm9vYg==");
    EXPECT_EQ(base64("fooba"), "Zm9vYmE=");
    EXPECT_EQ(base64("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64(std::string_view("\xFF\xFE\x00\x01", 4)), "//4AAQ==");
}

TEST(ConsoleBytesTest, TextOrBase64OrNull) {
    EXPECT_TRUE(bytes_json(std::nullopt).is_null());
    EXPECT_EQ(json::serialize(bytes_json(std::string_view("<b>\"hi\"</b>"))), R"({"text":"<b>\"hi\"</b>"})");
    EXPECT_EQ(json::serialize(bytes_json(std::string_view("\xFF\xFE", 2))), R"({"base64":"//4="})");
}

TEST(ConsoleRecordsTest, QueryParameters) {
    auto parse = [](std::map<std::string, std::string, std::less<>> q) {
        std::string error;
        auto r = parse_record_query(q, error);
        EXPECT_EQ(!r, !error.empty());
        return r;
    };
    auto q = parse({});
    ASSERT_TRUE(q);
    EXPECT_EQ(q->from, record_query::start::beginning);
    EXPECT_EQ(q->limit, 50);
    q = parse({{"offset", "7"}, {"limit", "500"}});
    ASSERT_TRUE(q);
    EXPECT_EQ(q->from, record_query::start::offset);
    EXPECT_EQ(q->value, 7);
    EXPECT_EQ(q->limit, 500);
    q = parse({{"timestamp", "1700000000000"}});
    ASSERT_TRUE(q);
    EXPECT_EQ(q->from, record_query::start::timestamp);
    EXPECT_EQ(q->value, 1700000000000);
    q = parse({{"from", "end"}, {"limit", "1"}});
    ASSERT_TRUE(q);
    EXPECT_EQ(q->from, record_query::start::end);
    for (auto bad : std::vector<std::map<std::string, std::string, std::less<>>>{{{"offset", "-1"}},
                                                                                 {{"offset", ""}},
                                                                                 {{"offset", "1e3"}},
                                                                                 {{"timestamp", "-1"}},
                                                                                 {{"from", "middle"}},
                                                                                 {{"limit", "0"}},
                                                                                 {{"limit", "501"}},
                                                                                 {{"limit", "ten"}},
                                                                                 {{"offset", "1"}, {"from", "end"}},
                                                                                 {{"offset", "1"}, {"timestamp", "1"}},
                                                                                 {{"partition", "1"}}}) {
        EXPECT_FALSE(parse(bad)) << bad.begin()->first << "=" << bad.begin()->second;
    }
}

TEST(ConsoleRecordsTest, RecordJson) {
    protocol::record r;
    r.offset = 42;
    r.timestamp = 1700000000123;
    const std::string key = "<script>alert(1)</script>";
    r.key = protocol::bytes(key.begin(), key.end());
    r.value = std::nullopt;  // a tombstone
    r.headers.push_back({"h", protocol::bytes{0xFF, 0x00}});
    r.headers.push_back({"none", std::nullopt});
    json::object o = record_json(r, true);
    EXPECT_EQ(json::serialize(o),
              R"({"offset":42,"timestamp":1700000000123,"timestamp_type":"LogAppendTime",)"
              R"("key":{"text":"<script>alert(1)</script>"},"value":null,)"
              R"("headers":[{"key":{"text":"h"},"value":{"base64":"/wA="}},{"key":{"text":"none"},"value":null}]})");
    EXPECT_EQ(record_json(r, false).at("timestamp_type").as_string(), "CreateTime");
}

operation op_of(std::string_view method, std::string_view target) {
    auto r = resolve(method, target);
    EXPECT_TRUE(std::holds_alternative<resolved>(r)) << method << " " << target << ": " << std::get<answer>(r).body;
    return std::holds_alternative<resolved>(r) ? std::get<resolved>(r).op : operation::cluster;
}

answer refusal(std::string_view method, std::string_view target) {
    auto r = resolve(method, target);
    EXPECT_TRUE(std::holds_alternative<answer>(r)) << method << " " << target;
    return std::holds_alternative<answer>(r) ? std::get<answer>(r) : answer{};
}

TEST(ConsoleRoutesTest, EveryOperation) {
    EXPECT_EQ(op_of("GET", "/api/v1/cluster"), operation::cluster);
    EXPECT_EQ(op_of("GET", "/api/v1/topics"), operation::list_topics);
    EXPECT_EQ(op_of("POST", "/api/v1/topics"), operation::create_topic);
    EXPECT_EQ(op_of("GET", "/api/v1/topics/t"), operation::describe_topic);
    EXPECT_EQ(op_of("DELETE", "/api/v1/topics/t"), operation::delete_topic);
    EXPECT_EQ(op_of("POST", "/api/v1/topics/t/partitions"), operation::add_partitions);
    EXPECT_EQ(op_of("PUT", "/api/v1/topics/t/configs"), operation::alter_configs);
    EXPECT_EQ(op_of("PATCH", "/api/v1/topics/t/configs"), operation::alter_configs);
    EXPECT_EQ(op_of("GET", "/api/v1/topics/t/partitions/3/records?from=end"), operation::read_records);
    EXPECT_EQ(op_of("GET", "/api/v1/groups"), operation::list_groups);
    EXPECT_EQ(op_of("GET", "/api/v1/groups/g"), operation::describe_group);
    EXPECT_EQ(op_of("DELETE", "/api/v1/groups/g"), operation::delete_group);
    EXPECT_EQ(op_of("POST", "/api/v1/groups/g/reset-offsets"), operation::reset_offsets);
    auto r = std::get<resolved>(resolve("GET", "/api/v1/topics/a%2Fb/partitions/3/records?limit=2"));
    EXPECT_EQ(r.name, "a/b");
    EXPECT_EQ(r.partition, 3);
    EXPECT_EQ(r.query.at("limit"), "2");
    // "topics" and "partitions" are only keywords where the table has them.
    EXPECT_EQ(std::get<resolved>(resolve("GET", "/api/v1/topics/topics")).name, "topics");
    EXPECT_EQ(std::get<resolved>(resolve("GET", "/api/v1/groups/reset-offsets")).name, "reset-offsets");
}

TEST(ConsoleRoutesTest, Refusals) {
    EXPECT_EQ(refusal("GET", "/api/v1/nothing").status, 404u);
    EXPECT_EQ(refusal("GET", "/api/v1/topics/t/partitions/0/records/x").status, 404u);
    EXPECT_EQ(refusal("GET", "/api").status, 404u);
    EXPECT_EQ(refusal("GET", "/api/").status, 404u);
    EXPECT_EQ(refusal("GET", "/api/v1/").status, 404u);
    EXPECT_EQ(refusal("GET", "/api/v2/topics").status, 404u);
    EXPECT_EQ(refusal("GET", "/api/v1/topics/%zz").status, 400u);
    EXPECT_EQ(refusal("GET", "/api/v1/topics/t/partitions/-1/records").status, 400u);
    EXPECT_EQ(refusal("GET", "/api/v1/topics/t/partitions/2147483648/records").status, 400u);
    EXPECT_EQ(refusal("GET", "/api/v1/topics/t/partitions/zero/records").status, 400u);
    answer a = refusal("DELETE", "/api/v1/topics");
    EXPECT_EQ(a.status, 405u);
    EXPECT_EQ(a.allow, "GET, POST");
    EXPECT_EQ(refusal("GET", "/api/v1/topics/t/configs").allow, "PUT, PATCH");
    EXPECT_EQ(refusal("HEAD", "/api/v1/cluster").allow, "GET");
    EXPECT_EQ(refusal("get", "/api/v1/cluster").status, 405u);  // methods are case-sensitive
}

TEST(ConsoleRoutesTest, OnlyActionsChangeState) {
    EXPECT_FALSE(changes_state(operation::cluster));
    EXPECT_FALSE(changes_state(operation::read_records));
    EXPECT_FALSE(changes_state(operation::describe_group));
    EXPECT_TRUE(changes_state(operation::create_topic));
    EXPECT_TRUE(changes_state(operation::alter_configs));
    EXPECT_TRUE(changes_state(operation::reset_offsets));
    EXPECT_TRUE(changes_state(operation::delete_group));
}

TEST(ConsoleAssetsTest, PagesAreEmbedded) {
    const asset* index = find_asset("index.html");
    ASSERT_NE(index, nullptr);
    EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
    EXPECT_NE(index->data.find("<script src=\"app.js\""), std::string_view::npos);
    const asset* js = find_asset("app.js");
    ASSERT_NE(js, nullptr);
    EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
    // The pages never hand data to the HTML parser.
    EXPECT_EQ(js->data.find("innerHTML"), std::string_view::npos);
    EXPECT_EQ(js->data.find("insertAdjacentHTML"), std::string_view::npos);
    EXPECT_EQ(js->data.find("document.write"), std::string_view::npos);
    ASSERT_NE(find_asset("style.css"), nullptr);
    EXPECT_EQ(find_asset("../app.js"), nullptr);
    EXPECT_EQ(find_asset(""), nullptr);
}

}  // namespace
}  // namespace sluice::broker::http::console
