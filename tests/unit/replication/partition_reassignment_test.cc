// Partition reassignment's decisions (KIP-455): start, complete, cancel,
// and one case per refusal.
#include "replication/partition_reassignment.h"

#include <gtest/gtest.h>

namespace sluice::replication {
namespace {

using protocol::error_code;
using ids = std::vector<int32_t>;

const std::set<int32_t> all_live{0, 1, 2, 3};

partition_registration state(ids replicas, ids isr, int32_t leader) {
    return partition_registration{std::move(replicas), std::move(isr), leader, 5, 10};
}

TEST(PartitionReassignment, start_adds_the_target_and_records_adding_and_removing) {
    auto d = start_reassignment(state({0, 1}, {0, 1}, 0), {1, 2}, all_live);
    ASSERT_TRUE(d.error.ok());
    ASSERT_TRUE(d.next.has_value());
    EXPECT_EQ(d.next->replicas, (ids{1, 2, 0}));
    EXPECT_EQ(d.next->adding_replicas, (ids{2}));
    EXPECT_EQ(d.next->removing_replicas, (ids{0}));
    EXPECT_EQ(d.next->isr, (ids{0, 1}));
    EXPECT_EQ(d.next->leader, 0);  // the leader stays until the target is in sync
    EXPECT_EQ(d.next->leader_epoch, 6);
    EXPECT_EQ(d.next->partition_epoch, 11);
    EXPECT_EQ(original_replicas(*d.next), (ids{1, 0}));  // as Kafka: their order in the merged list
    EXPECT_EQ(target_replicas(*d.next), (ids{1, 2}));
}

TEST(PartitionReassignment, completes_once_every_target_replica_is_in_sync) {
    auto moving = *start_reassignment(state({0, 1}, {0, 1}, 0), {1, 2}, all_live).next;
    EXPECT_EQ(complete_reassignment(moving, all_live), std::nullopt);
    moving.isr = {0, 1, 2};
    auto done = complete_reassignment(moving, all_live);
    ASSERT_TRUE(done.has_value());
    EXPECT_EQ(done->replicas, (ids{1, 2}));
    EXPECT_EQ(done->isr, (ids{1, 2}));
    EXPECT_TRUE(done->adding_replicas.empty());
    EXPECT_TRUE(done->removing_replicas.empty());
    EXPECT_EQ(done->leader, 1);  // the removed leader hands over to the first target replica in sync
    EXPECT_EQ(done->leader_epoch, moving.leader_epoch + 1);
    EXPECT_FALSE(done->reassigning());
}

TEST(PartitionReassignment, a_leader_that_stays_keeps_leading) {
    auto d = start_reassignment(state({1, 0}, {1, 0}, 1), {2, 1}, all_live);
    auto moving = *d.next;
    moving.isr = {1, 0, 2};
    auto done = complete_reassignment(moving, all_live);
    ASSERT_TRUE(done.has_value());
    EXPECT_EQ(done->replicas, (ids{2, 1}));
    EXPECT_EQ(done->leader, 1);
}

TEST(PartitionReassignment, removals_and_reorders_complete_at_once) {
    auto d = start_reassignment(state({0, 1, 2}, {0, 1, 2}, 0), {2, 1}, all_live);
    ASSERT_TRUE(d.next.has_value());
    EXPECT_FALSE(d.next->reassigning());
    EXPECT_EQ(d.next->replicas, (ids{2, 1}));
    EXPECT_EQ(d.next->isr, (ids{1, 2}));
    EXPECT_EQ(d.next->leader, 2);
    EXPECT_EQ(d.next->leader_epoch, 6);
}

TEST(PartitionReassignment, the_current_replicas_are_nothing_to_do) {
    auto d = start_reassignment(state({0, 1}, {0, 1}, 0), {0, 1}, all_live);
    EXPECT_TRUE(d.error.ok());
    EXPECT_FALSE(d.next.has_value());
}

TEST(PartitionReassignment, refusals_are_invalid_replica_assignment) {
    const auto s = state({0, 1}, {0, 1}, 0);
    EXPECT_EQ(start_reassignment(s, {}, all_live).error.code, error_code::invalid_replica_assignment);
    EXPECT_EQ(start_reassignment(s, {1, 1}, all_live).error.code, error_code::invalid_replica_assignment);
    auto unknown = start_reassignment(s, {1, 7}, all_live);
    EXPECT_EQ(unknown.error.code, error_code::invalid_replica_assignment);
    EXPECT_NE(unknown.error.message.find("broker 7"), std::string::npos);
    EXPECT_FALSE(unknown.next.has_value());
}

TEST(PartitionReassignment, cancel_reverts_to_the_original_replicas) {
    auto moving = *start_reassignment(state({0, 1}, {0, 1}, 0), {1, 2}, all_live).next;
    moving.isr = {0, 1, 2};
    auto d = cancel_reassignment(moving, all_live);
    ASSERT_TRUE(d.error.ok());
    ASSERT_TRUE(d.next.has_value());
    EXPECT_EQ(d.next->replicas, (ids{1, 0}));  // Kafka's order: the original replicas as they appear now
    EXPECT_EQ(d.next->isr, (ids{0, 1}));
    EXPECT_EQ(d.next->leader, 0);
    EXPECT_FALSE(d.next->reassigning());
    EXPECT_EQ(d.next->leader_epoch, moving.leader_epoch + 1);
}

TEST(PartitionReassignment, cancel_with_nothing_in_progress_is_refused) {
    auto d = cancel_reassignment(state({0, 1}, {0, 1}, 0), all_live);
    EXPECT_EQ(d.error.code, error_code::no_reassignment_in_progress);
    EXPECT_FALSE(d.next.has_value());
}

TEST(PartitionReassignment, a_new_target_replaces_the_one_in_progress) {
    auto moving = *start_reassignment(state({0, 1}, {0, 1}, 0), {1, 2}, all_live).next;
    auto d = start_reassignment(moving, {3, 1}, all_live);
    ASSERT_TRUE(d.next.has_value());
    EXPECT_EQ(d.next->replicas, (ids{3, 1, 0}));
    EXPECT_EQ(d.next->adding_replicas, (ids{3}));
    EXPECT_EQ(d.next->removing_replicas, (ids{0}));
    // Back to the original replicas: the same as a cancellation.
    auto back = start_reassignment(moving, {0, 1}, all_live);
    ASSERT_TRUE(back.next.has_value());
    EXPECT_FALSE(back.next->reassigning());
}

TEST(PartitionReassignment, the_state_survives_json) {
    auto moving = *start_reassignment(state({0, 1}, {0, 1}, 0), {1, 2}, all_live).next;
    EXPECT_EQ(partition_registration_from_json(to_json(moving)), moving);
    // A state written without the fields reads as no reassignment.
    auto plain = state({0, 1}, {0, 1}, 0);
    EXPECT_EQ(to_json(plain).find("adding"), std::string::npos);
}

}  // namespace
}  // namespace sluice::replication
