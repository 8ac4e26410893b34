// Group offsets and lifecycle: OffsetCommit/Fetch/Delete, DeleteGroups,
// Describe/ListGroups, offset retention and restarts.
#include <chrono>
#include <thread>

#include "unit/broker/group_coordinator_fixture.h"

namespace sluice::broker::groups::test {

// ---- OffsetCommit ----

TEST_F(GroupCoordinator, SimpleCommitOnNewGroupIsFetchable) {
    create_topic("t");
    EXPECT_EQ(only_error(commit("g", "t", 1, 42, -1, "", std::string("hello"))), 0);
    committed_offset c = fetched("g", "t", 1);
    EXPECT_EQ(c.offset, 42);
    EXPECT_EQ(c.metadata, "hello");
    EXPECT_EQ(fetched("g", "t", 0).offset, -1);
    EXPECT_EQ(state_of("g"), "Empty");
    EXPECT_EQ(listed(), std::vector<std::string>{"g"});
}

TEST_F(GroupCoordinator, CommitUnknownTopicOrPartitionFailsOnlyThatPartition) {
    create_topic("t", 2);
    protocol::offset_commit_request req;
    req.group_id = "g";
    for (const auto& [name, partition] : std::vector<std::pair<std::string, int32_t>>{
             {"t", 0}, {"t", 5}, {"missing", 0}}) {
        protocol::offset_commit_request::offset_commit_request_topic t;
        t.name = name;
        protocol::offset_commit_request::offset_commit_request_partition p;
        p.partition_index = partition;
        p.committed_offset = 10;
        t.partitions.push_back(p);
        req.topics.push_back(std::move(t));
    }
    protocol::offset_commit_response out = commit_now(req, 8);
    ASSERT_EQ(out.topics.size(), 3u);
    EXPECT_EQ(out.topics[0].partitions.at(0).error_code, 0);
    EXPECT_EQ(out.topics[1].partitions.at(0).error_code, wire(error_code::unknown_topic_or_partition));
    EXPECT_EQ(out.topics[2].partitions.at(0).error_code, wire(error_code::unknown_topic_or_partition));
    EXPECT_EQ(fetched("g", "t", 0).offset, 10);
    std::vector<coordinator::fetched_offset> all;
    EXPECT_EQ(co().fetch_offsets("g", std::nullopt, all), error_code::none);
    EXPECT_EQ(all.size(), 1u);
}

TEST_F(GroupCoordinator, CommitMetadataTooLargeKeepsOldValue) {
    create_topic("t");
    ASSERT_EQ(only_error(commit("g", "t", 0, 5, -1, "", std::string("small"))), 0);
    EXPECT_EQ(only_error(commit("g", "t", 0, 6, -1, "", std::string(4097, 'x'))),
              wire(error_code::offset_metadata_too_large));
    committed_offset c = fetched("g", "t", 0);
    EXPECT_EQ(c.offset, 5);
    EXPECT_EQ(c.metadata, "small");
    EXPECT_EQ(only_error(commit("g", "t", 0, 7, -1, "", std::string(4096, 'x'))), 0) << "4096 is allowed";
    EXPECT_EQ(fetched("g", "t", 0).offset, 7);
}

TEST_F(GroupCoordinator, CommitFromMemberWithWrongGenerationIsIllegal) {
    create_topic("t");
    formed_group f = form_stable("g", 1);
    EXPECT_EQ(only_error(commit("g", "t", 0, 1, f.generation + 1, f.ids[0])), wire(error_code::illegal_generation));
    EXPECT_EQ(fetched("g", "t", 0).offset, -1);
    EXPECT_EQ(only_error(commit("g", "t", 0, 1, f.generation, f.ids[0])), 0);
    EXPECT_EQ(fetched("g", "t", 0).offset, 1);
}

TEST_F(GroupCoordinator, CommitFromUnknownMemberOfNonEmptyGroup) {
    create_topic("t");
    formed_group f = form_stable("g", 1);
    EXPECT_EQ(only_error(commit("g", "t", 0, 1, f.generation, "stranger")), wire(error_code::unknown_member_id));
    EXPECT_EQ(only_error(commit("g", "t", 0, 1, -1, "")), wire(error_code::unknown_member_id))
        << "a simple commit needs an empty group";
    EXPECT_EQ(fetched("g", "t", 0).offset, -1);
}

TEST_F(GroupCoordinator, CommitDuringCompletingRebalance) {
    create_topic("t");
    formed_group f = form_stable("g", 1);
    std::string b = new_member_id("g");
    auto jb = join(join_req("g", b));
    auto ja = join(join_req("g", f.ids[0]));
    ASSERT_TRUE(jb->done());
    ASSERT_EQ(state_of("g"), "CompletingRebalance");
    EXPECT_EQ(only_error(commit("g", "t", 0, 1, jb->r().generation_id, b)), wire(error_code::rebalance_in_progress));
}

TEST_F(GroupCoordinator, CommitDuringPreparingRebalanceIsAccepted) {
    create_topic("t");
    formed_group f = form_stable("g", 1);
    std::string b = new_member_id("g");
    auto jb = join(join_req("g", b));
    ASSERT_EQ(state_of("g"), "PreparingRebalance");
    EXPECT_EQ(only_error(commit("g", "t", 0, 9, f.generation, f.ids[0])), 0);
    EXPECT_EQ(fetched("g", "t", 0).offset, 9);
}

TEST_F(GroupCoordinator, CommitToNonexistentGroupWithGenerationIsIllegal) {
    create_topic("t");
    EXPECT_EQ(only_error(commit("ghost", "t", 0, 1, 3, "m")), wire(error_code::illegal_generation));
    EXPECT_FALSE(co().group_exists("ghost"));
}

// ---- OffsetFetch ----

TEST_F(GroupCoordinator, FetchUnknownGroupReturnsMinusOneWithoutError) {
    create_topic("t");
    EXPECT_EQ(fetched("nope", "t", 0).offset, -1);
    std::vector<coordinator::fetched_offset> all;
    EXPECT_EQ(co().fetch_offsets("nope", std::nullopt, all), error_code::none);
    EXPECT_TRUE(all.empty());
    EXPECT_FALSE(co().group_exists("nope")) << "a fetch creates no group";
}

TEST_F(GroupCoordinator, FetchAllPartitionsListsExactlyTheCommittedOnes) {
    create_topic("t");
    create_topic("u", 2);
    ASSERT_EQ(only_error(commit("g", "t", 2, 20)), 0);
    ASSERT_EQ(only_error(commit("g", "u", 0, 30)), 0);
    ASSERT_EQ(only_error(commit("g", "t", 0, 10)), 0);
    std::vector<coordinator::fetched_offset> all;
    EXPECT_EQ(co().fetch_offsets("g", std::nullopt, all), error_code::none);
    ASSERT_EQ(all.size(), 3u);
    std::map<std::pair<std::string, int32_t>, int64_t> got;
    for (const auto& f : all) got[{f.topic, f.partition}] = f.offset.offset;
    std::map<std::pair<std::string, int32_t>, int64_t> want{{{"t", 0}, 10}, {{"t", 2}, 20}, {{"u", 0}, 30}};
    EXPECT_EQ(got, want);
}

// ---- OffsetDelete ----

protocol::offset_delete_request delete_req(const std::string& group, const std::string& topic, int32_t partition) {
    protocol::offset_delete_request req;
    req.group_id = group;
    protocol::offset_delete_request::offset_delete_request_topic t;
    t.name = topic;
    t.partitions.push_back({partition, {}});
    req.topics.push_back(std::move(t));
    return req;
}

TEST_F(GroupCoordinator, OffsetDeleteUnknownGroup) {
    create_topic("t");
    protocol::offset_delete_response out;
    co().delete_offsets(delete_req("nope", "t", 0), out);
    EXPECT_EQ(out.error_code, wire(error_code::group_id_not_found));
}

TEST_F(GroupCoordinator, OffsetDeleteOfSubscribedTopicIsRefused) {
    create_topic("t");
    create_topic("u");
    std::vector<proto> subscribed_t{{"range", subscription_of({"t"})}};
    formed_group f = form_stable("g", 1, {}, subscribed_t);
    ASSERT_EQ(only_error(commit("g", "t", 0, 5, f.generation, f.ids[0])), 0);
    ASSERT_EQ(only_error(commit("g", "u", 0, 6, f.generation, f.ids[0])), 0);

    protocol::offset_delete_response out;
    co().delete_offsets(delete_req("g", "t", 0), out);
    EXPECT_EQ(out.error_code, 0);
    ASSERT_EQ(out.topics.size(), 1u);
    EXPECT_EQ(out.topics[0].partitions.at(0).error_code, wire(error_code::group_subscribed_to_topic));
    EXPECT_EQ(fetched("g", "t", 0).offset, 5);

    protocol::offset_delete_response out2;
    co().delete_offsets(delete_req("g", "u", 0), out2);
    EXPECT_EQ(out2.error_code, 0);
    EXPECT_EQ(out2.topics.at(0).partitions.at(0).error_code, 0);
    EXPECT_EQ(fetched("g", "u", 0).offset, -1);
}

TEST_F(GroupCoordinator, OffsetDeleteOnEmptyGroupRemoves) {
    create_topic("t");
    ASSERT_EQ(only_error(commit("g", "t", 0, 5)), 0);
    ASSERT_EQ(only_error(commit("g", "t", 1, 6)), 0);
    protocol::offset_delete_response out;
    co().delete_offsets(delete_req("g", "t", 0), out);
    EXPECT_EQ(out.error_code, 0);
    EXPECT_EQ(out.topics.at(0).partitions.at(0).error_code, 0);
    EXPECT_EQ(fetched("g", "t", 0).offset, -1);
    EXPECT_EQ(fetched("g", "t", 1).offset, 6);
}

// Kafka (GroupMetadata.isSubscribedToTopic): when the subscriptions cannot be
// parsed the subscribed topics are unknown and every topic counts as
// subscribed, so OffsetDelete refuses rather than deleting offsets in use.
TEST_F(GroupCoordinator, OffsetDeleteWithUnparseableSubscriptionCountsAsSubscribed) {
    create_topic("t");
    std::vector<proto> opaque{{"range", {0x00}}};  // one byte: no version, no subscription
    formed_group f = form_stable("g", 1, {}, opaque);
    ASSERT_EQ(only_error(commit("g", "t", 0, 5, f.generation, f.ids[0])), 0);
    protocol::offset_delete_response out;
    co().delete_offsets(delete_req("g", "t", 0), out);
    EXPECT_EQ(out.topics.at(0).partitions.at(0).error_code, wire(error_code::group_subscribed_to_topic));
    EXPECT_EQ(fetched("g", "t", 0).offset, 5);
}

// ---- DeleteGroups / DescribeGroups / ListGroups ----

TEST_F(GroupCoordinator, DeleteUnknownGroup) {
    EXPECT_EQ(co().delete_group("nope"), error_code::group_id_not_found);
}

TEST_F(GroupCoordinator, DeleteNonEmptyGroup) {
    form_stable("g", 1);
    EXPECT_EQ(co().delete_group("g"), error_code::non_empty_group);
    EXPECT_EQ(state_of("g"), "Stable");
}

// A member whose session ran out between two ticks of the coordinator is
// gone for DeleteGroups, as under Kafka's per-member session timers
// (librdkafka's 0081 deletes a group of closed static members as soon as
// their session has passed).
TEST_F(GroupCoordinator, DeleteGroupCountsASessionThatEndedBeforeTheNextTick) {
    form_stable("g", 1, {100});
    EXPECT_EQ(co().delete_group("g"), error_code::non_empty_group);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));  // no tick meanwhile
    EXPECT_EQ(co().delete_group("g"), error_code::none);
    EXPECT_FALSE(co().group_exists("g"));
}

