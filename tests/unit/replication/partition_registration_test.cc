// The controller's partition decisions: ISR shrink on broker loss, clean
// and unclean leader election, the last replica kept in the ISR, preferred
// leaders, and ISR updates fenced by epochs.
#include "replication/partition_registration.h"

#include <gtest/gtest.h>

namespace sluice::replication {
namespace {

TEST(PartitionRegistration, json_round_trip_and_bad_documents) {
    partition_registration r{{1, 2, 3}, {1, 3}, 3, 7, 12};
    EXPECT_EQ(partition_registration_from_json(to_json(r)), r);
    EXPECT_EQ(partition_registration_from_json("{}"), std::nullopt);
    EXPECT_EQ(partition_registration_from_json("[1]"), std::nullopt);
    EXPECT_EQ(partition_registration_from_json(R"({"replicas":[1,-2],"isr":[1],"leader":1,"leader_epoch":0,"partition_epoch":0})"),
              std::nullopt);
    EXPECT_EQ(partition_registration_from_json(R"({"replicas":[1],"isr":[1],"leader":"1","leader_epoch":0,"partition_epoch":0})"),
              std::nullopt);
}

TEST(PartitionRegistration, initial_state_has_everyone_in_sync_and_the_first_leading) {
    auto r = initial_registration({2, 3, 1});
    EXPECT_EQ(r.leader, 2);
    EXPECT_EQ(r.isr, (std::vector<int32_t>{2, 3, 1}));
    EXPECT_EQ(r.leader_epoch, 0);
}

TEST(PartitionRegistration, a_dead_follower_leaves_the_isr_without_a_new_leader_epoch) {
    auto r = initial_registration({1, 2, 3});
    auto next = after_broker_change(r, {1, 2}, false);
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->isr, (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(next->leader, 1);
    EXPECT_EQ(next->leader_epoch, 0);
    EXPECT_EQ(next->partition_epoch, 1);
    EXPECT_EQ(after_broker_change(*next, {1, 2}, false), std::nullopt);  // nothing more to do
}

TEST(PartitionRegistration, a_dead_leader_is_replaced_from_the_isr_in_replica_order) {
    partition_registration r{{1, 2, 3}, {1, 3, 2}, 1, 4, 9};
    auto next = after_broker_change(r, {2, 3}, false);
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->leader, 2);  // replica order, not ISR order
    EXPECT_EQ(next->isr, (std::vector<int32_t>{3, 2}));
    EXPECT_EQ(next->leader_epoch, 5);
    EXPECT_EQ(next->partition_epoch, 10);
}

TEST(PartitionRegistration, an_out_of_sync_replica_never_leads_cleanly) {
    partition_registration r{{1, 2, 3}, {1}, 1, 4, 9};
    auto next = after_broker_change(r, {2, 3}, false);
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->leader, no_leader);
    EXPECT_EQ(next->isr, (std::vector<int32_t>{1}));  // the last in-sync replica stays
    EXPECT_EQ(next->leader_epoch, 5);

    // When it comes back it leads again, cleanly.
    auto back = after_broker_change(*next, {1, 2, 3}, false);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->leader, 1);
    EXPECT_EQ(back->leader_epoch, 6);
}

TEST(PartitionRegistration, unclean_election_takes_a_live_replica_and_resets_the_isr) {
    partition_registration r{{1, 2, 3}, {1}, 1, 4, 9};
    auto next = after_broker_change(r, {3}, true);
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->leader, 3);
    EXPECT_EQ(next->isr, (std::vector<int32_t>{3}));
}

TEST(PartitionRegistration, no_live_replica_means_no_leader) {
    auto r = initial_registration({1, 2});
    auto next = after_broker_change(r, {5}, true);
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->leader, no_leader);
    EXPECT_EQ(next->isr, (std::vector<int32_t>{2}));
}

TEST(PartitionRegistration, preferred_leader_returns_when_in_sync) {
    partition_registration r{{1, 2, 3}, {2, 3}, 2, 3, 5};
    EXPECT_EQ(preferred_leader(r, {1, 2, 3}), std::nullopt);  // 1 is not in sync yet
    r.isr = {2, 3, 1};
    auto next = preferred_leader(r, {1, 2, 3});
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(next->leader, 1);
    EXPECT_EQ(next->leader_epoch, 4);
    EXPECT_EQ(preferred_leader(*next, {1, 2, 3}), std::nullopt);
    EXPECT_EQ(preferred_leader(r, {2, 3}), std::nullopt);  // 1 is not live
}

TEST(PartitionRegistration, isr_updates_only_from_the_current_leader_at_current_epochs) {
    partition_registration r{{1, 2, 3}, {1, 2, 3}, 1, 3, 5};
    auto shrunk = with_isr(r, 1, 3, 5, {1, 2});
    ASSERT_TRUE(shrunk.has_value());
    EXPECT_EQ(shrunk->isr, (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(shrunk->partition_epoch, 6);
    EXPECT_EQ(shrunk->leader_epoch, 3);

    EXPECT_EQ(with_isr(r, 2, 3, 5, {1, 2}), std::nullopt);     // not the leader
    EXPECT_EQ(with_isr(r, 1, 2, 5, {1, 2}), std::nullopt);     // stale leader epoch
    EXPECT_EQ(with_isr(*shrunk, 1, 3, 5, {1}), std::nullopt);  // stale partition epoch
    EXPECT_EQ(with_isr(r, 1, 3, 5, {2, 3}), std::nullopt);     // drops the leader
    EXPECT_EQ(with_isr(r, 1, 3, 5, {1, 4}), std::nullopt);     // not a replica
    EXPECT_EQ(with_isr(r, 1, 3, 5, {1, 1}), std::nullopt);     // duplicate
}

}  // namespace
}  // namespace sluice::replication
