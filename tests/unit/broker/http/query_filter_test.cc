// POST /v1/query's filter: the body parsed (or refused with the reason) and
// records matched, one case per field and per refusal shape.
#include "broker/http/query_filter.h"

#include <gtest/gtest.h>

namespace sluice::broker::http {
namespace {

query_filter parsed(std::string_view body) {
    auto r = parse_query_filter(body);
    EXPECT_TRUE(std::holds_alternative<query_filter>(r))
        << body << ": " << (std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "");
    return std::holds_alternative<query_filter>(r) ? std::get<query_filter>(r) : query_filter{};
}

std::string refusal(std::string_view body) {
    auto r = parse_query_filter(body);
    EXPECT_TRUE(std::holds_alternative<std::string>(r)) << body;
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : "";
}

protocol::bytes bytes_of(std::string_view s) { return protocol::bytes(s.begin(), s.end()); }

protocol::record record(std::string_view key, std::string_view value, int64_t timestamp = 1000,
                        std::vector<std::pair<std::string, std::string>> headers = {}) {
    protocol::record r;
    r.offset = 7;
    r.timestamp = timestamp;
    r.key = bytes_of(key);
    r.value = bytes_of(value);
    for (auto& [k, v] : headers)
        r.headers.emplace_back(k, bytes_of(v));
    return r;
}

TEST(query_filter, defaults) {
    auto f = parsed(R"({"topic": "orders"})");
    EXPECT_EQ(f.topic, "orders");
    EXPECT_FALSE(f.partitions);
    EXPECT_TRUE(f.keys.empty());
    EXPECT_FALSE(f.key_prefix);
    EXPECT_EQ(f.from_offset, 0);
    EXPECT_FALSE(f.to_offset);
    EXPECT_EQ(f.limit, query_default_limit);
    EXPECT_FALSE(f.max_bytes_scanned);
    EXPECT_FALSE(f.allow_scan);
    EXPECT_TRUE(f.resume.empty());
}

TEST(query_filter, every_field) {
    auto f = parsed(R"({"topic": "t", "partitions": [2, 0, 2], "keys": ["a", "b", "a"], "from_offset": 5,
        "to_offset": 50, "event_time": {"from": 10, "to": 20}, "headers": {"kind": "deposit"},
        "value": {"amount": {"gte": 10, "lt": 20}, "meta.source": {"eq": "atm"}}, "limit": 7,
        "max_bytes_scanned": 4096, "allow_scan": true, "resume": {"0": 9}})");
    EXPECT_EQ(*f.partitions, (std::vector<int32_t>{0, 2}));
    EXPECT_EQ(f.keys, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(f.from_offset, 5);
    EXPECT_EQ(*f.to_offset, 50);
    EXPECT_EQ(*f.event_time_from, 10);
    EXPECT_EQ(*f.event_time_to, 20);
    ASSERT_EQ(f.headers.size(), 1u);
    EXPECT_EQ(f.headers[0].first, "kind");
    ASSERT_EQ(f.value_conditions.size(), 3u);
    EXPECT_EQ(f.value_conditions[2].path, (std::vector<std::string>{"meta", "source"}));
    EXPECT_EQ(f.limit, 7);
    EXPECT_EQ(*f.max_bytes_scanned, 4096u);
    EXPECT_TRUE(f.allow_scan);
    EXPECT_EQ(f.resume.at(0), 9);
    EXPECT_EQ(*parsed(R"({"topic": "t", "key_prefix": "acc-"})").key_prefix, "acc-");
}

TEST(query_filter, malformed_body) {
    EXPECT_NE(refusal("").find("not JSON"), std::string::npos);
    EXPECT_NE(refusal("{\"topic\": ").find("not JSON"), std::string::npos);
    EXPECT_NE(refusal("[1]").find("JSON object"), std::string::npos);
    EXPECT_NE(refusal("{}").find("topic is required"), std::string::npos);
}

TEST(query_filter, unknown_fields) {
    EXPECT_NE(refusal(R"({"topic": "t", "color": 1})").find("unknown field color"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "event_time": {"since": 1}})").find("unknown field event_time.since"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "value": {"a": {"like": 1}}})").find("unknown operator like"),
              std::string::npos);
}