TEST_F(GroupCoordinator, DeleteEmptyGroupRemovesItAndItsOffsets) {
    create_topic("t");
    ASSERT_EQ(only_error(commit("g", "t", 0, 5)), 0);
    EXPECT_EQ(co().delete_group("g"), error_code::none);
    EXPECT_TRUE(listed().empty());
    EXPECT_FALSE(co().group_exists("g"));
    EXPECT_EQ(fetched("g", "t", 0).offset, -1);
    EXPECT_EQ(co().delete_group("g"), error_code::group_id_not_found);
}

TEST_F(GroupCoordinator, DescribeUnknownGroupIsDead) {
    auto d = co().describe("nope");
    EXPECT_EQ(d.error_code, 0);
    EXPECT_EQ(d.group_state, "Dead");
    EXPECT_TRUE(d.members.empty());
}

TEST_F(GroupCoordinator, DescribeStableGroup) {
    formed_group f = form_stable("g", 2);
    auto d = co().describe("g");
    EXPECT_EQ(d.group_state, "Stable");
    EXPECT_EQ(d.protocol_type, "consumer");
    EXPECT_EQ(d.protocol_data, "range");
    ASSERT_EQ(d.members.size(), 2u);
    for (const auto& m : d.members) {
        EXPECT_EQ(m.client_id, "client");
        EXPECT_EQ(m.member_metadata, bytes{0x01});
        EXPECT_EQ(m.member_assignment, bytes{static_cast<uint8_t>(m.member_id == f.ids[0] ? 0 : 1)});
    }
}

