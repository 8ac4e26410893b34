// Replica placement: Kafka's even spread of leaders and followers, racks
// alternated so no rack holds two replicas of a partition while another
// holds none, and INVALID_REPLICATION_FACTOR when there are too few brokers.
#include "replication/replica_assignment.h"

#include <gtest/gtest.h>

#include <set>

namespace sluice::replication {
namespace {

using brokers_t = std::map<int32_t, std::optional<std::string>>;
using protocol::error_code;

brokers_t unracked(std::initializer_list<int32_t> ids) {
    brokers_t b;
    for (int32_t id : ids) b[id] = std::nullopt;
    return b;
}

TEST(ReplicaAssignment, spreads_like_kafka_without_racks) {
    auto r = assign_replicas(unracked({0, 1, 2, 3, 4}), {10, 3, 0, 0, 0});
    ASSERT_EQ(r.error, error_code::none);
    std::map<int32_t, std::vector<int32_t>> expected{
        {0, {0, 1, 2}}, {1, {1, 2, 3}}, {2, {2, 3, 4}}, {3, {3, 4, 0}}, {4, {4, 0, 1}},
        {5, {0, 2, 3}}, {6, {1, 3, 4}}, {7, {2, 4, 0}}, {8, {3, 0, 1}}, {9, {4, 1, 2}},
    };
    EXPECT_EQ(r.replicas, expected);
}

TEST(ReplicaAssignment, new_partitions_continue_after_the_existing_ones) {
    auto all = assign_replicas(unracked({0, 1, 2, 3, 4}), {10, 3, 0, 0, 0});
    auto tail = assign_replicas(unracked({0, 1, 2, 3, 4}), {4, 3, 6, 0, 1});
    ASSERT_EQ(tail.replicas.size(), 4u);
    for (int32_t p = 6; p < 10; ++p) EXPECT_EQ(tail.replicas.at(p), all.replicas.at(p)) << p;
}

TEST(ReplicaAssignment, too_few_brokers_is_invalid_replication_factor) {
    auto r = assign_replicas(unracked({1, 2}), {3, 3, 0, 0, 0});
    EXPECT_EQ(r.error, error_code::invalid_replication_factor);
    EXPECT_EQ(r.message, "Replication factor: 3 larger than available brokers: 2.");
    EXPECT_TRUE(r.replicas.empty());
    EXPECT_EQ(assign_replicas(unracked({1, 2}), {3, 0, 0, 0, 0}).error, error_code::invalid_replication_factor);
    EXPECT_EQ(assign_replicas(unracked({}), {1, 1, 0, 0, 0}).error, error_code::invalid_replication_factor);
}

TEST(ReplicaAssignment, racks_alternate_and_each_partition_spans_racks) {
    brokers_t b{{0, "rack1"}, {1, "rack3"}, {2, "rack3"}, {3, "rack2"}, {4, "rack2"}, {5, "rack1"}};
    // The rack-alternated list is 0,3,1,5,4,2: with start 0 and RF 1 the
    // leaders walk it in order.
    auto leaders = assign_replicas(b, {6, 1, 0, 0, 0});
    std::vector<int32_t> walk;
    for (const auto& [p, r] : leaders.replicas) walk.push_back(r[0]);
    EXPECT_EQ(walk, (std::vector<int32_t>{0, 3, 1, 5, 4, 2}));

    for (int32_t start = 0; start < 6; ++start) {
        auto r = assign_replicas(b, {12, 3, 0, start, start});
        ASSERT_EQ(r.error, error_code::none);
        std::map<int32_t, int> replica_count, leader_count;
        for (const auto& [p, replicas] : r.replicas) {
            ASSERT_EQ(replicas.size(), 3u);
            std::set<std::string> racks;
            std::set<int32_t> ids(replicas.begin(), replicas.end());
            for (int32_t id : replicas) {
                racks.insert(*b.at(id));
                ++replica_count[id];
            }
            ++leader_count[replicas[0]];
            EXPECT_EQ(racks.size(), 3u) << "partition " << p;
            EXPECT_EQ(ids.size(), 3u) << "partition " << p;
        }
        for (const auto& [id, n] : replica_count) EXPECT_EQ(n, 6) << "broker " << id;
        for (const auto& [id, n] : leader_count) EXPECT_EQ(n, 2) << "broker " << id;
    }
}

TEST(ReplicaAssignment, more_replicas_than_racks_uses_every_rack_then_fills) {
    brokers_t b{{0, "a"}, {1, "a"}, {2, "b"}, {3, "b"}};
    auto r = assign_replicas(b, {8, 3, 0, 1, 2});
    ASSERT_EQ(r.error, error_code::none);
    for (const auto& [p, replicas] : r.replicas) {
        std::set<std::string> racks;
        for (int32_t id : replicas) racks.insert(*b.at(id));
        EXPECT_EQ(racks.size(), 2u) << p;
        EXPECT_EQ(std::set<int32_t>(replicas.begin(), replicas.end()).size(), 3u) << p;
    }
}

TEST(ReplicaAssignment, a_broker_without_a_rack_counts_as_its_own_rack) {
    brokers_t b{{0, "a"}, {1, "a"}, {2, std::nullopt}};
    auto r = assign_replicas(b, {3, 2, 0, 0, 0});
    ASSERT_EQ(r.error, error_code::none);
    for (const auto& [p, replicas] : r.replicas) {
        // Never both replicas in rack a.
        EXPECT_FALSE(b.at(replicas[0]) == std::optional<std::string>("a") &&
                     b.at(replicas[1]) == std::optional<std::string>("a"))
            << p;
    }
}

}  // namespace
}  // namespace sluice::replication
