// The leader's view of its followers: the high watermark at the ISR's
// slowest member, never moving back; lagging and caught-up replicas by
// Kafka's rules; acks=all against min.insync.replicas; pending ISR changes.
#include "replication/leader_state.h"

#include <gtest/gtest.h>

namespace sluice::replication {
namespace {

using protocol::node_id;
using protocol::offset;

const node_id n1{1}, n2{2}, n3{3};

leader_state three_in_sync(int64_t now = 1000) {
    leader_state s(n1, {n1, n2, n3}, {n1, n2, n3}, offset(0), offset(0), now);
    s.on_append(offset(10));
    return s;
}

TEST(LeaderState, high_watermark_is_the_slowest_isr_member) {
    auto s = three_in_sync();
    EXPECT_EQ(s.high_watermark(), offset(0));
    EXPECT_FALSE(s.on_follower_fetch(n2, offset(10), offset(10), 1100));  // n3 has nothing yet
    EXPECT_TRUE(s.on_follower_fetch(n3, offset(6), offset(10), 1100));
    EXPECT_EQ(s.high_watermark(), offset(6));
    EXPECT_TRUE(s.on_follower_fetch(n3, offset(10), offset(10), 1200));
    EXPECT_EQ(s.high_watermark(), offset(10));
}

TEST(LeaderState, a_leader_alone_in_the_isr_commits_on_append) {
    leader_state s(n1, {n1, n2}, {n1}, offset(0), offset(0), 0);
    EXPECT_TRUE(s.on_append(offset(5)));
    EXPECT_EQ(s.high_watermark(), offset(5));
    // A follower outside the ISR does not hold it back.
    s.on_follower_fetch(n2, offset(1), offset(5), 10);
    EXPECT_EQ(s.high_watermark(), offset(5));
}

TEST(LeaderState, high_watermark_never_moves_back) {
    leader_state s(n1, {n1, n2}, {n1, n2}, offset(7), offset(7), 0);
    s.on_append(offset(9));
    // A follower that restarted and truncated fetches from below the mark.
    EXPECT_FALSE(s.on_follower_fetch(n2, offset(3), offset(9), 10));
    EXPECT_EQ(s.high_watermark(), offset(7));
}

TEST(LeaderState, lagging_follows_kafkas_caught_up_rule) {
    auto s = three_in_sync(0);
    const int64_t max_lag = 10'000;
    // n2 fetches at the leader's end: caught up. n3 never fetches.
    s.on_follower_fetch(n2, offset(10), offset(10), 5'000);
    EXPECT_TRUE(s.lagging(9'000, max_lag).empty());
    EXPECT_EQ(s.lagging(10'001, max_lag), std::vector<node_id>{n3});

    // n2 falls behind a fast producer but keeps reaching the end the leader
    // had at its previous fetch: caught up as of that previous fetch.
    s.on_append(offset(20));
    s.on_follower_fetch(n2, offset(15), offset(20), 12'000);
    s.on_append(offset(30));
    s.on_follower_fetch(n2, offset(20), offset(30), 19'000);  // reached 20 = leader end at its previous fetch
    auto lag = s.lagging(21'000, max_lag);
    EXPECT_EQ(std::count(lag.begin(), lag.end(), n2), 0);
    // Stuck below the previous end: it lags once the period runs out.
    s.on_follower_fetch(n2, offset(21), offset(30), 25'000);
    s.on_follower_fetch(n2, offset(21), offset(30), 29'100);
    lag = s.lagging(29'100, max_lag);
    EXPECT_EQ(std::count(lag.begin(), lag.end(), n2), 1);
}

TEST(LeaderState, a_shrink_commits_only_once_the_controller_agrees) {
    auto s = three_in_sync();
    s.on_follower_fetch(n2, offset(10), offset(10), 1100);
    s.propose_isr({n1, n2});  // dropping n3, not yet confirmed
    EXPECT_EQ(s.high_watermark(), offset(0));
    EXPECT_TRUE(s.set_isr({n1, n2}));
    EXPECT_EQ(s.high_watermark(), offset(10));
}

TEST(LeaderState, an_expansion_counts_the_new_member_at_once) {
    leader_state s(n1, {n1, n2}, {n1}, offset(0), offset(0), 0);
    s.on_append(offset(10));
    EXPECT_EQ(s.high_watermark(), offset(10));
    s.on_append(offset(20));
    s.on_follower_fetch(n2, offset(10), offset(20), 10);
    EXPECT_TRUE(s.caught_up(10, 1000).empty());  // below the high watermark
    s.on_follower_fetch(n2, offset(20), offset(20), 20);
    EXPECT_EQ(s.caught_up(20, 1000), std::vector<node_id>{n2});
    s.propose_isr({n1, n2});
    s.on_append(offset(30));
    EXPECT_EQ(s.high_watermark(), offset(20));  // held at n2's end from the moment it is proposed
    s.on_follower_fetch(n2, offset(30), offset(30), 30);
    EXPECT_EQ(s.high_watermark(), offset(30));
}

TEST(LeaderState, caught_up_needs_the_high_watermark_and_this_epochs_start) {
    leader_state s(n1, {n1, n2}, {n1}, offset(50), offset(60), 0);
    s.on_append(offset(70));
    EXPECT_EQ(s.high_watermark(), offset(70));
    s.on_follower_fetch(n2, offset(55), offset(70), 10);
    EXPECT_TRUE(s.caught_up(10, 1000).empty());
    s.on_follower_fetch(n2, offset(70), offset(70), 20);
    EXPECT_EQ(s.caught_up(20, 1000), std::vector<node_id>{n2});
}

// Kafka re-admits a follower only as it fetches: one that stopped (SIGSTOP,
// cut off) stays out however well placed its last fetch left it.
TEST(LeaderState, a_follower_that_stopped_fetching_does_not_rejoin_on_its_old_position) {
    leader_state s(n1, {n1, n2}, {n1, n2}, offset(0), offset(0), 0);
    s.on_append(offset(10));
    s.on_follower_fetch(n2, offset(10), offset(10), 100);
    EXPECT_TRUE(s.lagging(1000, 1000).empty());
    EXPECT_EQ(s.lagging(1200, 1000), std::vector<node_id>{n2});  // silent past the lag limit
    s.set_isr({n1});
    // Its position still equals the high watermark, but it is not fetching.
    EXPECT_TRUE(s.caught_up(1200, 1000).empty());
    s.on_follower_fetch(n2, offset(10), offset(10), 1300);
    EXPECT_EQ(s.caught_up(1300, 1000), std::vector<node_id>{n2});
}

TEST(LeaderState, acks_all_waits_for_the_high_watermark_then_checks_min_isr) {
    auto s = three_in_sync();
    EXPECT_EQ(s.check_acks(offset(10), 2), leader_state::ack::waiting);
    s.on_follower_fetch(n2, offset(10), offset(10), 1100);
    s.on_follower_fetch(n3, offset(10), offset(10), 1100);
    EXPECT_EQ(s.check_acks(offset(10), 2), leader_state::ack::done);
    s.set_isr({n1});
    EXPECT_EQ(s.check_acks(offset(10), 2), leader_state::ack::not_enough_replicas_after_append);
    EXPECT_EQ(s.check_acks(offset(10), 1), leader_state::ack::done);
}

TEST(LeaderState, unknown_followers_are_ignored) {
    auto s = three_in_sync();
    EXPECT_FALSE(s.on_follower_fetch(node_id(9), offset(10), offset(10), 1100));
    EXPECT_FALSE(s.is_replica(node_id(9)));
    EXPECT_EQ(s.log_end_of(node_id(9)), std::nullopt);
    EXPECT_EQ(s.log_end_of(n2), std::nullopt);  // has not fetched yet
    EXPECT_EQ(s.log_end_of(n1), offset(10));
}

}  // namespace
}  // namespace sluice::replication
