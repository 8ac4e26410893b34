// Which versions the fetcher speaks to a leader, from its ApiVersions answer.
#include "replication/fetcher_versions.h"

#include <gtest/gtest.h>

#include "protocol/generated/api_versions.h"

namespace sluice::replication {
namespace {

protocol::bytes answer(std::vector<protocol::api_versions_response::api_version> keys, int16_t version,
                       int16_t error = 0) {
    protocol::api_versions_response r;
    r.error_code = error;
    r.api_keys = std::move(keys);
    protocol::writer w;
    r.encode(w, version);
    return w.buffer();
}

TEST(FetcherVersionsTest, newest_version_both_sides_speak) {
    std::string why;
    auto v = negotiate_versions(answer({{1, 0, 13, {}}, {2, 0, 99, {}}, {23, 0, 3, {}}}, 3), why);
    ASSERT_TRUE(v) << why;
    EXPECT_EQ(v->fetch, 13);
    EXPECT_EQ(v->list_offsets, 10);  // ours is older than theirs
    EXPECT_EQ(v->offset_for_leader_epoch, 3);
}

TEST(FetcherVersionsTest, v0_answer_to_an_unknown_request_version) {
    std::string why;
    auto v = negotiate_versions(answer({{1, 0, 11, {}}, {2, 0, 5, {}}, {23, 0, 2, {}}}, 0, 35), why);
    ASSERT_TRUE(v) << why;
    EXPECT_EQ(v->fetch, 11);
    EXPECT_EQ(v->list_offsets, 5);
    EXPECT_EQ(v->offset_for_leader_epoch, 2);
}

TEST(FetcherVersionsTest, missing_or_too_old_api_is_refused) {
    std::string why;
    EXPECT_FALSE(negotiate_versions(answer({{1, 0, 17, {}}, {2, 0, 10, {}}}, 3), why));
    EXPECT_NE(why.find("OffsetForLeaderEpoch"), std::string::npos);
    EXPECT_FALSE(negotiate_versions(answer({{1, 0, 8, {}}, {2, 0, 10, {}}, {23, 0, 4, {}}}, 3), why));
    EXPECT_NE(why.find("Fetch"), std::string::npos);
}

TEST(FetcherVersionsTest, error_or_garbage_is_refused) {
    std::string why;
    EXPECT_FALSE(negotiate_versions(answer({{1, 0, 17, {}}, {2, 0, 10, {}}, {23, 0, 4, {}}}, 3, 42), why));
    EXPECT_FALSE(negotiate_versions(protocol::bytes{0, 0, 9}, why));
}

}  // namespace
}  // namespace sluice::replication
