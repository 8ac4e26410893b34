// ElectLeaders decisions (preferred and unclean), one case per answer Kafka
// gives.
#include "replication/leader_election.h"

#include <gtest/gtest.h>

namespace sluice::replication {
namespace {

using protocol::error_code;

partition_registration state(std::vector<int32_t> replicas, std::vector<int32_t> isr, int32_t leader,
                             int32_t leader_epoch = 3) {
    partition_registration r;
    r.replicas = std::move(replicas);
    r.isr = std::move(isr);
    r.leader = leader;
    r.leader_epoch = leader_epoch;
    r.partition_epoch = 7;
    return r;
}

TEST(PreferredElection, the_preferred_replica_in_sync_takes_over_with_a_new_epoch) {
    auto d = decide_election(state({0, 1, 2}, {0, 1, 2}, 1), {0, 1, 2}, election_type::preferred);
    ASSERT_EQ(d.code, error_code::none) << d.message;
    ASSERT_TRUE(d.next);
    EXPECT_EQ(d.next->leader, 0);
    EXPECT_EQ(d.next->leader_epoch, 4);
    EXPECT_EQ(d.next->partition_epoch, 8);
    EXPECT_EQ(d.next->isr, (std::vector<int32_t>{0, 1, 2}));
}

TEST(PreferredElection, not_needed_when_it_already_leads) {
    auto d = decide_election(state({0, 1}, {0, 1}, 0), {0, 1}, election_type::preferred);
    EXPECT_EQ(d.code, error_code::election_not_needed);
    EXPECT_FALSE(d.next);
}

TEST(PreferredElection, not_available_when_it_is_dead_or_out_of_sync) {
    EXPECT_EQ(decide_election(state({0, 1}, {0, 1}, 1), {1}, election_type::preferred).code,
              error_code::preferred_leader_not_available);
    EXPECT_EQ(decide_election(state({0, 1}, {1}, 1), {0, 1}, election_type::preferred).code,
              error_code::preferred_leader_not_available);
}

TEST(UncleanElection, not_needed_while_there_is_a_leader) {
    EXPECT_EQ(decide_election(state({0, 1}, {1}, 1), {0, 1}, election_type::unclean).code,
              error_code::election_not_needed);
}

TEST(UncleanElection, a_live_in_sync_replica_first_then_any_live_replica) {
    auto clean = decide_election(state({0, 1, 2}, {2}, no_leader), {1, 2}, election_type::unclean);
    ASSERT_EQ(clean.code, error_code::none);
    EXPECT_EQ(clean.next->leader, 2);

    auto unclean = decide_election(state({0, 1, 2}, {2}, no_leader), {1}, election_type::unclean);
    ASSERT_EQ(unclean.code, error_code::none);
    EXPECT_EQ(unclean.next->leader, 1);
    EXPECT_EQ(unclean.next->isr, (std::vector<int32_t>{1}));
    EXPECT_EQ(unclean.next->leader_epoch, 4);
}

TEST(UncleanElection, no_live_replica_is_eligible_leaders_not_available) {
    auto d = decide_election(state({0, 1}, {1}, no_leader), {5}, election_type::unclean);
    EXPECT_EQ(d.code, error_code::eligible_leaders_not_available);
    EXPECT_FALSE(d.next);
}

}  // namespace
}  // namespace sluice::replication
