// Explicit replica assignments (CreateTopics, CreatePartitions), one case per
// way Kafka refuses them, and what a valid one resolves to.
#include "replication/manual_assignment.h"

#include <gtest/gtest.h>

namespace sluice::replication {
namespace {

using protocol::error_code;
using listed_t = std::vector<std::pair<int32_t, std::vector<int32_t>>>;

const std::set<int32_t> live{0, 1, 2};

TEST(TopicAssignments, valid_ones_give_the_count_and_the_factor) {
    auto r = check_topic_assignments({{1, {2, 0}}, {0, {1, 2}}, {2, {0, 1}}}, live);
    ASSERT_TRUE(r.error.ok()) << r.error.message;
    EXPECT_EQ(r.partition_count, 3);
    EXPECT_EQ(r.replication_factor, 2);
    EXPECT_EQ(r.replicas, (replica_assignments{{0, {1, 2}}, {1, {2, 0}}, {2, {0, 1}}}));
}

TEST(TopicAssignments, order_of_replicas_is_kept_preferred_leader_first) {
    auto r = check_topic_assignments({{0, {2, 1, 0}}}, live);
    ASSERT_TRUE(r.error.ok());
    EXPECT_EQ(r.replicas.at(0), (std::vector<int32_t>{2, 1, 0}));
}

TEST(TopicAssignments, a_duplicate_broker_is_refused) {
    auto r = check_topic_assignments({{0, {1, 1}}}, live);
    EXPECT_EQ(r.error.code, error_code::invalid_replica_assignment);
    EXPECT_NE(r.error.message.find("more than once"), std::string::npos) << r.error.message;
}

TEST(TopicAssignments, an_unknown_broker_is_refused) {
    auto r = check_topic_assignments({{0, {0, 7}}}, live);
    EXPECT_EQ(r.error.code, error_code::invalid_replica_assignment);
    EXPECT_NE(r.error.message.find("7"), std::string::npos) << r.error.message;
}

TEST(TopicAssignments, an_empty_replica_list_is_refused) {
    EXPECT_EQ(check_topic_assignments({{0, {}}}, live).error.code, error_code::invalid_replica_assignment);
}

TEST(TopicAssignments, uneven_replica_counts_are_refused) {
    EXPECT_EQ(check_topic_assignments({{0, {0, 1}}, {1, {2}}}, live).error.code,
              error_code::invalid_replica_assignment);
    EXPECT_EQ(check_topic_assignments({{0, {0}}, {1, {2, 1}}}, live).error.code,
              error_code::invalid_replica_assignment);
}

TEST(TopicAssignments, a_partition_listed_twice_is_refused) {
    EXPECT_EQ(check_topic_assignments({{0, {0}}, {0, {1}}}, live).error.code, error_code::invalid_replica_assignment);
}

TEST(TopicAssignments, partitions_must_be_0_to_n_minus_1) {
    EXPECT_EQ(check_topic_assignments({{0, {0}}, {2, {1}}}, live).error.code, error_code::invalid_replica_assignment);
    EXPECT_EQ(check_topic_assignments({{1, {0}}}, live).error.code, error_code::invalid_replica_assignment);
    EXPECT_EQ(check_topic_assignments({{-1, {0}}, {0, {1}}}, live).error.code,
              error_code::invalid_replica_assignment);
}

TEST(TopicAssignments, a_single_node_takes_only_itself) {
    const std::set<int32_t> self{0};
    EXPECT_TRUE(check_topic_assignments({{0, {0}}, {1, {0}}}, self).error.ok());
    EXPECT_EQ(check_topic_assignments({{0, {1}}}, self).error.code, error_code::invalid_replica_assignment);
}

TEST(AddedAssignments, keys_continue_after_the_existing_partitions) {
    auto r = check_added_assignments({{2, 0}, {1, 2}}, 1, 3, 2, live);
    ASSERT_TRUE(r.error.ok()) << r.error.message;
    EXPECT_EQ(r.replicas, (replica_assignments{{1, {2, 0}}, {2, {1, 2}}}));
}

TEST(AddedAssignments, one_list_per_added_partition) {
    EXPECT_EQ(check_added_assignments({{0, 1}}, 1, 3, 2, live).error.code, error_code::invalid_replica_assignment);
    EXPECT_EQ(check_added_assignments({{0, 1}, {1, 2}, {2, 0}}, 1, 3, 2, live).error.code,
              error_code::invalid_replica_assignment);
}

TEST(AddedAssignments, the_topics_factor_duplicates_and_unknown_brokers) {
    EXPECT_EQ(check_added_assignments({{0, 1, 2}}, 1, 2, 2, live).error.code, error_code::invalid_replica_assignment);
    EXPECT_EQ(check_added_assignments({{0, 0}}, 1, 2, 2, live).error.code, error_code::invalid_replica_assignment);
    EXPECT_EQ(check_added_assignments({{0, 9}}, 1, 2, 2, live).error.code, error_code::invalid_replica_assignment);
}

}  // namespace
}  // namespace sluice::replication
