// ListOffsets' answers: the special timestamps, lookups by time, the
// version differences and the errors, straight from the partitions' logs.
#include <gtest/gtest.h>

#include "broker/handlers/list_offsets.h"
#include "unit/broker/handler_fixture.h"

namespace sluice::broker {
namespace {

using protocol::error_code;
using protocol::to_wire;
using request_t = protocol::list_offsets_request;
using response_t = protocol::list_offsets_response;

request_t ask(const std::string& topic, std::vector<std::pair<int32_t, int64_t>> partitions_and_times) {
    request_t req;
    req.replica_id = -1;  // a consumer, as clients send it (a replica sees the log end)
    request_t::list_offsets_topic t;
    t.name = topic;
    for (auto [p, ts] : partitions_and_times) {
        request_t::list_offsets_partition part;
        part.partition_index = p;
        part.timestamp = ts;
        t.partitions.push_back(part);
    }
    req.topics.push_back(t);
    return req;
}

class ListOffsetsTest : public testing::HandlerTest {
protected:
    response_t::list_offsets_partition_response one(int16_t version, int32_t partition, int64_t timestamp) {
        response_t r = answer_list_offsets(ask("t", {{partition, timestamp}}), version, topics_);
        EXPECT_EQ(r.topics.size(), 1u);
        EXPECT_EQ(r.topics[0].partitions.size(), 1u);
        return r.topics[0].partitions[0];
    }
};

TEST_F(ListOffsetsTest, earliest_and_latest_follow_log_start_and_high_watermark) {
    create_topic("t", 1);
    append("t", 0, {100, 101, 102});
    append("t", 0, {200, 201});
    EXPECT_EQ(one(5, 0, -2).offset, 0);
    EXPECT_EQ(one(5, 0, -1).offset, 5);
    EXPECT_EQ(one(5, 0, -4).offset, 0);  // earliest local: no tiered storage here

    ASSERT_EQ(log_of("t", 0).delete_records_before(3), error_code::none);
    EXPECT_EQ(one(5, 0, -2).offset, 3);

    // Latest is the high watermark, not the log end.
    log_of("t", 0).set_high_watermark(4);
    EXPECT_EQ(one(5, 0, -1).offset, 4);
}

TEST_F(ListOffsetsTest, timestamp_lookup_finds_first_record_at_or_after) {
    create_topic("t", 1);
    append("t", 0, {100, 150, 120});
    append("t", 0, {300, 400});
    auto at = one(4, 0, 130);
    EXPECT_EQ(at.error_code, 0);
    EXPECT_EQ(at.offset, 1);
    EXPECT_EQ(at.timestamp, 150);

    auto after_all = one(4, 0, 401);
    EXPECT_EQ(after_all.error_code, 0);
    EXPECT_EQ(after_all.offset, -1);
    EXPECT_EQ(after_all.timestamp, -1);
}

TEST_F(ListOffsetsTest, max_timestamp_needs_v7) {
    create_topic("t", 1);
    append("t", 0, {100, 500, 200});
    EXPECT_EQ(one(6, 0, -3).error_code, to_wire(error_code::unsupported_version));
    auto max = one(7, 0, -3);
    EXPECT_EQ(max.error_code, 0);
    EXPECT_EQ(max.offset, 1);
    EXPECT_EQ(max.timestamp, 500);
}

TEST_F(ListOffsetsTest, v0_answers_in_old_style_offsets) {
    create_topic("t", 1);
    append("t", 0, {100, 101});
    auto v0 = one(0, 0, -1);
    EXPECT_EQ(v0.old_style_offsets, std::vector<int64_t>{2});
    EXPECT_TRUE(one(1, 0, -1).old_style_offsets.empty());
}

TEST_F(ListOffsetsTest, unknown_partition_and_topic) {
    create_topic("t", 2);
    EXPECT_EQ(one(5, 2, -1).error_code, to_wire(error_code::unknown_topic_or_partition));
    response_t r = answer_list_offsets(ask("missing", {{0, -1}}), 5, topics_);
    EXPECT_EQ(r.topics[0].partitions[0].error_code, to_wire(error_code::unknown_topic_or_partition));
}

TEST_F(ListOffsetsTest, a_partition_asked_twice_is_invalid_from_v1) {
    create_topic("t", 2);
    append("t", 0, {100});
    auto req = ask("t", {{0, -1}, {1, -1}, {0, -2}});
    response_t r = answer_list_offsets(req, 1, topics_);
    ASSERT_EQ(r.topics[0].partitions.size(), 3u);
    EXPECT_EQ(r.topics[0].partitions[0].error_code, to_wire(error_code::invalid_request));
    EXPECT_EQ(r.topics[0].partitions[1].error_code, 0);
    EXPECT_EQ(r.topics[0].partitions[2].error_code, to_wire(error_code::invalid_request));

    response_t v0 = answer_list_offsets(req, 0, topics_);
    EXPECT_EQ(v0.topics[0].partitions[0].error_code, 0);
    EXPECT_EQ(v0.topics[0].partitions[0].old_style_offsets, std::vector<int64_t>{1});
}

}  // namespace
}  // namespace sluice::broker
