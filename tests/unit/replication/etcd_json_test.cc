// The JSON gateway's formats: base64, int64s as strings, defaults left out,
// and answers that are not what etcd sends.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "replication/etcd/base64.h"
#include "replication/etcd/etcd_json.h"

namespace sluice::replication::etcd {
namespace {

namespace bj = boost::json;

TEST(Base64, round_trips_every_length_and_byte) {
    std::string all;
    for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
    for (size_t n = 0; n <= all.size(); n += 7) {
        std::string s = all.substr(0, n);
        EXPECT_EQ(base64_decode(base64_encode(s)), s) << n;
    }
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("f"), "Zg==");
}

TEST(Base64, refuses_bad_text) {
    EXPECT_EQ(base64_decode("Zm9"), std::nullopt);    // length
    EXPECT_EQ(base64_decode("Zm9*"), std::nullopt);   // alphabet
    EXPECT_EQ(base64_decode("Zg==Zg=="), std::nullopt);  // padding before the end
    EXPECT_EQ(base64_decode("Z==="), std::nullopt);
}

TEST(PrefixEnd, increments_the_last_byte_below_ff) {
    EXPECT_EQ(prefix_end("/sluice/"), "/sluice0");
    EXPECT_EQ(prefix_end(std::string("a\xff", 2)), "b");
    EXPECT_EQ(prefix_end(""), std::string(1, '\0'));
}

TEST(EtcdJson, txn_body_names_targets_and_encodes_bytes) {
    txn_request t;
    t.compares.push_back(compare::mod_revision_is("k", 42));
    t.compares.push_back(compare::absent("n"));
    t.compares.push_back(compare::value_is("v", "x"));
    t.success.push_back(put_op{"k", "val", 7});
    t.failure.push_back(range_op{"k", ""});
    bj::value v = bj::parse(json::txn_body(t));
    const auto& c = v.at("compare").as_array();
    EXPECT_EQ(c[0].at("target"), "MOD");
    EXPECT_EQ(c[0].at("mod_revision"), "42");
    EXPECT_EQ(c[0].at("key"), "aw==");
    EXPECT_EQ(c[1].at("target"), "VERSION");
    EXPECT_EQ(c[1].at("version"), "0");
    EXPECT_EQ(c[2].at("value"), "eA==");
    const auto& put = v.at("success").as_array()[0].at("request_put");
    EXPECT_EQ(put.at("value"), "dmFs");
    EXPECT_EQ(put.at("lease"), "7");
    EXPECT_TRUE(v.at("failure").as_array()[0].as_object().contains("request_range"));
}

TEST(EtcdJson, range_answer_with_defaults_left_out) {
    auto r = json::parse_range(bj::parse(
        R"({"header":{"revision":"9"},"kvs":[{"key":"Zm9v","create_revision":"2","mod_revision":"5","version":"2","value":"YmFy"},{"key":"ZQ=="}],"count":"2"})"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->head.revision, 9);
    ASSERT_EQ(r->kvs.size(), 2u);
    EXPECT_EQ(r->kvs[0], (key_value{"foo", "bar", 2, 5, 2, 0}));
    EXPECT_EQ(r->kvs[1].key, "e");
    EXPECT_EQ(r->kvs[1].value, "");  // an empty value is left out

    auto empty = json::parse_range(bj::parse(R"({"header":{"revision":"3"}})"));
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->kvs.empty());
}

TEST(EtcdJson, txn_answer_failed_branch_has_no_succeeded_field) {
    auto r = json::parse_txn(bj::parse(
        R"({"header":{"revision":"4"},"responses":[{"response_range":{"kvs":[{"key":"aw==","value":"dg==","mod_revision":"3"}]}}]})"));
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r->succeeded);
    ASSERT_EQ(r->results.size(), 1u);
    EXPECT_EQ(r->results[0][0].value, "v");

    auto ok = json::parse_txn(bj::parse(R"({"header":{"revision":"5"},"succeeded":true,"responses":[{"response_put":{}}]})"));
    ASSERT_TRUE(ok.ok());
    EXPECT_TRUE(ok->succeeded);
    EXPECT_TRUE(ok->results[0].empty());
}

TEST(EtcdJson, watch_messages) {
    auto created = json::parse_watch(bj::parse(R"({"result":{"header":{"revision":"2"},"created":true}})"));
    ASSERT_TRUE(created.ok());
    EXPECT_TRUE(created->created);

    auto events = json::parse_watch(bj::parse(
        R"({"result":{"header":{"revision":"3"},"events":[{"kv":{"key":"Zm9v","value":"YmFy","mod_revision":"2"}},{"type":"DELETE","kv":{"key":"Zm9v","mod_revision":"3"}}]}})"));
    ASSERT_TRUE(events.ok());
    ASSERT_EQ(events->events.size(), 2u);
    EXPECT_EQ(events->events[0].what, watch_event::kind::put);
    EXPECT_EQ(events->events[0].kv.value, "bar");
    EXPECT_EQ(events->events[1].what, watch_event::kind::remove);
    EXPECT_EQ(events->events[1].kv.mod_revision, 3);

    auto compacted = json::parse_watch(bj::parse(R"({"result":{"canceled":true,"compact_revision":"17"}})"));
    ASSERT_TRUE(compacted.ok());
    EXPECT_TRUE(compacted->canceled);
    EXPECT_EQ(compacted->compact_revision, 17);
}

TEST(EtcdJson, errors_and_bad_answers_are_values) {
    error e = json::parse_error(bj::parse(R"({"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5})"), 404);
    EXPECT_EQ(e.what, error::kind::server);
    EXPECT_EQ(e.grpc_code, 5);
    EXPECT_EQ(e.message, "etcdserver: requested lease not found");

    EXPECT_FALSE(json::parse_range(bj::parse(R"([1,2])")).ok());
    EXPECT_FALSE(json::parse_range(bj::parse(R"({"kvs":[{"key":"***"}]})")).ok());            // not base64
    EXPECT_FALSE(json::parse_range(bj::parse(R"({"kvs":[{"key":"YQ==","version":"x"}]})")).ok());  // not a number
    EXPECT_FALSE(json::parse_range(bj::parse(R"({"kvs":{}})")).ok());
    EXPECT_FALSE(json::parse_lease_grant(bj::parse(R"({"TTL":"5"})")).ok());  // no ID
    EXPECT_FALSE(json::parse_watch(bj::parse(R"({"result":{"events":[{"type":"DELETE"}]}})")).ok());
    auto keepalive_error = json::parse_keepalive(bj::parse(R"({"error":{"code":14,"message":"unavailable"}})"));
    ASSERT_FALSE(keepalive_error.ok());
    EXPECT_EQ(keepalive_error.err().grpc_code, 14);
}

TEST(EtcdJson, keepalive_of_an_expired_lease_has_no_ttl) {
    auto r = json::parse_keepalive(bj::parse(R"({"result":{"header":{"revision":"2"},"ID":"123"}})"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value(), 0);
}

}  // namespace
}  // namespace sluice::replication::etcd
