// The coordinator's KIP-848 side, driven directly: ConsumerGroupHeartbeat
// joins, reconciliation across members, fencing, leaving, static members,
// session expiry, regex subscriptions, restarts, offset commits with member
// epochs, and conversion between classic and consumer groups.
#include "unit/broker/group_coordinator_fixture.h"

namespace sluice::broker::groups::test {
namespace {

using hb_request = protocol::consumer_group_heartbeat_request;
using hb_response = protocol::consumer_group_heartbeat_response;

class ConsumerCoordinator : public GroupCoordinator {
protected:
    hb_response hb(hb_request req, int16_t version = 1) {
        return co().consumer_heartbeat(req, version, "client", "/127.0.0.1");
    }

    static hb_request join_req(const std::string& group, const std::string& member,
                               std::vector<std::string> topics = {"t"}) {
        hb_request r;
        r.group_id = group;
        r.member_id = member;
        r.member_epoch = 0;
        r.rebalance_timeout_ms = 60000;
        r.subscribed_topic_names = std::move(topics);
        r.topic_partitions = std::vector<hb_request::topic_partitions_data>{};
        return r;
    }

    hb_request beat(const std::string& group, const std::string& member, int32_t epoch,
                    std::optional<std::vector<int32_t>> owned = std::nullopt, const std::string& topic = "t") {
        hb_request r;
        r.group_id = group;
        r.member_id = member;
        r.member_epoch = epoch;
        if (owned) {
            hb_request::topic_partitions_data tp;
            tp.topic_id = b_->topics().find(topic)->meta.topic_id;
            tp.partitions = *owned;
            r.topic_partitions = std::vector<hb_request::topic_partitions_data>{};
            if (!owned->empty()) r.topic_partitions->push_back(std::move(tp));
        }
        return r;
    }

    static std::vector<int32_t> partitions_of(const hb_response& r) {
        std::vector<int32_t> out;
        if (!r.assignment) return out;
        for (const auto& t : r.assignment->topic_partitions)
            out.insert(out.end(), t.partitions.begin(), t.partitions.end());
        std::sort(out.begin(), out.end());
        return out;
    }

