// GET /v1/topics/{topic}/keys/{key}/records, the pure parts: the request
// parsed (or refused with its status) and the default partition, which must
// be where Kafka's default partitioner puts the key.
#include <gtest/gtest.h>

#include "broker/http/key_records.h"

namespace sluice::broker::http {
namespace {

key_request parsed(std::string_view target) {
    auto r = parse_key_request("GET", target);
    EXPECT_TRUE(std::holds_alternative<key_request>(r)) << target << ": "
                                                        << (std::holds_alternative<answer>(r) ? std::get<answer>(r).body : "");
    return std::holds_alternative<key_request>(r) ? std::get<key_request>(r) : key_request{};
}

unsigned refusal(std::string_view method, std::string_view target) {
    auto r = parse_key_request(method, target);
    if (!std::holds_alternative<answer>(r)) return 0;
    EXPECT_NE(std::get<answer>(r).body.find("\"error\""), std::string::npos) << target;
    return std::get<answer>(r).status;
}

TEST(key_records, defaults) {
    auto q = parsed("/v1/topics/orders/keys/acc-1/records");
    EXPECT_EQ(q.topic, "orders");
    EXPECT_EQ(q.key, "acc-1");
    EXPECT_FALSE(q.partition);
    EXPECT_EQ(q.from_offset, 0);
    EXPECT_EQ(q.limit, 100);
    EXPECT_FALSE(q.newest_first);
    EXPECT_FALSE(q.ndjson);
    EXPECT_FALSE(q.corrected);
    EXPECT_FALSE(parsed("/v1/topics/t/keys/k/records?view=raw").corrected);
    EXPECT_TRUE(parsed("/v1/topics/t/keys/k/records?view=corrected").corrected);
    EXPECT_FALSE(q.follow);
    EXPECT_TRUE(parsed("/v1/topics/t/keys/k/records?follow=true").follow);
    EXPECT_FALSE(parsed("/v1/topics/t/keys/k/records?follow=false").follow);
}

TEST(key_records, parameters_and_percent_decoding) {
    auto q = parsed("/v1/topics/orders/keys/a%2Fb%20c%FF/records?partition=2&from_offset=17&limit=5&order=newest"
                    "&format=ndjson");
    EXPECT_EQ(q.key, std::string("a/b c\xff"));
    EXPECT_EQ(q.partition, 2);
    EXPECT_EQ(q.from_offset, 17);
    EXPECT_EQ(q.limit, 5);
    EXPECT_TRUE(q.newest_first);
    EXPECT_TRUE(q.ndjson);
}

TEST(key_records, refusals) {
    EXPECT_EQ(refusal("POST", "/v1/topics/t/keys/k/records"), 405u);
    EXPECT_EQ(refusal("GET", "/v1/topics/t/keys/k"), 404u);
    EXPECT_EQ(refusal("GET", "/v1/topics/t/keys/k/records/x"), 404u);
    EXPECT_EQ(refusal("GET", "/v1/"), 404u);
    EXPECT_EQ(refusal("GET", "/v1/topics/t/keys/%G1/records"), 400u);
    EXPECT_EQ(refusal("GET", "/v1/topics/t/keys//records"), 400u);
    for (const char* q : {"partition=-1", "partition=x", "from_offset=-1", "from_offset=1.5", "limit=0",
                          "limit=10001", "order=up", "format=csv", "what=1", "view=x", "view=", "follow=1", "follow=", "limit=1&limit=2"}) {
        EXPECT_EQ(refusal("GET", std::string("/v1/topics/t/keys/k/records?") + q), 400u) << q;
    }
}

// Kafka's UtilsTest.testMurmur2 vectors, made positive as its partitioner does.
TEST(key_records, default_partition_is_kafkas_murmur2) {
    auto positive = [](int32_t h) { return static_cast<int32_t>(static_cast<uint32_t>(h) & 0x7fffffffU); };
    EXPECT_EQ(default_partition("21", INT32_MAX), positive(-973932308));
    EXPECT_EQ(default_partition("foobar", INT32_MAX), positive(-790332482));
    EXPECT_EQ(default_partition("a-little-bit-long-string", INT32_MAX), positive(-985981536));
    EXPECT_EQ(default_partition("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", INT32_MAX), positive(-58897971));
    EXPECT_EQ(default_partition("abc", INT32_MAX), 479470107);
    EXPECT_EQ(default_partition("foobar", 3), positive(-790332482) % 3);
}

}  // namespace
}  // namespace sluice::broker::http
