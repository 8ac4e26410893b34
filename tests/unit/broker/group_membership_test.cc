// Group membership: JoinGroup, SyncGroup, Heartbeat, LeaveGroup, session
// expiry and static membership, driven directly on the coordinator.
#include "unit/broker/group_coordinator_fixture.h"

namespace sluice::broker::groups::test {

// ---- JoinGroup / SyncGroup basics ----

TEST_F(GroupCoordinator, JoinV4EmptyMemberIdRequiresMemberIdThenSingleMemberLeadsAndSyncs) {
    auto first = join(join_req("g"), 4);
    ASSERT_TRUE(first->done());
    EXPECT_EQ(first->r().error_code, wire(error_code::member_id_required));
    std::string id = first->r().member_id;
    ASSERT_FALSE(id.empty());
    EXPECT_TRUE(co().describe("g").members.empty()) << "a pending member id is not a member yet";

    auto second = join(join_req("g", id), 4);
    ASSERT_TRUE(second->done());
    const auto& r = second->r();
    EXPECT_EQ(r.error_code, 0);
    EXPECT_EQ(r.member_id, id);
    EXPECT_EQ(r.leader, id);
    EXPECT_EQ(r.generation_id, 1);
    EXPECT_EQ(r.protocol_name, "range");
    ASSERT_EQ(r.members.size(), 1u);
    EXPECT_EQ(r.members[0].member_id, id);
    EXPECT_EQ(r.members[0].metadata, bytes{0x01});
    EXPECT_EQ(state_of("g"), "CompletingRebalance");

    auto s = sync("g", id, 1, {{id, {7, 8, 9}}});
    ASSERT_TRUE(s->done());
    EXPECT_EQ(s->r().error_code, 0);
    EXPECT_EQ(s->r().assignment, (bytes{7, 8, 9}));
    EXPECT_EQ(state_of("g"), "Stable");
    EXPECT_EQ(heartbeat("g", id, 1), error_code::none);
}

TEST_F(GroupCoordinator, JoinV3EmptyMemberIdJoinsImmediately) {
    auto box = join(join_req("g"), 3);
    ASSERT_TRUE(box->done());
    EXPECT_EQ(box->r().error_code, 0);
    EXPECT_FALSE(box->r().member_id.empty());
    EXPECT_EQ(box->r().leader, box->r().member_id);
    EXPECT_EQ(box->r().generation_id, 1);
    EXPECT_EQ(box->r().members.size(), 1u);
}

TEST_F(GroupCoordinator, TwoMembersRebalanceTogetherAndFollowerSyncWaitsForLeader) {
    // A alone forms generation 1.
    std::string a = new_member_id("g");
    auto ja = join(join_req("g", a));
    ASSERT_TRUE(ja->done());
    ASSERT_TRUE(sync("g", a, 1, {{a, {1}}})->done());

    // B joins: the group rebalances and B waits until A rejoins.
    std::string b = new_member_id("g");
    auto jb = join(join_req("g", b));
    EXPECT_FALSE(jb->done());
    EXPECT_EQ(state_of("g"), "PreparingRebalance");
    EXPECT_EQ(heartbeat("g", a, 1), error_code::rebalance_in_progress);
    auto ja2 = join(join_req("g", a));
    ASSERT_TRUE(ja2->done());
    ASSERT_TRUE(jb->done());
    EXPECT_EQ(ja2->r().error_code, 0);
    EXPECT_EQ(jb->r().error_code, 0);
    EXPECT_EQ(ja2->r().generation_id, 2);
    EXPECT_EQ(jb->r().generation_id, 2);
    EXPECT_EQ(ja2->r().leader, a) << "the old leader stays leader";
    EXPECT_EQ(jb->r().leader, a);
    EXPECT_EQ(ja2->r().members.size(), 2u);
    EXPECT_TRUE(jb->r().members.empty()) << "only the leader gets the member list";

    // The follower's SyncGroup waits for the leader's.
    auto sb = sync("g", b, 2);
    EXPECT_FALSE(sb->done());
    auto sa = sync("g", a, 2, {{a, {0xa}}, {b, {0xb}}});
    ASSERT_TRUE(sa->done());
    ASSERT_TRUE(sb->done());
    EXPECT_EQ(sa->r().assignment, bytes{0xa});
    EXPECT_EQ(sb->r().assignment, bytes{0xb});
    EXPECT_EQ(sb->r().protocol_name, "range");
    EXPECT_EQ(state_of("g"), "Stable");
}

TEST_F(GroupCoordinator, InitialRebalanceDelayHoldsFirstJoinUntilSecondMemberOrTick) {
    broker_config cfg = base_config(dir_.path());
    cfg.group_initial_rebalance_delay_ms = 3000;
    start(cfg);
    std::string a = new_member_id("g");
    auto ja = join(join_req("g", a));
    EXPECT_FALSE(ja->done()) << "the initial delay waits for more members";
    std::string b = new_member_id("g");
    auto jb = join(join_req("g", b));
    EXPECT_FALSE(ja->done());
    EXPECT_FALSE(jb->done());

    co().tick(now_ms() + 1000);
    EXPECT_FALSE(ja->done()) << "the delay has not passed";
    co().tick(now_ms() + 10000);
    ASSERT_TRUE(ja->done());
    ASSERT_TRUE(jb->done());
    EXPECT_EQ(ja->r().generation_id, 1);
    EXPECT_EQ(jb->r().generation_id, 1);
    EXPECT_EQ(ja->r().leader, jb->r().leader);
    const std::string& leader = ja->r().leader;
    EXPECT_TRUE(leader == a || leader == b);
    auto& leader_box = leader == a ? ja : jb;
    auto& follower_box = leader == a ? jb : ja;
    EXPECT_EQ(leader_box->r().members.size(), 2u);
    EXPECT_TRUE(follower_box->r().members.empty());
}

TEST_F(GroupCoordinator, RebalanceDeadlineDropsMembersThatDidNotRejoin) {
    formed_group f = form_stable("g", 2);
    std::string c = new_member_id("g");
    auto jc = join(join_req("g", c));
    auto ja = join(join_req("g", f.ids[0]));
    EXPECT_FALSE(jc->done()) << "waits for " << f.ids[1];
    co().tick(now_ms() + 61000);  // past the 60 s rebalance timeout
    ASSERT_TRUE(jc->done());
    ASSERT_TRUE(ja->done());
    EXPECT_EQ(jc->r().generation_id, f.generation + 1);
    auto d = co().describe("g");
    ASSERT_EQ(d.members.size(), 2u);
    for (const auto& m : d.members) EXPECT_NE(m.member_id, f.ids[1]);
    EXPECT_EQ(heartbeat("g", f.ids[1], f.generation + 1), error_code::unknown_member_id);
}

// Kafka (GroupMetadata.hasAllMembersJoined, KIP-394): a rebalance is not
// complete while a member id handed out with MEMBER_ID_REQUIRED is still
// pending — the join waits for that member (or for its session to lapse)
// instead of finishing and rebalancing again right after.
TEST_F(GroupCoordinator, RebalanceWaitsForPendingMemberIds) {
    formed_group f = form_stable("g", 1);
    std::string b = new_member_id("g");  // pending, has not come back yet
    std::string c = new_member_id("g");
    auto jc = join(join_req("g", c));
    auto ja = join(join_req("g", f.ids[0]));
    EXPECT_FALSE(ja->done()) << "member id " << b << " is still pending";
    auto jb = join(join_req("g", b));
    ASSERT_TRUE(ja->done());
    ASSERT_TRUE(jb->done());
    ASSERT_TRUE(jc->done());
    EXPECT_EQ(jb->r().generation_id, ja->r().generation_id);
    EXPECT_EQ(jc->r().generation_id, ja->r().generation_id);
    EXPECT_EQ(co().describe("g").members.size(), 3u);
}

// ---- Protocol selection and join validation ----

TEST_F(GroupCoordinator, ProtocolSelectionPicksTheOneEveryMemberSupports) {
    std::vector<proto> p1{{"range", {1}}, {"roundrobin", {1}}};
    std::vector<proto> p2{{"roundrobin", {2}}, {"range", {2}}};
    std::vector<proto> p3{{"roundrobin", {3}}};
    broker_config cfg = base_config(dir_.path());
    cfg.group_initial_rebalance_delay_ms = 1000;
    start(cfg);
    std::string a = new_member_id("g", p1), b = new_member_id("g", p2), c = new_member_id("g", p3);
    auto ja = join(join_req("g", a, p1));
    auto jb = join(join_req("g", b, p2));
    auto jc = join(join_req("g", c, p3));
    co().tick(now_ms() + 5000);
    for (const auto& box : {ja, jb, jc}) {
        ASSERT_TRUE(box->done());
        EXPECT_EQ(box->r().error_code, 0);
        EXPECT_EQ(box->r().protocol_name, "roundrobin");
    }
    // The leader sees each member's metadata for the chosen protocol.
    auto& leader_box = ja->r().leader == a ? ja : (jb->r().leader == b ? jb : jc);
    ASSERT_EQ(leader_box->r().members.size(), 3u);
    for (const auto& m : leader_box->r().members) {
        bytes expected{static_cast<uint8_t>(m.member_id == a ? 1 : m.member_id == b ? 2 : 3)};
        EXPECT_EQ(m.metadata, expected) << m.member_id;
    }
}

TEST_F(GroupCoordinator, ProtocolSelectionMajorityOfFirstChoices) {
    std::vector<proto> rr_first{{"roundrobin", {}}, {"range", {}}};
    std::vector<proto> range_first{{"range", {}}, {"roundrobin", {}}};
    broker_config cfg = base_config(dir_.path());
    cfg.group_initial_rebalance_delay_ms = 1000;
    start(cfg);
    std::string a = new_member_id("g", range_first), b = new_member_id("g", rr_first),
                c = new_member_id("g", rr_first);
    auto ja = join(join_req("g", a, range_first));
    auto jb = join(join_req("g", b, rr_first));
    auto jc = join(join_req("g", c, rr_first));
    co().tick(now_ms() + 5000);
    ASSERT_TRUE(ja->done());
    EXPECT_EQ(ja->r().protocol_name, "roundrobin");
}

TEST_F(GroupCoordinator, IncompatibleProtocolsAreInconsistent) {
    form_stable("g", 1);
    auto box = join(join_req("g", "", {{"roundrobin", {}}}));
    ASSERT_TRUE(box->done());
    EXPECT_EQ(box->r().error_code, wire(error_code::inconsistent_group_protocol));
    EXPECT_EQ(state_of("g"), "Stable") << "a refused join changes nothing";
}

TEST_F(GroupCoordinator, DifferentProtocolTypeIsInconsistent) {
    form_stable("g", 1);
    auto req = join_req("g");
    req.protocol_type = "connect";
    auto box = join(req);
    ASSERT_TRUE(box->done());
    EXPECT_EQ(box->r().error_code, wire(error_code::inconsistent_group_protocol));
}

TEST_F(GroupCoordinator, EmptyProtocolsAreInconsistent) {
    auto box = join(join_req("g", "", {}));
    ASSERT_TRUE(box->done());
    EXPECT_EQ(box->r().error_code, wire(error_code::inconsistent_group_protocol));
    auto no_type = join_req("g2");
    no_type.protocol_type = "";
    auto box2 = join(no_type);
    ASSERT_TRUE(box2->done());
    EXPECT_EQ(box2->r().error_code, wire(error_code::inconsistent_group_protocol));
}

TEST_F(GroupCoordinator, SessionTimeoutOutsideBoundsIsInvalid) {
    auto low = join(join_req("g", "", default_protocols, 9));  // min is 10
    ASSERT_TRUE(low->done());
    EXPECT_EQ(low->r().error_code, wire(error_code::invalid_session_timeout));
    auto high = join(join_req("g", "", default_protocols, 1800001));  // default max 1800000
    ASSERT_TRUE(high->done());
    EXPECT_EQ(high->r().error_code, wire(error_code::invalid_session_timeout));
    auto edge = join(join_req("g", "", default_protocols, 10));
    ASSERT_TRUE(edge->done());
    EXPECT_EQ(edge->r().error_code, wire(error_code::member_id_required));
}

TEST_F(GroupCoordinator, EmptyGroupIdIsInvalid) {
    auto box = join(join_req(""));
    ASSERT_TRUE(box->done());
    EXPECT_EQ(box->r().error_code, wire(error_code::invalid_group_id));
}

TEST_F(GroupCoordinator, JoinWithUnknownMemberIdIsRejected) {
    auto box = join(join_req("nobody-here", "made-up-id"));
    ASSERT_TRUE(box->done());
    EXPECT_EQ(box->r().error_code, wire(error_code::unknown_member_id));
    form_stable("g", 1);
    auto box2 = join(join_req("g", "made-up-id"));
    ASSERT_TRUE(box2->done());
    EXPECT_EQ(box2->r().error_code, wire(error_code::unknown_member_id));
}

// ---- Heartbeat ----

TEST_F(GroupCoordinator, HeartbeatUnknownGroupOrMember) {
    EXPECT_EQ(heartbeat("nope", "m", 1), error_code::unknown_member_id);
    form_stable("g", 1);
    EXPECT_EQ(heartbeat("g", "not-a-member", 1), error_code::unknown_member_id);
}

TEST_F(GroupCoordinator, HeartbeatWrongGenerationIsIllegal) {
    formed_group f = form_stable("g", 1);
    EXPECT_EQ(heartbeat("g", f.ids[0], f.generation + 1), error_code::illegal_generation);
    EXPECT_EQ(heartbeat("g", f.ids[0], f.generation - 1), error_code::illegal_generation);
}

TEST_F(GroupCoordinator, HeartbeatDuringRebalanceAndWhenStable) {
    formed_group f = form_stable("g", 1);
    EXPECT_EQ(heartbeat("g", f.ids[0], f.generation), error_code::none);
    std::string b = new_member_id("g");
    auto jb = join(join_req("g", b));
    EXPECT_EQ(state_of("g"), "PreparingRebalance");
    EXPECT_EQ(heartbeat("g", f.ids[0], f.generation), error_code::rebalance_in_progress);
    auto ja = join(join_req("g", f.ids[0]));
    ASSERT_TRUE(jb->done());
    EXPECT_EQ(state_of("g"), "CompletingRebalance");
    EXPECT_EQ(heartbeat("g", b, f.generation + 1), error_code::none) << "Kafka: NONE while CompletingRebalance";
}

// ---- Session expiry ----

TEST_F(GroupCoordinator, SessionExpiryRemovesSilentStableMemberAndRebalances) {
    // A: 100 ms session; B: 60 s. Only A's session has run out at +1 s.
    formed_group f = form_stable("g", 2, {100, 60000});
    std::string a = f.ids[0], b = f.ids[1];
    co().tick(now_ms() + 1000);
    auto d = co().describe("g");
    ASSERT_EQ(d.members.size(), 1u);
    EXPECT_EQ(d.members[0].member_id, b);
    EXPECT_EQ(d.group_state, "PreparingRebalance");
    EXPECT_EQ(heartbeat("g", b, f.generation), error_code::rebalance_in_progress);
    auto jb = join(join_req("g", b, default_protocols, 60000));
    ASSERT_TRUE(jb->done());
    EXPECT_EQ(jb->r().generation_id, f.generation + 1);
    EXPECT_EQ(jb->r().leader, b);
    EXPECT_EQ(heartbeat("g", a, f.generation + 1), error_code::unknown_member_id);
}

TEST_F(GroupCoordinator, MemberAwaitingJoinIsNotExpired) {
    formed_group f = form_stable("g", 1, {60000});
    // B (100 ms session) waits in JoinGroup for A to rejoin.
    std::string b = new_member_id("g");
    auto jb = join(join_req("g", b, default_protocols, 100));
    ASSERT_FALSE(jb->done());
    co().tick(now_ms() + 1000);
    EXPECT_FALSE(jb->done());
    EXPECT_EQ(co().describe("g").members.size(), 2u) << "a member waiting in JoinGroup has not gone silent";
    auto ja = join(join_req("g", f.ids[0], default_protocols, 60000));
    ASSERT_TRUE(jb->done());
    EXPECT_EQ(jb->r().error_code, 0);
    EXPECT_EQ(jb->r().generation_id, f.generation + 1);
}

TEST_F(GroupCoordinator, PendingMemberIdExpiresAfterSessionTimeout) {
    auto first = join(join_req("g", "", default_protocols, 100));
    ASSERT_TRUE(first->done());
    std::string id = first->r().member_id;
    co().tick(now_ms() + 1000);
    auto second = join(join_req("g", id));
    ASSERT_TRUE(second->done());
    EXPECT_EQ(second->r().error_code, wire(error_code::unknown_member_id));
}

// ---- LeaveGroup ----

TEST_F(GroupCoordinator, LeavingLeaderHandsLeadershipToARemainingMember) {
    formed_group f = form_stable("g", 3);
    ASSERT_EQ(f.leader, f.ids[0]);
    EXPECT_EQ(co().leave("g", f.leader, std::nullopt), error_code::none);
    EXPECT_EQ(state_of("g"), "PreparingRebalance");
    auto j1 = join(join_req("g", f.ids[1]));
    EXPECT_FALSE(j1->done());
    auto j2 = join(join_req("g", f.ids[2]));
    ASSERT_TRUE(j1->done());
    ASSERT_TRUE(j2->done());
    const std::string& leader = j1->r().leader;
    EXPECT_NE(leader, f.ids[0]) << "the departed member must never lead";
    EXPECT_TRUE(leader == f.ids[1] || leader == f.ids[2]) << leader;
    EXPECT_EQ(j2->r().leader, leader);
    auto& leader_box = leader == f.ids[1] ? j1 : j2;
    ASSERT_EQ(leader_box->r().members.size(), 2u);
    for (const auto& m : leader_box->r().members) EXPECT_NE(m.member_id, f.ids[0]);
    // The new leader's SyncGroup completes the generation.
    auto s = sync("g", leader, j1->r().generation_id, {{f.ids[1], {1}}, {f.ids[2], {2}}});
    ASSERT_TRUE(s->done());
    EXPECT_EQ(s->r().error_code, 0);
    EXPECT_EQ(state_of("g"), "Stable");
}

TEST_F(GroupCoordinator, LeaderLeavingWhileCompletingRebalanceIsReplaced) {
    formed_group f = form_stable("g", 2);
    std::string c = new_member_id("g");
    auto jc = join(join_req("g", c));
    auto j0 = join(join_req("g", f.ids[0]));
    auto j1 = join(join_req("g", f.ids[1]));
    ASSERT_TRUE(jc->done());
    EXPECT_EQ(state_of("g"), "CompletingRebalance");
    ASSERT_EQ(jc->r().leader, f.ids[0]);
    auto s1 = sync("g", f.ids[1], jc->r().generation_id);
    EXPECT_FALSE(s1->done());
    EXPECT_EQ(co().leave("g", f.ids[0], std::nullopt), error_code::none);
    ASSERT_TRUE(s1->done());
    EXPECT_EQ(s1->r().error_code, wire(error_code::rebalance_in_progress));
    auto jc2 = join(join_req("g", c));
    auto j12 = join(join_req("g", f.ids[1]));
    ASSERT_TRUE(jc2->done());
    ASSERT_TRUE(j12->done());
    EXPECT_NE(jc2->r().leader, f.ids[0]);
    EXPECT_TRUE(jc2->r().leader == c || jc2->r().leader == f.ids[1]);
}

TEST_F(GroupCoordinator, LastMemberLeavingEmptiesTheGroup) {
    formed_group f = form_stable("g", 1);
    EXPECT_EQ(co().leave("g", f.ids[0], std::nullopt), error_code::none);
    auto d = co().describe("g");
    EXPECT_EQ(d.group_state, "Empty");
    EXPECT_TRUE(d.members.empty());
    EXPECT_EQ(heartbeat("g", f.ids[0], f.generation), error_code::unknown_member_id);
}

TEST_F(GroupCoordinator, LeaveUnknownMember) {
    EXPECT_EQ(co().leave("nope", "m", std::nullopt), error_code::unknown_member_id);
    form_stable("g", 1);
    EXPECT_EQ(co().leave("g", "not-a-member", std::nullopt), error_code::unknown_member_id);
    EXPECT_EQ(state_of("g"), "Stable");
}

TEST_F(GroupCoordinator, StaticLeaveWithWrongMemberIdIsFenced) {
    auto j = join(join_req("g", "", default_protocols, 30000, "instance-a"), 5);
    ASSERT_TRUE(j->done());
    ASSERT_EQ(j->r().error_code, 0) << "a static member needs no KIP-394 round trip";
    EXPECT_EQ(co().leave("g", "someone-else", std::string("instance-a")), error_code::fenced_instance_id);
    EXPECT_EQ(co().leave("g", "", std::string("instance-unknown")), error_code::unknown_member_id);
    EXPECT_EQ(co().describe("g").members.size(), 1u);
    EXPECT_EQ(co().leave("g", j->r().member_id, std::string("instance-a")), error_code::none);
    EXPECT_EQ(state_of("g"), "Empty");
}

// ---- Static membership (KIP-345) ----

class StaticGroup : public GroupCoordinator {
protected:
    // Two static members A (leader) and B, Stable at generation 1 with
    // assignments {0xa} and {0xb}.
    void SetUp() override {
        broker_config cfg = base_config(dir_.path());
        cfg.group_initial_rebalance_delay_ms = 1000;
        start(cfg);
        auto ja = join(join_req("g", "", default_protocols, 30000, "ia"));
        auto jb = join(join_req("g", "", default_protocols, 30000, "ib"));
        co().tick(now_ms() + 5000);
        ASSERT_TRUE(ja->done());
        ASSERT_TRUE(jb->done());
        a_ = ja->r().member_id;
        b_id_ = jb->r().member_id;
        generation_ = ja->r().generation_id;
        ASSERT_EQ(generation_, 1);
        std::string leader = ja->r().leader;
        if (leader != a_) {
            std::swap(a_, b_id_);
            std::swap(ia_, ib_);
        }
        auto sa = sync("g", a_, generation_, {{a_, {0xa}}, {b_id_, {0xb}}}, ia_);
        ASSERT_TRUE(sa->done());
        ASSERT_EQ(state_of("g"), "Stable");
    }
    std::string a_, b_id_;
    std::string ia_ = "ia", ib_ = "ib";
    int32_t generation_ = -1;
};

TEST_F(StaticGroup, RejoinWithEmptyIdWhileStableKeepsGenerationWithoutRebalance) {
    auto j = join(join_req("g", "", default_protocols, 30000, ib_));
    ASSERT_TRUE(j->done());
    EXPECT_EQ(j->r().error_code, 0);
    std::string b2 = j->r().member_id;
    EXPECT_FALSE(b2.empty());
    EXPECT_NE(b2, b_id_);
    EXPECT_EQ(j->r().generation_id, generation_);
    EXPECT_EQ(j->r().leader, a_);
    EXPECT_EQ(state_of("g"), "Stable");
    EXPECT_EQ(heartbeat("g", a_, generation_, ia_), error_code::none) << "no rebalance for the others";

    auto s = sync("g", b2, generation_, {}, ib_);
    ASSERT_TRUE(s->done());
    EXPECT_EQ(s->r().error_code, 0);
    EXPECT_EQ(s->r().assignment, bytes{0xb}) << "the old assignment is kept";
    EXPECT_EQ(heartbeat("g", b2, generation_, ib_), error_code::none);
}

TEST_F(StaticGroup, ReplacedMemberIdIsUnknownWithoutInstanceId) {
    auto j = join(join_req("g", "", default_protocols, 30000, ib_));
    ASSERT_TRUE(j->done());
    EXPECT_EQ(heartbeat("g", b_id_, generation_), error_code::unknown_member_id);
    auto s = sync("g", b_id_, generation_);
    ASSERT_TRUE(s->done());
    EXPECT_EQ(s->r().error_code, wire(error_code::unknown_member_id));
}

// Kafka (GroupCoordinator.validateCurrentMember): when the request carries a
// group.instance.id that now maps to another member id, the answer is
// FENCED_INSTANCE_ID, checked before whether the member id exists — that is
// how the zombie learns it was replaced and must shut down.
TEST_F(StaticGroup, ReplacedMemberIdWithItsInstanceIdIsFenced) {
    auto j = join(join_req("g", "", default_protocols, 30000, ib_));
    ASSERT_TRUE(j->done());
    EXPECT_EQ(heartbeat("g", b_id_, generation_, ib_), error_code::fenced_instance_id);
    auto s = sync("g", b_id_, generation_, {}, ib_);
    ASSERT_TRUE(s->done());
    EXPECT_EQ(s->r().error_code, wire(error_code::fenced_instance_id));
    auto old_join = join(join_req("g", b_id_, default_protocols, 30000, ib_));
    ASSERT_TRUE(old_join->done());
    EXPECT_EQ(old_join->r().error_code, wire(error_code::fenced_instance_id));
}

TEST_F(StaticGroup, RejoiningStaticLeaderActsAsFollower) {
    auto j = join(join_req("g", "", default_protocols, 30000, ia_));
    ASSERT_TRUE(j->done());
    EXPECT_EQ(j->r().error_code, 0);
    std::string a2 = j->r().member_id;
    EXPECT_NE(a2, a_);
    EXPECT_NE(j->r().leader, a2) << "Kafka answers with the old leader id so the member does not assign";
    EXPECT_TRUE(j->r().members.empty());
    EXPECT_EQ(j->r().generation_id, generation_);
    EXPECT_EQ(state_of("g"), "Stable");
    auto s = sync("g", a2, generation_, {}, ia_);
    ASSERT_TRUE(s->done());
    EXPECT_EQ(s->r().assignment, bytes{0xa});
    EXPECT_EQ(heartbeat("g", b_id_, generation_, ib_), error_code::none);
}

// Kafka (updateStaticMemberAndRebalance, Stable; GroupCoordinatorTest
// staticMemberRejoinWithUnknownMemberIdAndChangeOfProtocolWhileSelectProtocolUnchanged):
// a static member coming back with different member metadata does not
// rebalance as long as the group's selected protocol would stay the same.
TEST_F(StaticGroup, RejoinWithChangedMetadataButSameSelectedProtocolDoesNotRebalance) {
    auto j = join(join_req("g", "", {{"range", {0x02}}}, 30000, ib_));
    ASSERT_TRUE(j->done());
    EXPECT_EQ(j->r().error_code, 0);
    EXPECT_EQ(j->r().generation_id, generation_);
    EXPECT_EQ(state_of("g"), "Stable");
}

// Kafka 3.2+ (KIP-814): JoinGroup v9 lets a rejoining static leader know it
// leads — leader = its new member id, the member list, SkipAssignment =
// true — so it can watch for metadata changes without assigning.
TEST_F(StaticGroup, RejoiningStaticLeaderV9GetsSkipAssignment) {
    auto j = join(join_req("g", "", default_protocols, 30000, ia_), 9);
    ASSERT_TRUE(j->done());
    EXPECT_EQ(j->r().error_code, 0);
    EXPECT_EQ(j->r().generation_id, generation_);
    EXPECT_EQ(j->r().leader, j->r().member_id);
    EXPECT_TRUE(j->r().skip_assignment);
    EXPECT_EQ(j->r().members.size(), 2u);
    EXPECT_EQ(state_of("g"), "Stable");
}

// Kafka (updateStaticMemberAndRebalance, CompletingRebalance): a known static
// member rejoining with a new member id while the group completes a rebalance
// triggers another rebalance, because the leader may already be assigning
// under the old member id — that assignment would never reach the new id.
TEST_F(StaticGroup, RejoinDuringCompletingRebalanceTriggersRebalance) {
    // Move the group to CompletingRebalance with a third member C.
    std::string c = new_member_id("g");
    auto jc = join(join_req("g", c));
    auto ja = join(join_req("g", a_, default_protocols, 30000, ia_));
    auto jb = join(join_req("g", b_id_, default_protocols, 30000, ib_));
    ASSERT_TRUE(jc->done());
    ASSERT_EQ(state_of("g"), "CompletingRebalance");
    int32_t gen = jc->r().generation_id;
    auto jb2 = join(join_req("g", "", default_protocols, 30000, ib_));
    EXPECT_EQ(state_of("g"), "PreparingRebalance");
    if (jb2->done() && jb2->r().error_code == 0) {
        // What goes wrong otherwise: the leader assigns to the old id and
        // the new incarnation of B syncs an empty assignment.
        std::string b2 = jb2->r().member_id;
        auto sb = sync("g", b2, gen, {}, ib_);
        sync("g", a_, gen, {{a_, {0xa}}, {b_id_, {0xb}}, {c, {0xc}}}, ia_);
        ASSERT_TRUE(sb->done());
        EXPECT_EQ(sb->r().assignment, bytes{0xb}) << "B's new incarnation lost its assignment";
    }
}

// ---- SyncGroup errors ----

TEST_F(GroupCoordinator, SyncWrongGenerationIsIllegal) {
    formed_group f = form_stable("g", 1);
    auto s = sync("g", f.ids[0], f.generation + 1);
    ASSERT_TRUE(s->done());
    EXPECT_EQ(s->r().error_code, wire(error_code::illegal_generation));
}

TEST_F(GroupCoordinator, SyncUnknownMember) {
    auto s0 = sync("nope", "m", 1);
    ASSERT_TRUE(s0->done());
    EXPECT_EQ(s0->r().error_code, wire(error_code::unknown_member_id));
    formed_group f = form_stable("g", 1);
    auto s = sync("g", "not-a-member", f.generation);
    ASSERT_TRUE(s->done());
    EXPECT_EQ(s->r().error_code, wire(error_code::unknown_member_id));
}

TEST_F(GroupCoordinator, SyncWhilePreparingRebalance) {
    formed_group f = form_stable("g", 1);
    std::string b = new_member_id("g");
    auto jb = join(join_req("g", b));
    ASSERT_EQ(state_of("g"), "PreparingRebalance");
    auto s = sync("g", f.ids[0], f.generation);
    ASSERT_TRUE(s->done());
    EXPECT_EQ(s->r().error_code, wire(error_code::rebalance_in_progress));
}

TEST_F(GroupCoordinator, NewJoinDuringCompletingRebalanceFailsWaitingSyncs) {
    formed_group f = form_stable("g", 1);
    std::string b = new_member_id("g");
    auto jb = join(join_req("g", b));
    auto ja = join(join_req("g", f.ids[0]));
    ASSERT_TRUE(jb->done());
    ASSERT_EQ(state_of("g"), "CompletingRebalance");
    auto sb = sync("g", b, jb->r().generation_id);
    EXPECT_FALSE(sb->done());
    std::string c = new_member_id("g");
    auto jc = join(join_req("g", c));
    ASSERT_TRUE(sb->done());
    EXPECT_EQ(sb->r().error_code, wire(error_code::rebalance_in_progress));
    EXPECT_EQ(state_of("g"), "PreparingRebalance");
}

TEST_F(GroupCoordinator, LateFollowerSyncAfterStableGetsItsAssignment) {
    formed_group f = form_stable("g", 3);
    for (size_t k = 0; k < f.ids.size(); ++k) {
        auto s = sync("g", f.ids[k], f.generation);
        ASSERT_TRUE(s->done());
        EXPECT_EQ(s->r().error_code, 0);
        EXPECT_EQ(s->r().assignment, bytes{static_cast<uint8_t>(k)});
    }
}

}  // namespace sluice::broker::groups::test
