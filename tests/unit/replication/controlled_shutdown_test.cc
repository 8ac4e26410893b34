// The controller's decisions for brokers in controlled shutdown and the
// leaving broker's count of what is still to move, one case per shape.
#include "replication/controlled_shutdown.h"

#include <gtest/gtest.h>

namespace sluice::replication {
namespace {

partition_registration reg(std::vector<int32_t> replicas, std::vector<int32_t> isr, int32_t leader) {
    partition_registration r;
    r.replicas = std::move(replicas);
    r.isr = std::move(isr);
    r.leader = leader;
    r.leader_epoch = 4;
    r.partition_epoch = 7;
    return r;
}

const std::set<int32_t> all{1, 2, 3};

TEST(ControlledShutdownTest, a_leaving_leader_hands_over_to_the_first_staying_isr_member) {
    auto next = away_from_leaving(reg({1, 2, 3}, {1, 3, 2}, 1), all, {1});
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->leader, 2);  // replica order, not ISR order
    EXPECT_EQ(next->isr, (std::vector<int32_t>{3, 2}));
    EXPECT_EQ(next->leader_epoch, 5);
    EXPECT_EQ(next->partition_epoch, 8);
}

TEST(ControlledShutdownTest, a_leaving_follower_leaves_the_isr_and_the_leader_epoch_stays) {
    auto next = away_from_leaving(reg({2, 1, 3}, {2, 1, 3}, 2), all, {1});
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->leader, 2);
    EXPECT_EQ(next->isr, (std::vector<int32_t>{2, 3}));
    EXPECT_EQ(next->leader_epoch, 4);
    EXPECT_EQ(next->partition_epoch, 8);
}

TEST(ControlledShutdownTest, a_sole_in_sync_leader_keeps_leading) {
    EXPECT_FALSE(away_from_leaving(reg({1, 2}, {1}, 1), all, {1}).has_value());
    EXPECT_FALSE(away_from_leaving(reg({1}, {1}, 1), all, {1}).has_value());
    // The only other in-sync replica is dead, or leaving too.
    EXPECT_FALSE(away_from_leaving(reg({1, 2}, {1, 2}, 1), {1, 3}, {1}).has_value());
    EXPECT_FALSE(away_from_leaving(reg({1, 2}, {1, 2}, 1), all, {1, 2}).has_value());
}

TEST(ControlledShutdownTest, nothing_to_do_without_a_leader_or_without_leaving_brokers) {
    EXPECT_FALSE(away_from_leaving(reg({1, 2}, {1}, no_leader), all, {1}).has_value());
    EXPECT_FALSE(away_from_leaving(reg({1, 2}, {1, 2}, 1), all, {}).has_value());
    EXPECT_FALSE(away_from_leaving(reg({2, 3}, {2, 3}, 2), all, {1}).has_value());
}

TEST(ControlledShutdownTest, two_leaving_at_once_both_leave_the_isr) {
    auto next = away_from_leaving(reg({1, 2, 3}, {1, 2, 3}, 1), all, {1, 2});
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->leader, 3);
    EXPECT_EQ(next->isr, (std::vector<int32_t>{3}));
}

TEST(ControlledShutdownTest, still_to_move_counts_what_the_controller_can_take) {
    EXPECT_TRUE(still_to_move(reg({1, 2}, {1, 2}, 1), 1, all, {1}));      // a leadership to hand over
    EXPECT_FALSE(still_to_move(reg({1, 2}, {1}, 1), 1, all, {1}));        // nobody could take it
    EXPECT_TRUE(still_to_move(reg({2, 1}, {2, 1}, 2), 1, all, {1}));      // an ISR seat under a staying leader
    EXPECT_FALSE(still_to_move(reg({2, 1}, {2}, 2), 1, all, {1}));        // already out
    EXPECT_FALSE(still_to_move(reg({2, 1}, {2, 1}, 2), 1, all, {1, 2}));  // its leader leaves too
    EXPECT_FALSE(still_to_move(reg({2, 1}, {1}, no_leader), 1, all, {1}));
}

}  // namespace
}  // namespace sluice::replication