    void SetUp() override {
        GroupCoordinator::SetUp();
        create_topic("t", 4);
    }
};

TEST_F(ConsumerCoordinator, FirstMemberGetsEverything) {
    hb_response r = hb(join_req("g", "m1"));
    ASSERT_EQ(r.error_code, 0) << r.error_message.value_or("");
    EXPECT_EQ(r.member_id, "m1");
    EXPECT_EQ(r.member_epoch, 1);
    EXPECT_EQ(r.heartbeat_interval_ms, 5000);
    EXPECT_EQ(partitions_of(r), (std::vector<int32_t>{0, 1, 2, 3}));
    auto d = co().describe_consumer("g");
    EXPECT_EQ(d.error_code, 0);
    EXPECT_EQ(d.group_state, "Stable");
    EXPECT_EQ(d.group_epoch, 1);
    EXPECT_EQ(d.assignment_epoch, 1);
    EXPECT_EQ(d.assignor_name, "uniform");
    ASSERT_EQ(d.members.size(), 1u);
    EXPECT_EQ(d.members[0].assignment.topic_partitions.at(0).topic_name, "t");
}

TEST_F(ConsumerCoordinator, VersionZeroHandsOutTheMemberId) {
    hb_response r = hb(join_req("g", ""), 0);
    ASSERT_EQ(r.error_code, 0);
    ASSERT_TRUE(r.member_id);
    EXPECT_FALSE(r.member_id->empty());
    // From v1 the client names itself.
    EXPECT_EQ(hb(join_req("g", ""), 1).error_code, wire(error_code::invalid_request));
}

TEST_F(ConsumerCoordinator, SecondMemberWaitsUntilTheFirstRevokes) {
    hb(join_req("g", "m1"));
    hb_response j2 = hb(join_req("g", "m2"));
    ASSERT_EQ(j2.error_code, 0);
    EXPECT_EQ(j2.member_epoch, 2);
    EXPECT_TRUE(partitions_of(j2).empty());  // its partitions are still m1's

    // m1 learns it must give two up, and stays at epoch 1 meanwhile.
    hb_response r1 = hb(beat("g", "m1", 1, std::vector<int32_t>{0, 1, 2, 3}));
    ASSERT_EQ(r1.error_code, 0);
    EXPECT_EQ(r1.member_epoch, 1);
    std::vector<int32_t> kept = partitions_of(r1);
    ASSERT_EQ(kept.size(), 2u);
    EXPECT_EQ(co().describe_consumer("g").group_state, "Reconciling");

    // m2 still gets nothing until m1 says it let go.
    EXPECT_TRUE(partitions_of(hb(beat("g", "m2", 2, std::vector<int32_t>{}))).empty());
    hb_response r1b = hb(beat("g", "m1", 1, kept));
    EXPECT_EQ(r1b.member_epoch, 2);
    hb_response r2 = hb(beat("g", "m2", 2, std::vector<int32_t>{}));
    std::vector<int32_t> theirs = partitions_of(r2);
    ASSERT_EQ(theirs.size(), 2u);
    for (int32_t p : theirs)
        EXPECT_EQ(std::count(kept.begin(), kept.end(), p), 0);
    EXPECT_EQ(co().describe_consumer("g").group_state, "Stable");
}

TEST_F(ConsumerCoordinator, WrongEpochsAreFenced) {
    hb(join_req("g", "m1"));
    EXPECT_EQ(hb(beat("g", "m1", 5)).error_code, wire(error_code::fenced_member_epoch));
    EXPECT_EQ(hb(beat("g", "nobody", 1)).error_code, wire(error_code::unknown_member_id));
    EXPECT_EQ(hb(beat("other", "m1", 1)).error_code, wire(error_code::group_id_not_found));
    // Errors carry no member id, as Kafka's do.
    EXPECT_FALSE(hb(beat("g", "m1", 5)).member_id);
    hb(join_req("g", "m2"));
    hb(beat("g", "m1", 1, std::vector<int32_t>{0, 1, 2, 3}));
    hb_response r = hb(beat("g", "m1", 1, std::vector<int32_t>{0, 1}));  // revoked: now epoch 2
    ASSERT_EQ(r.member_epoch, 2);
    // One epoch behind, owning a subset of its assignment: a lost answer, accepted.
    EXPECT_EQ(hb(beat("g", "m1", 1, std::vector<int32_t>{0})).error_code, 0);
    // Behind and claiming more than it has: fenced.
    EXPECT_EQ(hb(beat("g", "m1", 1, std::vector<int32_t>{0, 1, 2})).error_code, wire(error_code::fenced_member_epoch));
}

TEST_F(ConsumerCoordinator, BadRequestsGetKafkasErrors) {
    hb_request no_subscription = join_req("g", "m1", {});
    no_subscription.subscribed_topic_names.reset();
    EXPECT_EQ(hb(no_subscription).error_code, wire(error_code::invalid_request));
    hb_request empty_instance = join_req("g", "m1");
    empty_instance.instance_id = "";
    EXPECT_EQ(hb(empty_instance).error_code, wire(error_code::invalid_request));
    hb_request empty_assignor = join_req("g", "m1");
    empty_assignor.server_assignor = "";
    EXPECT_EQ(hb(empty_assignor).error_code, wire(error_code::unsupported_assignor));
    hb_request no_timeout = join_req("g", "m1");
    no_timeout.rebalance_timeout_ms = -1;
    EXPECT_EQ(hb(no_timeout).error_code, wire(error_code::invalid_request));
    hb_request owning = join_req("g", "m1");
    owning.topic_partitions->push_back({});
    EXPECT_EQ(hb(owning).error_code, wire(error_code::invalid_request));
    hb_request bad_epoch = beat("g", "m1", -3);
    EXPECT_EQ(hb(bad_epoch).error_code, wire(error_code::invalid_request));
    hb_request no_group = join_req("", "m1");
    EXPECT_EQ(hb(no_group).error_code, wire(error_code::invalid_request));
    hb_request assignor = join_req("g", "m1");
    assignor.server_assignor = "sticky";
    hb_response r = hb(assignor);
    EXPECT_EQ(r.error_code, wire(error_code::unsupported_assignor));
    EXPECT_NE(r.error_message.value_or("").find("uniform"), std::string::npos);
    hb_request regex = join_req("g", "m1");
    regex.subscribed_topic_regex = "t[";
    EXPECT_EQ(hb(regex).error_code, wire(error_code::invalid_regular_expression));
    // Nothing was created by any of them.
    EXPECT_EQ(co().describe_consumer("g").error_code, wire(error_code::group_id_not_found));
}

TEST_F(ConsumerCoordinator, EmptySubscriptionJoinsWithNothing) {
    // Kafka 4 takes an empty subscription (KAFKA-18095).
    hb_response r = hb(join_req("g", "m1", {}));
    ASSERT_EQ(r.error_code, 0) << r.error_message.value_or("");
    EXPECT_TRUE(partitions_of(r).empty());
}

TEST_F(ConsumerCoordinator, FullHeartbeatGetsTheAssignmentAgain) {
    hb(join_req("g", "m1"));
    hb(join_req("g", "m2"));
    hb_request full = beat("g", "m1", 1, std::vector<int32_t>{0, 1, 2, 3});
    full.rebalance_timeout_ms = 60000;
    full.subscribed_topic_names = std::vector<std::string>{"t"};
    std::vector<int32_t> kept = partitions_of(hb(full));
    ASSERT_EQ(kept.size(), 2u);
    // The same full request again (its answer was lost): the same assignment.
    EXPECT_EQ(partitions_of(hb(full)), kept);
    // A plain heartbeat with nothing new gets none.
    EXPECT_FALSE(hb(beat("g", "m1", 1)).assignment);
}

TEST_F(ConsumerCoordinator, LeavingHandsThePartitionsOver) {
    hb(join_req("g", "m1"));
    hb(join_req("g", "m2"));
    hb_response left = hb(beat("g", "m1", leave_group_epoch));
    EXPECT_EQ(left.error_code, 0);
    EXPECT_EQ(left.member_epoch, leave_group_epoch);
    hb_response r = hb(beat("g", "m2", 2, std::vector<int32_t>{}));
    EXPECT_EQ(r.member_epoch, 3);
    EXPECT_EQ(partitions_of(r), (std::vector<int32_t>{0, 1, 2, 3}));
    EXPECT_EQ(co().describe_consumer("g").members.size(), 1u);
}

TEST_F(ConsumerCoordinator, StaticMemberComesBackToItsAssignment) {
    hb_request first = join_req("g", "m1");
    first.instance_id = "i1";
    hb(first);
    hb(join_req("g", "m2"));
    hb(beat("g", "m1", 1, std::vector<int32_t>{0, 1, 2, 3}));
    std::vector<int32_t> kept = partitions_of(hb(beat("g", "m1", 1, std::vector<int32_t>{0, 1, 2, 3})));
    hb_response settled = hb(beat("g", "m1", 1, kept));
    ASSERT_EQ(settled.member_epoch, 2);
    kept = {};
    for (const auto& m : co().describe_consumer("g").members) {
        if (m.member_id == "m1") {
            for (const auto& t : m.assignment.topic_partitions)
                kept = t.partitions;
        }
    }
    ASSERT_EQ(kept.size(), 2u);

    // Another process with the same instance id while m1 is alive: refused.
    hb_request twin = join_req("g", "m3");
    twin.instance_id = "i1";
    EXPECT_EQ(hb(twin).error_code, wire(error_code::unreleased_instance_id));

    hb_request leave = beat("g", "m1", leave_static_group_epoch);
    leave.instance_id = "i1";
    EXPECT_EQ(hb(leave).error_code, 0);
    int32_t epoch_before = co().describe_consumer("g").group_epoch;
    hb_response back = hb(twin);  // the restarted process, with a new member id
    ASSERT_EQ(back.error_code, 0) << back.error_message.value_or("");
    EXPECT_EQ(partitions_of(back), kept);
    EXPECT_EQ(co().describe_consumer("g").group_epoch, epoch_before);  // no rebalance
}

TEST_F(ConsumerCoordinator, SilentMemberIsRemovedAfterItsSession) {
    hb(join_req("g", "m1"));
    hb(join_req("g", "m2"));
    co().tick(now_ms() + 10000);
    EXPECT_EQ(co().describe_consumer("g").members.size(), 2u);
    co().tick(now_ms() + 46000);
    EXPECT_EQ(co().describe_consumer("g").members.size(), 0u);
    EXPECT_EQ(co().describe_consumer("g").group_state, "Empty");
}

TEST_F(ConsumerCoordinator, MemberThatNeverRevokesIsRemovedAfterItsRebalanceTimeout) {
    hb_request first = join_req("g", "m1");
    first.rebalance_timeout_ms = 1000;
    hb(first);
    hb(join_req("g", "m2"));
    hb(beat("g", "m1", 1, std::vector<int32_t>{0, 1, 2, 3}));  // told to revoke
    co().tick(now_ms() + 2000);
    auto d = co().describe_consumer("g");
    ASSERT_EQ(d.members.size(), 1u);
    EXPECT_EQ(d.members[0].member_id, "m2");
}

TEST_F(ConsumerCoordinator, RegexSubscriptionFollowsNewTopics) {
    hb_request r = join_req("g", "m1", {});
    r.subscribed_topic_regex = "orders-.*";
    create_topic("orders-eu", 2);
    create_topic("payments", 2);
    hb_response j = hb(r);
    ASSERT_EQ(j.error_code, 0);
    EXPECT_EQ(partitions_of(j).size(), 2u);
    int32_t epoch = co().describe_consumer("g").group_epoch;
    create_topic("orders-us", 3);
    co().tick(now_ms() + 1000);
    EXPECT_GT(co().describe_consumer("g").group_epoch, epoch);
    hb_response next = hb(beat("g", "m1", j.member_epoch, std::vector<int32_t>{0, 1}, "orders-eu"));
    EXPECT_EQ(partitions_of(next).size(), 5u);
}

TEST_F(ConsumerCoordinator, StateSurvivesARestart) {
    hb(join_req("g", "m1"));
    hb(join_req("g", "m2"));
    std::vector<int32_t> kept = partitions_of(hb(beat("g", "m1", 1, std::vector<int32_t>{0, 1, 2, 3})));
    hb(beat("g", "m1", 1, kept));
    hb(beat("g", "m2", 2, std::vector<int32_t>{}));
    auto before = co().describe_consumer("g");
    restart();
    auto after = co().describe_consumer("g");
    ASSERT_EQ(after.error_code, 0);
    EXPECT_EQ(after.group_epoch, before.group_epoch);
    EXPECT_EQ(after.assignment_epoch, before.assignment_epoch);
    EXPECT_EQ(after.group_state, before.group_state);
    ASSERT_EQ(after.members.size(), before.members.size());
    for (size_t i = 0; i < after.members.size(); ++i) {
        const auto& a = after.members[i];
        const auto& b = before.members[i];
        EXPECT_EQ(a.member_id, b.member_id);
        EXPECT_EQ(a.instance_id, b.instance_id);
        EXPECT_EQ(a.member_epoch, b.member_epoch);
        EXPECT_EQ(a.client_id, b.client_id);
        EXPECT_EQ(a.client_host, b.client_host);
        EXPECT_EQ(a.subscribed_topic_names, b.subscribed_topic_names);
        EXPECT_EQ(a.assignment, b.assignment);
        EXPECT_EQ(a.target_assignment, b.target_assignment);
    }
    // Members carry on with the epochs they had.
    EXPECT_EQ(hb(beat("g", "m1", 2)).error_code, 0);
}

TEST_F(ConsumerCoordinator, OffsetCommitsCheckTheMemberEpoch) {
    hb_response j = hb(join_req("g", "m1"));
    auto commit_v9 = [&](const std::string& member, int32_t epoch) {
        protocol::offset_commit_request req;
        req.group_id = "g";
        req.member_id = member;
        req.generation_id_or_member_epoch = epoch;
        protocol::offset_commit_request::offset_commit_request_topic t;
        t.name = "t";
        t.partitions.push_back({});
        t.partitions.back().committed_offset = 7;
        req.topics.push_back(t);
        return commit_now(req, 9).topics.at(0).partitions.at(0).error_code;
    };
    EXPECT_EQ(commit_v9("m1", j.member_epoch), 0);
    EXPECT_EQ(fetched("g", "t", 0).offset, 7);
    EXPECT_EQ(commit_v9("m1", j.member_epoch + 1), wire(error_code::stale_member_epoch));
    EXPECT_EQ(commit_v9("ghost", j.member_epoch), wire(error_code::unknown_member_id));
    EXPECT_EQ(commit_v9("", -1), wire(error_code::unknown_member_id));  // the group is not empty
    EXPECT_EQ(co().check_offset_fetch_member("g", std::string("m1"), j.member_epoch), error_code::none);
    EXPECT_EQ(co().check_offset_fetch_member("g", std::string("m1"), 99), error_code::stale_member_epoch);
    EXPECT_EQ(co().check_offset_fetch_member("g", std::nullopt, -1), error_code::none);
}

TEST_F(ConsumerCoordinator, CommitWithoutEpochIsTakenWhateverTheMemberId) {
    // librdkafka with group.protocol=consumer commits before (or without)
    // joining with its own member id and epoch -1: Kafka stores it while
    // the group is empty or absent.
    EXPECT_EQ(only_error(commit("fresh", "t", 0, 5, -1, "client-made-id")), 0);
    EXPECT_EQ(fetched("fresh", "t", 0).offset, 5);
    EXPECT_EQ(only_error(commit("fresh", "t", 0, 6, -1, "another-id")), 0);
    EXPECT_EQ(fetched("fresh", "t", 0).offset, 6);
    // A generation on an absent group is still refused.
    EXPECT_EQ(only_error(commit("absent", "t", 0, 1, 3, "m")), wire(error_code::illegal_generation));
}

TEST_F(ConsumerCoordinator, ListingShowsTheGroupType) {
    hb(join_req("cg", "m1"));
    commit("classic", "t", 0, 1);  // a simple classic group
    auto all = co().list({}, {});
    ASSERT_EQ(all.size(), 2u);
    auto consumer_only = co().list({}, {"consumer"});
    ASSERT_EQ(consumer_only.size(), 1u);
    EXPECT_EQ(consumer_only[0].group_id, "cg");
    EXPECT_EQ(consumer_only[0].group_type, "consumer");
    EXPECT_EQ(consumer_only[0].protocol_type, "consumer");
    EXPECT_EQ(consumer_only[0].group_state, "Stable");
    EXPECT_EQ(co().list({"Stable"}, {"classic"}).size(), 0u);
    // The classic API does not describe a consumer group (Kafka: Dead, no error).
    EXPECT_EQ(co().describe("cg").group_state, "Dead");
    EXPECT_EQ(co().describe_consumer("classic").error_code, wire(error_code::group_id_not_found));
}

TEST_F(ConsumerCoordinator, EmptyGroupsConvertBetweenProtocols) {
    // An empty classic group (offsets only) becomes a consumer group, keeping its offsets.
    commit("g", "t", 0, 42);
    ASSERT_EQ(hb(join_req("g", "m1")).error_code, 0);
    EXPECT_EQ(fetched("g", "t", 0).offset, 42);
    // While it has members, a classic JoinGroup joins it as a classic member
    // (group_migration_test.cc); once empty it converts back.
    hb(beat("g", "m1", leave_group_epoch));
    std::string id = new_member_id("g");
    EXPECT_FALSE(id.empty());
    EXPECT_EQ(co().describe_consumer("g").error_code, wire(error_code::group_id_not_found));
    EXPECT_EQ(fetched("g", "t", 0).offset, 42);

    // A classic group whose members' metadata is not the consumer
    // protocol's refuses consumer-protocol members.
    form_stable("busy", 1);
    hb_response r = hb(join_req("busy", "m9"));
    EXPECT_EQ(r.error_code, wire(error_code::group_id_not_found));
}

TEST_F(ConsumerCoordinator, DeletingAConsumerGroup) {
    hb(join_req("g", "m1"));
    commit("g", "t", 0, 3, 1, "m1");
    EXPECT_EQ(co().delete_group("g"), error_code::non_empty_group);
    hb(beat("g", "m1", leave_group_epoch));
    EXPECT_EQ(co().delete_group("g"), error_code::none);
    EXPECT_FALSE(co().group_exists("g"));
    restart();
    EXPECT_FALSE(co().group_exists("g"));
}

}  // namespace
}  // namespace sluice::broker::groups::test
