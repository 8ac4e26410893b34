// KIP-848's group model without a coordinator: reconciliation (revoke
// before assign, unreleased partitions, epochs) and the server assignors.
#include "broker/groups/consumer_group.h"

#include <gtest/gtest.h>

#include "broker/groups/assignors.h"

namespace sluice::broker::groups {
namespace {

protocol::uuid topic_id(uint8_t n) {
    protocol::uuid id;
    id.value[15] = n;
    return id;
}

const protocol::uuid t1 = topic_id(1);
const protocol::uuid t2 = topic_id(2);

consumer_member& add_member(consumer_group& g, const std::string& id, int32_t epoch, partition_set assigned = {}) {
    auto m = std::make_unique<consumer_member>();
    m->id = id;
    m->member_epoch = epoch;
    m->assigned = std::move(assigned);
    return g.add(std::move(m));
}

TEST(ConsumerGroupReconcile, NewMemberTakesItsWholeTargetWhenFree) {
    consumer_group g("g");
    g.set_group_epoch(1);
    g.set_assignment_epoch(1);
    consumer_member& a = add_member(g, "a", 0);
    g.target()["a"] = {{t1, {0, 1, 2}}};
    EXPECT_TRUE(g.reconcile(a, partition_set{}));
    EXPECT_EQ(a.member_epoch, 1);
    EXPECT_EQ(a.previous_member_epoch, 0);
    EXPECT_EQ(a.state, member_state::stable);
    EXPECT_EQ(a.assigned, (partition_set{{t1, {0, 1, 2}}}));
    EXPECT_EQ(g.partition_epoch(t1, 1), 1);
    EXPECT_EQ(g.state_name(), "Stable");
    // Nothing newer: a second reconcile changes nothing.
    EXPECT_FALSE(g.reconcile(a, partition_set{{t1, {0, 1, 2}}}));
}

TEST(ConsumerGroupReconcile, RevokeBeforeAssign) {
    consumer_group g("g");
    g.set_group_epoch(1);
    g.set_assignment_epoch(1);
    consumer_member& a = add_member(g, "a", 1, {{t1, {0, 1, 2, 3}}});
    consumer_member& b = add_member(g, "b", 0);
    // Epoch 2: b joined, the target splits the topic.
    g.set_group_epoch(2);
    g.set_assignment_epoch(2);
    g.target()["a"] = {{t1, {0, 1}}};
    g.target()["b"] = {{t1, {2, 3}}};

    // b's partitions are still a's: b moves to epoch 2 with nothing yet.
    EXPECT_TRUE(g.reconcile(b, partition_set{}));
    EXPECT_EQ(b.member_epoch, 2);
    EXPECT_EQ(b.state, member_state::unreleased_partitions);
    EXPECT_TRUE(b.assigned.empty());
    EXPECT_EQ(g.state_name(), "Reconciling");

    // a must give up 2 and 3 first, staying at epoch 1.
    EXPECT_TRUE(g.reconcile(a, partition_set{{t1, {0, 1, 2, 3}}}));
    EXPECT_EQ(a.state, member_state::unrevoked_partitions);
    EXPECT_EQ(a.member_epoch, 1);
    EXPECT_EQ(a.assigned, (partition_set{{t1, {0, 1}}}));
    EXPECT_EQ(a.pending_revocation, (partition_set{{t1, {2, 3}}}));
    // Still owning them: nothing moves.
    EXPECT_FALSE(g.reconcile(a, partition_set{{t1, {0, 1, 2, 3}}}));
    EXPECT_FALSE(g.reconcile(a, std::nullopt));
    EXPECT_FALSE(g.reconcile(b, partition_set{}));
    EXPECT_NE(g.partition_epoch(t1, 2), -1);

    // a lets go: it reaches epoch 2, and b can now take 2 and 3.
    EXPECT_TRUE(g.reconcile(a, partition_set{{t1, {0, 1}}}));
    EXPECT_EQ(a.state, member_state::stable);
    EXPECT_EQ(a.member_epoch, 2);
    EXPECT_EQ(a.previous_member_epoch, 1);
    EXPECT_TRUE(a.pending_revocation.empty());
    EXPECT_EQ(g.partition_epoch(t1, 2), -1);
    EXPECT_TRUE(g.reconcile(b, partition_set{}));
    EXPECT_EQ(b.state, member_state::stable);
    EXPECT_EQ(b.assigned, (partition_set{{t1, {2, 3}}}));
    EXPECT_EQ(g.state_name(), "Stable");
}

TEST(ConsumerGroupReconcile, RemovingAMemberReleasesItsPartitions) {
    consumer_group g("g");
    g.set_group_epoch(3);
    g.set_assignment_epoch(3);
    add_member(g, "a", 3, {{t1, {0}}, {t2, {5}}});
    EXPECT_EQ(g.partition_epoch(t2, 5), 3);
    g.remove("a");
    EXPECT_EQ(g.partition_epoch(t1, 0), -1);
    EXPECT_EQ(g.partition_epoch(t2, 5), -1);
    EXPECT_TRUE(g.empty());
    EXPECT_EQ(g.state_name(), "Empty");
}

TEST(ConsumerGroupReconcile, PreferredAssignorIsTheMostAskedFor) {
    consumer_group g("g");
    EXPECT_FALSE(g.preferred_assignor());
    add_member(g, "a", 0).server_assignor = "range";
    add_member(g, "b", 0).server_assignor = "uniform";
    add_member(g, "c", 0).server_assignor = "uniform";
    EXPECT_EQ(g.preferred_assignor(), "uniform");
}

TEST(ConsumerGroupSubset, NamesEveryPartition) {
    EXPECT_TRUE(is_subset({}, {}));
    EXPECT_TRUE(is_subset({{t1, {1}}}, {{t1, {0, 1}}}));
    EXPECT_FALSE(is_subset({{t1, {2}}}, {{t1, {0, 1}}}));
    EXPECT_FALSE(is_subset({{t2, {0}}}, {{t1, {0}}}));
}

size_t count(const partition_set& s) {
    size_t n = 0;
    for (const auto& [t, p] : s)
        n += p.size();
    return n;
}

TEST(Assignors, UniformIsBalancedAndCoversEveryPartition) {
    assignor_input in;
    in.partitions = {{t1, 7}, {t2, 3}};
    for (std::string id : {"a", "b", "c"})
        in.members[id].topics = {t1, t2};
    auto out = assign_uniform(in);
    size_t total = 0;
    std::set<std::pair<protocol::uuid, int32_t>> seen;
    for (const auto& [id, set] : out) {
        EXPECT_GE(count(set), 3u);
        EXPECT_LE(count(set), 4u);
        total += count(set);
        for (const auto& [t, parts] : set) {
            for (int32_t p : parts)
                EXPECT_TRUE(seen.insert({t, p}).second) << "assigned twice";
        }
    }
    EXPECT_EQ(total, 10u);
}

TEST(Assignors, UniformIsSticky) {
    assignor_input in;
    in.partitions = {{t1, 6}};
    in.members["a"] = {{t1}, {{t1, {0, 1, 2}}}};
    in.members["b"] = {{t1}, {{t1, {3, 4, 5}}}};
    in.members["c"] = {{t1}, {}};
    auto out = assign_uniform(in);
    // Each old member keeps two of its three; the newcomer gets one of each.
    EXPECT_EQ(count(out["a"]), 2u);
    EXPECT_EQ(count(out["b"]), 2u);
    EXPECT_EQ(count(out["c"]), 2u);
    EXPECT_TRUE(is_subset(out["a"], {{t1, {0, 1, 2}}}));
    EXPECT_TRUE(is_subset(out["b"], {{t1, {3, 4, 5}}}));
}

TEST(Assignors, UniformOnlyGivesSubscribedTopics) {
    assignor_input in;
    in.partitions = {{t1, 4}, {t2, 4}};
    in.members["a"].topics = {t1};
    in.members["b"].topics = {t1, t2};
    auto out = assign_uniform(in);
    EXPECT_FALSE(out["a"].contains(t2));
    EXPECT_EQ(count(out["a"]) + count(out["b"]), 8u);
    EXPECT_EQ(out["b"].at(t2).size(), 4u);
}

TEST(Assignors, RangeGivesContiguousRangesInMemberOrder) {
    assignor_input in;
    in.partitions = {{t1, 5}, {t2, 5}};
    in.members["a"].topics = {t1, t2};
    in.members["b"].topics = {t1, t2};
    auto out = assign_range(in);
    EXPECT_EQ(out["a"], (partition_set{{t1, {0, 1, 2}}, {t2, {0, 1, 2}}}));
    EXPECT_EQ(out["b"], (partition_set{{t1, {3, 4}}, {t2, {3, 4}}}));
    EXPECT_TRUE(is_known_assignor("range"));
    EXPECT_FALSE(is_known_assignor("sticky"));
    EXPECT_FALSE(run_assignor("sticky", in));
}

}  // namespace
}  // namespace sluice::broker::groups