TEST(query_filter, wrong_types) {
    EXPECT_NE(refusal(R"({"topic": 5})").find("topic"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "partitions": [-1]})").find("partitions"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "partitions": "0"})").find("partitions"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "keys": "a"})").find("keys"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "keys": [1]})").find("keys"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "from_offset": -1})").find("from_offset"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "from_offset": 1.5})").find("from_offset"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "event_time": {"from": "yesterday"}})").find("event_time.from"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "headers": {"h": 1}})").find("headers.h"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "value": {"a": 1}})").find("value.a"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "value": {"a": {"lt": true}}})").find("number or a string"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "value": {"a..b": {"eq": 1}}})").find("empty part"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "limit": 0})").find("limit"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "allow_scan": 1})").find("allow_scan"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "resume": {"x": 1}})").find("partition number"), std::string::npos);
}

TEST(query_filter, inconsistent_ranges) {
    EXPECT_NE(refusal(R"({"topic": "t", "keys": ["a"], "key_prefix": "b"})").find("not both"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "from_offset": 5, "to_offset": 5})").find("to_offset"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "event_time": {"from": 5, "to": 5}})").find("below"), std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "partitions": [1], "resume": {"0": 3}})").find("leaves out"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"topic": "t", "key_prefix": ""})").find("key_prefix"), std::string::npos);
}

TEST(query_filter, too_many_keys) {
    std::string body = R"({"topic": "t", "keys": [)";
    for (size_t i = 0; i <= query_max_keys; ++i)
        body += (i ? ",\"k" : "\"k") + std::to_string(i) + "\"";
    body += "]}";
    EXPECT_NE(refusal(body).find("too broad"), std::string::npos);
}

TEST(query_filter, ingestion_time_not_supported_yet) {
    EXPECT_NE(refusal(R"({"topic": "t", "ingestion_time": {"from": 1}})").find("not supported yet"), std::string::npos);
    // Its shape is still checked first.
    EXPECT_NE(refusal(R"({"topic": "t", "ingestion_time": 3})").find("must be an object"), std::string::npos);
}

TEST(query_filter, keys_and_prefix) {
    auto by_keys = parsed(R"({"topic": "t", "keys": ["acc-1", "acc-3"]})");
    EXPECT_TRUE(matches(by_keys, record("acc-1", "{}")));
    EXPECT_FALSE(matches(by_keys, record("acc-2", "{}")));
    EXPECT_FALSE(matches(by_keys, record("acc-10", "{}")));
    auto by_prefix = parsed(R"({"topic": "t", "key_prefix": "acc-1"})");
    EXPECT_TRUE(matches(by_prefix, record("acc-1", "{}")));
    EXPECT_TRUE(matches(by_prefix, record("acc-10", "{}")));
    EXPECT_FALSE(matches(by_prefix, record("acc-2", "{}")));
    protocol::record no_key = record("x", "{}");
    no_key.key.reset();
    EXPECT_FALSE(matches(by_prefix, no_key));
    EXPECT_TRUE(matches(parsed(R"({"topic": "t"})"), no_key));
}

TEST(query_filter, event_time_is_half_open) {
    auto f = parsed(R"({"topic": "t", "event_time": {"from": 100, "to": 200}})");
    EXPECT_FALSE(matches(f, record("k", "", 99)));
    EXPECT_TRUE(matches(f, record("k", "", 100)));
    EXPECT_TRUE(matches(f, record("k", "", 199)));
    EXPECT_FALSE(matches(f, record("k", "", 200)));
}

TEST(query_filter, headers_equal) {
    auto f = parsed(R"({"topic": "t", "headers": {"kind": "deposit", "src": "atm"}})");
    EXPECT_TRUE(matches(f, record("k", "", 1, {{"kind", "deposit"}, {"src", "atm"}})));
    EXPECT_TRUE(matches(f, record("k", "", 1, {{"src", "atm"}, {"kind", "other"}, {"kind", "deposit"}})));
    EXPECT_FALSE(matches(f, record("k", "", 1, {{"kind", "deposit"}})));
    EXPECT_FALSE(matches(f, record("k", "", 1, {{"kind", "Deposit"}, {"src", "atm"}})));
    protocol::record null_header = record("k", "");
    null_header.headers.emplace_back("kind", std::nullopt);
    null_header.headers.emplace_back("src", bytes_of("atm"));
    EXPECT_FALSE(matches(f, null_header));
}

