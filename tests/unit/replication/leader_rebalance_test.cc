// Which partitions the automatic preferred-leader rebalance moves: Kafka's
// per-broker imbalance ratio against leader.imbalance.per.broker.percentage.
#include "replication/leader_rebalance.h"

#include <gtest/gtest.h>

namespace sluice::replication {
namespace {

partition_registration led_by(std::vector<int32_t> replicas, int32_t leader) {
    partition_registration r;
    r.isr = replicas;
    r.replicas = std::move(replicas);
    r.leader = leader;
    return r;
}

std::vector<size_t> check(const std::vector<partition_registration>& parts, int32_t percentage,
                          const std::set<int32_t>& live = {1, 2, 3}, const std::set<int32_t>& leaving = {}) {
    std::vector<const partition_registration*> ptrs;
    for (const auto& p : parts)
        ptrs.push_back(&p);
    return partitions_to_rebalance(ptrs, live, leaving, percentage);
}

TEST(LeaderRebalanceTest, a_broker_above_the_percentage_gets_all_its_partitions_back) {
    // Broker 1 prefers three partitions and leads one: 2/3 led elsewhere.
    std::vector<partition_registration> parts{led_by({1, 2}, 2), led_by({1, 3}, 1), led_by({1, 2}, 2),
                                              led_by({2, 1}, 2)};
    EXPECT_EQ(check(parts, 10), (std::vector<size_t>{0, 2}));
    EXPECT_EQ(check(parts, 66), (std::vector<size_t>{0, 2}));
}

TEST(LeaderRebalanceTest, at_or_below_the_percentage_nothing_moves) {
    std::vector<partition_registration> parts{led_by({1, 2}, 2), led_by({1, 3}, 1)};  // 50%
    EXPECT_TRUE(check(parts, 50).empty());
    EXPECT_EQ(check(parts, 49), (std::vector<size_t>{0}));
    EXPECT_TRUE(check({led_by({1, 2}, 1)}, 0).empty());  // balanced: 0% is never above
}

TEST(LeaderRebalanceTest, only_to_a_live_in_sync_preferred_replica_not_leaving) {
    std::vector<partition_registration> parts{led_by({1, 2}, 2)};
    EXPECT_TRUE(check(parts, 10, {2, 3}).empty());          // preferred is down
    EXPECT_TRUE(check(parts, 10, {1, 2, 3}, {1}).empty());  // in controlled shutdown
    parts[0].isr = {2};
    EXPECT_TRUE(check(parts, 10).empty());  // out of sync
}

}  // namespace
}  // namespace sluice::replication