TEST_F(GroupCoordinator, ListGroupsStateFilterIsCaseInsensitive) {
    create_topic("t");
    form_stable("stable-group", 1);
    ASSERT_EQ(only_error(commit("empty-group", "t", 0, 1)), 0);
    EXPECT_EQ(listed({"Stable"}), std::vector<std::string>{"stable-group"});
    EXPECT_EQ(listed({"stable"}), std::vector<std::string>{"stable-group"});
    EXPECT_EQ(listed({"EMPTY"}), std::vector<std::string>{"empty-group"});
    EXPECT_EQ(listed({"Empty", "Stable"}), (std::vector<std::string>{"empty-group", "stable-group"}));
    EXPECT_EQ(listed(), (std::vector<std::string>{"empty-group", "stable-group"}));
    EXPECT_TRUE(listed({"PreparingRebalance"}).empty());
    for (const auto& g : co().list({}, {})) EXPECT_EQ(g.group_type, "classic");
}

// ---- Offset retention ----

class OffsetRetention : public GroupCoordinator {
protected:
    // offsets.retention.minutes=1, offsets.retention.check.interval.ms=1000:
    // the check interval (and offset.metadata.max.bytes) has no typed field
    // in broker_config; broker.cc reads it with value_of(), so it can only be
    // set through from_properties().
    void SetUp() override {
        broker_config cfg = broker_config::from_properties({
            {"listeners", "PLAINTEXT://127.0.0.1:0"},
            {"log.dirs", dir_.path().string()},
            {"group.initial.rebalance.delay.ms", "0"},
            {"group.min.session.timeout.ms", "10"},
            {"offsets.topic.num.partitions", "3"},
            {"offsets.retention.minutes", "1"},
            {"offsets.retention.check.interval.ms", "1000"},
            {"http.listeners", ""},  // tests run side by side: no fixed port
            {"schema.registry.listeners", ""},
        });
        start(cfg);
        create_topic("t");
    }
};

