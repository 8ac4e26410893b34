// POST /v1/topics/{topic}/keys/{key}/records, the pure part: the request
// parsed from the target and If-Match, or refused with its status.
#include <gtest/gtest.h>

#include "broker/http/key_writes.h"

namespace sluice::broker::http {
namespace {

key_write_request parsed(std::string_view target, std::optional<std::string_view> if_match = std::nullopt) {
    auto r = parse_key_write(target, if_match);
    EXPECT_TRUE(std::holds_alternative<key_write_request>(r))
        << target << ": " << (std::holds_alternative<answer>(r) ? std::get<answer>(r).body : "");
    return std::holds_alternative<key_write_request>(r) ? std::get<key_write_request>(r) : key_write_request{};
}

unsigned refusal(std::string_view target, std::optional<std::string_view> if_match = std::nullopt) {
    auto r = parse_key_write(target, if_match);
    if (!std::holds_alternative<answer>(r)) return 0;
    EXPECT_NE(std::get<answer>(r).body.find("\"error\""), std::string::npos) << target;
    return std::get<answer>(r).status;
}

TEST(key_writes, unconditional_by_default) {
    auto q = parsed("/v1/topics/orders/keys/acc%2F1/records");
    EXPECT_EQ(q.topic, "orders");
    EXPECT_EQ(q.key, "acc/1");
    EXPECT_FALSE(q.partition);
    EXPECT_FALSE(q.expected_offset);
    EXPECT_TRUE(q.headers.empty());
}

TEST(key_writes, if_match_bare_or_quoted) {
    EXPECT_EQ(parsed("/v1/topics/t/keys/k/records", "41").expected_offset, 41);
    EXPECT_EQ(parsed("/v1/topics/t/keys/k/records", "\"41\"").expected_offset, 41);
    EXPECT_EQ(parsed("/v1/topics/t/keys/k/records", " -1 ").expected_offset, -1);
    EXPECT_EQ(parsed("/v1/topics/t/keys/k/records", "0").expected_offset, 0);
}

TEST(key_writes, bad_if_match_is_400) {
    for (std::string_view bad : {"", "*", "-2", "abc", "W/\"4\"", "1.5", "\"\"", "99999999999999999999", "+3"}) {
        EXPECT_EQ(refusal("/v1/topics/t/keys/k/records", bad), 400u) << bad;
    }
}

TEST(key_writes, partition_and_headers) {
    auto q = parsed("/v1/topics/t/keys/k/records?partition=3&header.type=deposit&header.note=a%20b");
    EXPECT_EQ(q.partition, 3);
    ASSERT_EQ(q.headers.size(), 2u);
    // In name order.
    EXPECT_EQ(q.headers[0], std::make_pair(std::string("note"), std::string("a b")));
    EXPECT_EQ(q.headers[1], std::make_pair(std::string("type"), std::string("deposit")));
}

TEST(key_writes, bad_parameters_and_paths) {
    EXPECT_EQ(refusal("/v1/topics/t/keys/k/records?partition=-1"), 400u);
    EXPECT_EQ(refusal("/v1/topics/t/keys/k/records?partition=x"), 400u);
    EXPECT_EQ(refusal("/v1/topics/t/keys/k/records?limit=3"), 400u);
    EXPECT_EQ(refusal("/v1/topics/t/keys/k/records?header.=x"), 400u);
    EXPECT_EQ(refusal("/v1/topics/t/keys/k/records?partition=1&partition=2"), 400u);
    EXPECT_EQ(refusal("/v1/topics/t/keys/k"), 404u);
    EXPECT_EQ(refusal("/v1/topics/t/keys/k/records/x"), 404u);
}

}  // namespace
}  // namespace sluice::broker::http
