// Kafka's truncation rules for a follower, one case per rule, over the
// in-memory follower log.
#include "replication/fetch_truncation.h"

#include <gtest/gtest.h>

#include "unit/replication/memory_follower_log.h"

namespace sluice::replication {
namespace {

using protocol::leader_epoch;
using protocol::offset;
using testing::memory_follower_log;

epoch_end_offset leader_says(int32_t epoch, int64_t end) { return {leader_epoch(epoch), offset(end)}; }

class FetchTruncationTest : public ::testing::Test {
protected:
    void SetUp() override {
        // Epoch 0 at 0..4, epoch 2 at 5..9, epoch 3 at 10..14; HW 7.
        log_.state.add(5, 0, 'F');
        log_.state.add(5, 2, 'F');
        log_.state.add(5, 3, 'F');
        log_.state.hw = 7;
    }
    memory_follower_log log_;
};

TEST_F(FetchTruncationTest, same_epoch_takes_the_smaller_end) {
    EXPECT_EQ(decide_truncation(log_, leader_says(3, 12)), (truncation_decision{offset(12), true}));
    EXPECT_EQ(decide_truncation(log_, leader_says(3, 40)), (truncation_decision{offset(15), true}));
    EXPECT_EQ(decide_truncation(log_, leader_says(2, 8)), (truncation_decision{offset(8), true}));
    // The follower's own epoch 2 ends at 10, before the leader's end.
    EXPECT_EQ(decide_truncation(log_, leader_says(2, 13)), (truncation_decision{offset(10), true}));
}

TEST_F(FetchTruncationTest, earlier_epoch_unknown_to_follower_cuts_to_its_own_and_asks_again) {
    // KIP-279: the leader's epoch 1 is one the follower never had; its own
    // largest epoch below is 0, which ends at 5.
    EXPECT_EQ(decide_truncation(log_, leader_says(1, 12)), (truncation_decision{offset(5), false}));
}

TEST_F(FetchTruncationTest, undefined_answer_falls_back_to_the_high_watermark) {
    EXPECT_EQ(decide_truncation(log_, leader_says(-1, -1)), (truncation_decision{offset(7), true}));
}

TEST_F(FetchTruncationTest, leader_without_epochs_gives_only_an_end_offset) {
    EXPECT_EQ(decide_truncation(log_, leader_says(-1, 9)), (truncation_decision{offset(9), true}));
    EXPECT_EQ(decide_truncation(log_, leader_says(-1, 99)), (truncation_decision{offset(15), true}));
}

TEST_F(FetchTruncationTest, epoch_older_than_the_follower_knows_or_no_epochs_at_all) {
    memory_follower_log fresh;
    fresh.state.add(5, 4, 'F');  // only epoch 4 known, from offset 0
    // Epoch 2 is older than any the follower knows: its cache answers the
    // start of its first epoch (0), epoch 2 — the same epoch, so the smaller
    // end wins.
    EXPECT_EQ(decide_truncation(fresh, leader_says(2, 3)), (truncation_decision{offset(0), true}));
    // No epochs at all: the leader's end offset is the only fact.
    memory_follower_log none;
    none.state.add(5, -1, 'F');
    EXPECT_EQ(decide_truncation(none, leader_says(2, 3)), (truncation_decision{offset(3), true}));
}

TEST_F(FetchTruncationTest, out_of_range_steps) {
    using action = out_of_range_step::action;
    EXPECT_EQ(out_of_range_by_leader_end(log_, offset(10)), (out_of_range_step{action::truncate_to, offset(10)}));
    EXPECT_EQ(out_of_range_by_leader_end(log_, offset(15)), (out_of_range_step{action::need_leader_start, offset(15)}));
    EXPECT_EQ(out_of_range_by_leader_start(log_, offset(30)), (out_of_range_step{action::start_at, offset(30)}));
    EXPECT_EQ(out_of_range_by_leader_start(log_, offset(15)), (out_of_range_step{action::fetch_from, offset(15)}));
    EXPECT_EQ(out_of_range_by_leader_start(log_, offset(3)), (out_of_range_step{action::fetch_from, offset(15)}));
}

}  // namespace
}  // namespace sluice::replication
