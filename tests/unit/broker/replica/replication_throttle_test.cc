// The replication throttle's decisions: who is throttled, that in-sync
// replicas never are, and that moving more than the rate holds the rest.
#include "broker/replica/replication_throttle.h"

#include <gtest/gtest.h>

#include <vector>

namespace sluice::broker::replica {
namespace {

using protocol::node_id;

topic_settings throttled(const std::string& leader, const std::string& follower) {
    topic_settings s{};
    s.leader_throttled = parse_throttled_replicas(leader).value();
    s.follower_throttled = parse_throttled_replicas(follower).value();
    return s;
}

broker_config rates(int64_t leader, int64_t follower) {
    broker_config c;
    c.node_id = 1;
    c.leader_replication_throttled_rate = leader;
    c.follower_replication_throttled_rate = follower;
    return c;
}

TEST(ThrottledReplicas, parses_kafka_forms_and_refuses_the_rest) {
    auto all = parse_throttled_replicas("*");
    ASSERT_TRUE(all);
    EXPECT_TRUE(all->covers(7, 3));
    auto some = parse_throttled_replicas(" 0:1 , 2:3");
    ASSERT_TRUE(some);
    EXPECT_TRUE(some->covers(0, 1));
    EXPECT_TRUE(some->covers(2, 3));
    EXPECT_FALSE(some->covers(0, 3));
    auto none = parse_throttled_replicas("");
    ASSERT_TRUE(none);
    EXPECT_FALSE(none->any());
    for (const char* bad : {"0", "0:", ":1", "a:1", "0:1,*", "-1:2", "0:1:2", "*,0:1"}) {
        EXPECT_FALSE(parse_throttled_replicas(bad)) << bad;
    }
}

TEST(ReplicationThrottle, no_rate_no_throttle) {
    broker_config c = rates(INT64_MAX, INT64_MAX);
    replication_throttle t(c);
    auto s = throttled("*", "*");
    EXPECT_FALSE(t.leader_throttles(s, 0));
    EXPECT_FALSE(t.follower_throttles(s, 0));
    t.leader_sent(size_t{1} << 30, 0);
    EXPECT_FALSE(t.leader_holds(s, 0, node_id(2), {node_id(1)}, 0));
    EXPECT_EQ(t.follower_hold(s, 0, {node_id(2)}, 0).count(), 0);
}

TEST(ReplicationThrottle, leader_holds_an_out_of_sync_follower_over_the_rate) {
    broker_config c = rates(1000, INT64_MAX);
    replication_throttle t(c);
    auto s = throttled("0:1", "");
    const std::vector<node_id> isr{node_id(1)};
    EXPECT_TRUE(t.leader_throttles(s, 0));
    EXPECT_FALSE(t.leader_throttles(s, 1));  // partition 1 is not listed for broker 1
    EXPECT_FALSE(t.leader_holds(s, 0, node_id(2), isr, 0));  // a window's burst is allowed
    t.leader_sent(5000, 0);
    EXPECT_TRUE(t.leader_holds(s, 0, node_id(2), isr, 10));
    // In sync: never held back, whatever was sent.
    EXPECT_FALSE(t.leader_holds(s, 0, node_id(2), {node_id(1), node_id(2)}, 10));
    // Not a throttled replica of this broker: never held back.
    EXPECT_FALSE(t.leader_holds(s, 1, node_id(2), isr, 10));
    // The debt is paid at the rate: 4 s after 5,000 bytes at 1,000/s.
    EXPECT_TRUE(t.leader_holds(s, 0, node_id(2), isr, 3900));
    EXPECT_FALSE(t.leader_holds(s, 0, node_id(2), isr, 4100));
}

TEST(ReplicationThrottle, follower_waits_as_long_as_the_debt_takes) {
    broker_config c = rates(INT64_MAX, 2000);
    replication_throttle t(c);
    auto s = throttled("", "*");
    const std::vector<node_id> isr{node_id(2)};  // this broker (1) is out of sync
    EXPECT_EQ(t.follower_hold(s, 0, isr, 0).count(), 0);
    t.follower_fetched(6000, 0);  // 2,000 of burst, 4,000 owed: 2 s
    auto hold = t.follower_hold(s, 0, isr, 0);
    EXPECT_GE(hold.count(), 1900);
    EXPECT_LE(hold.count(), 2000);
    EXPECT_EQ(t.follower_hold(s, 0, {node_id(1), node_id(2)}, 0).count(), 0);  // in sync
    EXPECT_EQ(t.follower_hold(s, 0, isr, 2001).count(), 0);
}

}  // namespace
}  // namespace sluice::broker::replica
