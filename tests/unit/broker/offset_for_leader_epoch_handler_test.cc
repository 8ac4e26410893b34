// OffsetForLeaderEpoch's answers from a partition's epoch history, as a
// Kafka leader gives them, and the fencing of callers with another idea of
// the current epoch.
#include <gtest/gtest.h>

#include <vector>

#include "broker/handlers/offset_for_leader_epoch.h"
#include "unit/broker/allocation_counter.h"
#include "unit/broker/handler_fixture.h"

namespace sluice::broker {
namespace {

using protocol::error_code;
using protocol::to_wire;
using request_t = protocol::offset_for_leader_epoch_request;
using response_t = protocol::offset_for_leader_epoch_response;

class OffsetForLeaderEpochTest : public testing::HandlerTest {
protected:
    // Epoch 1 from offset 0, epoch 3 from offset 4; the log ends at 6.
    void SetUp() override {
        create_topic("t", 2);
        log::partition_log& lg = log_of("t", 0);
        log::testing::append_copy(lg, log::testing::make_batch(4, 100), 1000, 1);
        log::testing::append_copy(lg, log::testing::make_batch(2, 200), 1000, 3);
    }

    response_t::epoch_end_offset ask(int32_t partition, int32_t current, int32_t epoch, int32_t leader_epoch_now = 3) {
        request_t req;
        request_t::offset_for_leader_topic t;
        t.topic = "t";
        t.partitions.push_back({partition, current, epoch, {}});
        req.topics.push_back(t);
        auto r = answer_offset_for_leader_epoch(req, topics_, [&](const partition_state&) { return leader_epoch_now; });
        EXPECT_EQ(r.topics.size(), 1u);
        EXPECT_EQ(r.topics[0].partitions.size(), 1u);
        return r.topics[0].partitions[0];
    }
};

TEST_F(OffsetForLeaderEpochTest, each_epoch_ends_where_the_next_begins) {
    auto latest = ask(0, -1, 3);
    EXPECT_EQ(latest.error_code, 0);
    EXPECT_EQ(latest.leader_epoch, 3);
    EXPECT_EQ(latest.end_offset, 6);

    auto one = ask(0, -1, 1);
    EXPECT_EQ(one.leader_epoch, 1);
    EXPECT_EQ(one.end_offset, 4);

    auto two = ask(0, -1, 2);  // never used: the epoch before it, ending at 4
    EXPECT_EQ(two.leader_epoch, 1);
    EXPECT_EQ(two.end_offset, 4);

    auto zero = ask(0, -1, 0);  // older than all: the first known epoch's start
    EXPECT_EQ(zero.leader_epoch, 0);
    EXPECT_EQ(zero.end_offset, 0);

    auto newer = ask(0, -1, 4);
    EXPECT_EQ(newer.leader_epoch, -1);
    EXPECT_EQ(newer.end_offset, -1);
}

TEST_F(OffsetForLeaderEpochTest, the_current_epoch_counts_before_anything_is_written_in_it) {
    // Leading in epoch 5 since the log end (6): epoch 3 now ends there.
    auto three = ask(0, 5, 3, 5);
    EXPECT_EQ(three.leader_epoch, 3);
    EXPECT_EQ(three.end_offset, 6);
    auto five = ask(0, 5, 5, 5);
    EXPECT_EQ(five.leader_epoch, 5);
    EXPECT_EQ(five.end_offset, 6);
    // An empty partition led in epoch 0.
    auto empty = ask(1, 0, 0, 0);
    EXPECT_EQ(empty.error_code, 0);
    EXPECT_EQ(empty.leader_epoch, 0);
    EXPECT_EQ(empty.end_offset, 0);
}

TEST_F(OffsetForLeaderEpochTest, callers_with_another_current_epoch_are_fenced_or_told_it_is_unknown) {
    EXPECT_EQ(ask(0, 2, 1).error_code, to_wire(error_code::fenced_leader_epoch));
    EXPECT_EQ(ask(0, 4, 1).error_code, to_wire(error_code::unknown_leader_epoch));
    EXPECT_EQ(ask(0, 3, 1).error_code, 0);
    EXPECT_EQ(ask(0, -1, 1).error_code, 0);  // no current epoch given: no check
    auto fenced = ask(0, 2, 1);
    EXPECT_EQ(fenced.end_offset, -1);
    EXPECT_EQ(fenced.leader_epoch, -1);
}

// The lookup reads the cache in place (the fetch path's KIP-320 check asks
// it per partition per fetch); it must answer as a copy with the leader's
// epoch assigned would.
TEST(LeaderEpochEnd, answers_as_a_copy_with_the_current_epoch_assigned_without_allocating) {
    const std::vector<std::vector<log::epoch_entry>> histories = {
        {}, {{0, 0}}, {{1, 0}, {3, 4}}, {{2, 5}, {4, 9}, {5, 9}}, {{1, 0}, {3, 12}}};
    for (const auto& history : histories) {
        log::leader_epoch_cache epochs("unused");
        for (const auto& e : history) epochs.assign(e.epoch, e.start_offset);
        for (int64_t log_end : {0, 9, 12}) {
            for (int32_t current = -1; current <= 7; ++current) {
                for (int32_t requested = -1; requested <= 8; ++requested) {
                    log::leader_epoch_cache copy = epochs;
                    copy.assign(current, log_end);
                    log::epoch_entry expected = copy.end_offset_for(requested, log_end);
                    size_t before = sluice::testing::allocations();
                    log::epoch_entry got = leader_epoch_end(epochs, log_end, current, requested);
                    EXPECT_EQ(sluice::testing::allocations(), before);
                    EXPECT_EQ(got, expected) << "history of " << history.size() << ", log end " << log_end
                                             << ", current " << current << ", requested " << requested;
                }
            }
        }
    }
}

TEST_F(OffsetForLeaderEpochTest, unknown_partition) {
    EXPECT_EQ(ask(7, -1, 0).error_code, to_wire(error_code::unknown_topic_or_partition));
}

}  // namespace
}  // namespace sluice::broker