TEST_F(OffsetRetention, EmptyGroupOffsetsExpireOnTheNextCheck) {
    ASSERT_EQ(only_error(commit("g", "t", 0, 5)), 0);
    int64_t start = now_ms();
    co().tick(start + 30000);
    EXPECT_EQ(fetched("g", "t", 0).offset, 5) << "younger than the retention";
    co().tick(start + 30500);  // inside the check interval
    co().tick(start + 61000);
    EXPECT_EQ(fetched("g", "t", 0).offset, -1);
}

TEST_F(OffsetRetention, StableGroupKeepsOffsetsOfSubscribedTopics) {
    std::vector<proto> subscribed_t{{"range", subscription_of({"t"})}};
    formed_group f = form_stable("g", 1, {1800000}, subscribed_t);
    ASSERT_EQ(only_error(commit("g", "t", 0, 5, f.generation, f.ids[0])), 0);
    co().tick(now_ms() + 120000);
    EXPECT_EQ(fetched("g", "t", 0).offset, 5);
}

// Kafka (KIP-496, GroupMetadata.removeExpiredOffsets): in a Stable consumer
// group, offsets of topics no member subscribes to expire like those of an
// empty group.
TEST_F(OffsetRetention, StableGroupExpiresOffsetsOfUnsubscribedTopics) {
    create_topic("u");
    std::vector<proto> subscribed_t{{"range", subscription_of({"t"})}};
    formed_group f = form_stable("g", 1, {1800000}, subscribed_t);
    ASSERT_EQ(only_error(commit("g", "u", 0, 6, f.generation, f.ids[0])), 0);
    co().tick(now_ms() + 120000);
    EXPECT_EQ(fetched("g", "u", 0).offset, -1);
}