TEST(query_filter, numbers_compare_as_numbers) {
    auto f = parsed(R"({"topic": "t", "value": {"amount": {"gte": 10, "lt": 20}}})");
    EXPECT_FALSE(matches(f, record("k", R"({"amount": 9})")));
    EXPECT_TRUE(matches(f, record("k", R"({"amount": 10})")));
    EXPECT_TRUE(matches(f, record("k", R"({"amount": 10.5})")));
    EXPECT_TRUE(matches(f, record("k", R"({"amount": 19})")));
    EXPECT_FALSE(matches(f, record("k", R"({"amount": 20})")));
    EXPECT_FALSE(matches(f, record("k", R"({"amount": 100})")));   // "100" < "20" as strings
    EXPECT_FALSE(matches(f, record("k", R"({"amount": "15"})")));  // a string is no number
    EXPECT_TRUE(matches(parsed(R"({"topic": "t", "value": {"x": {"eq": 2}}})"), record("k", R"({"x": 2.0})")));
}

TEST(query_filter, strings_compare_as_strings) {
    auto f = parsed(R"({"topic": "t", "value": {"name": {"gt": "b"}}})");
    EXPECT_TRUE(matches(f, record("k", R"({"name": "c"})")));
    EXPECT_TRUE(matches(f, record("k", R"({"name": "ba"})")));
    EXPECT_FALSE(matches(f, record("k", R"({"name": "b"})")));
    EXPECT_FALSE(matches(f, record("k", R"({"name": "B"})")));
    EXPECT_FALSE(matches(f, record("k", R"({"name": 5})")));
}

TEST(query_filter, eq_ne_and_other_types) {
    auto eq = parsed(R"({"topic": "t", "value": {"a.b": {"eq": "x"}}})");
    EXPECT_TRUE(matches(eq, record("k", R"({"a": {"b": "x"}})")));
    EXPECT_FALSE(matches(eq, record("k", R"({"a": {"b": "y"}})")));
    EXPECT_FALSE(matches(eq, record("k", R"({"a": "x"})")));
    auto ne = parsed(R"({"topic": "t", "value": {"a": {"ne": 1}}})");
    EXPECT_TRUE(matches(ne, record("k", R"({"a": 2})")));
    EXPECT_TRUE(matches(ne, record("k", R"({"a": "1"})")));  // different types are not equal
    EXPECT_FALSE(matches(ne, record("k", R"({"a": 1})")));
    EXPECT_FALSE(matches(ne, record("k", R"({"b": 2})")));  // missing field: no match
    auto flag = parsed(R"({"topic": "t", "value": {"ok": {"eq": true}}, "limit": 1})");
    EXPECT_TRUE(matches(flag, record("k", R"({"ok": true})")));
    EXPECT_FALSE(matches(flag, record("k", R"({"ok": false})")));
    auto null = parsed(R"({"topic": "t", "value": {"v": {"eq": null}}})");
    EXPECT_TRUE(matches(null, record("k", R"({"v": null})")));
    EXPECT_FALSE(matches(null, record("k", R"({"v": 0})")));
}

TEST(query_filter, values_not_json_objects_do_not_match) {
    auto f = parsed(R"({"topic": "t", "value": {"a": {"ne": 1}}})");
    EXPECT_FALSE(matches(f, record("k", "not json")));
    EXPECT_FALSE(matches(f, record("k", "[1, 2]")));
    EXPECT_FALSE(matches(f, record("k", "{\"a\": ")));
    protocol::record tombstone = record("k", "");
    tombstone.value.reset();
    EXPECT_FALSE(matches(f, tombstone));
    EXPECT_TRUE(matches(parsed(R"({"topic": "t"})"), tombstone));
}

}  // namespace
}  // namespace sluice::broker::http