TEST_F(OffsetRetention, StableGroupWithOpaqueSubscriptionsKeepsOffsets) {
    // Subscriptions that do not parse: Kafka keeps every offset of a stable group.
    ASSERT_EQ(only_error(commit("g", "t", 0, 5)), 0);
    form_stable("g", 1, {1800000});
    co().tick(now_ms() + 120000);
    EXPECT_EQ(fetched("g", "t", 0).offset, 5) << "the group is not empty";
}

// ---- Persistence across a restart ----

TEST_F(GroupCoordinator, OffsetsAndStableGroupSurviveRestart) {
    create_topic("t");
    formed_group f = form_stable("g", 2);
    ASSERT_EQ(only_error(commit("g", "t", 1, 77, f.generation, f.ids[0], std::string("m"))), 0);
    ASSERT_EQ(only_error(commit("simple", "t", 0, 3)), 0);
    restart();

    committed_offset c = fetched("g", "t", 1);
    EXPECT_EQ(c.offset, 77);
    EXPECT_EQ(c.metadata, "m");
    EXPECT_EQ(fetched("simple", "t", 0).offset, 3);
    auto d = co().describe("g");
    EXPECT_EQ(d.group_state, "Stable");
    EXPECT_EQ(d.protocol_data, "range");
    ASSERT_EQ(d.members.size(), 2u);
    for (const auto& m : d.members) {
        EXPECT_EQ(m.member_assignment, bytes{static_cast<uint8_t>(m.member_id == f.ids[0] ? 0 : 1)});
    }
    // Restored members carry on in the same generation.
    EXPECT_EQ(heartbeat("g", f.ids[0], f.generation), error_code::none);
    EXPECT_EQ(heartbeat("g", f.ids[1], f.generation), error_code::none);
    auto s = sync("g", f.ids[1], f.generation);
    ASSERT_TRUE(s->done());
    EXPECT_EQ(s->r().assignment, bytes{1});
    EXPECT_EQ(only_error(commit("g", "t", 1, 78, f.generation, f.ids[1])), 0);
}

TEST_F(GroupCoordinator, EmptiedGroupIsEmptyAfterRestartWithOffsets) {
    create_topic("t");
    formed_group f = form_stable("g", 1);
    ASSERT_EQ(only_error(commit("g", "t", 0, 11, f.generation, f.ids[0])), 0);
    ASSERT_EQ(co().leave("g", f.ids[0], std::nullopt), error_code::none);
    restart();
    auto d = co().describe("g");
    EXPECT_EQ(d.group_state, "Empty");
    EXPECT_TRUE(d.members.empty());
    EXPECT_EQ(d.protocol_type, "consumer");
    EXPECT_EQ(fetched("g", "t", 0).offset, 11);
    // The next generation continues from the stored one.
    auto j = join(join_req("g"), 3);
    ASSERT_TRUE(j->done());
    EXPECT_EQ(j->r().generation_id, f.generation + 2);
}

TEST_F(GroupCoordinator, DeletedGroupStaysDeletedAfterRestart) {
    create_topic("t");
    formed_group f = form_stable("g", 1);
    ASSERT_EQ(only_error(commit("g", "t", 0, 11, f.generation, f.ids[0])), 0);
    ASSERT_EQ(co().leave("g", f.ids[0], std::nullopt), error_code::none);
    ASSERT_EQ(co().delete_group("g"), error_code::none);
    ASSERT_EQ(only_error(commit("kept", "t", 0, 1)), 0);
    restart();
    EXPECT_EQ(listed(), std::vector<std::string>{"kept"});
    EXPECT_EQ(co().describe("g").group_state, "Dead");
    EXPECT_EQ(fetched("g", "t", 0).offset, -1);
}

TEST_F(GroupCoordinator, DeletedOffsetStaysDeletedAfterRestart) {
    create_topic("t");
    ASSERT_EQ(only_error(commit("g", "t", 0, 5)), 0);
    ASSERT_EQ(only_error(commit("g", "t", 1, 6)), 0);
    protocol::offset_delete_response out;
    co().delete_offsets(delete_req("g", "t", 0), out);
    ASSERT_EQ(out.error_code, 0);
    restart();
    EXPECT_EQ(fetched("g", "t", 0).offset, -1);
    EXPECT_EQ(fetched("g", "t", 1).offset, 6);
}

}  // namespace sluice::broker::groups::test
