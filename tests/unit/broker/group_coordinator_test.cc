// The classic consumer-group coordinator driven directly: JoinGroup,
// SyncGroup, Heartbeat, LeaveGroup, static membership, offsets, listing,
// deletion, retention and restart. A real broker (logs, topics,
// __consumer_offsets) is built in a temp dir but never run: callbacks are
// collected synchronously, and time passes only through tick(now + x).
#include "unit/temp_dir.h"
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "broker/broker.h"
#include "broker/groups/coordinator.h"
#include "broker/topics/topic_registry.h"
#include "protocol/error_code.h"
#include "protocol/generated/consumer_protocol_subscription.h"

// Readable error codes in failure messages (internal linkage: other test
// files may print them their own way).
namespace sluice::protocol {
[[maybe_unused]] static void PrintTo(error_code e, std::ostream* os) {
    *os << error_name(e) << " (" << to_wire(e) << ")";
}
}  // namespace sluice::protocol

namespace sluice::broker::groups {
namespace {

using protocol::bytes;
using protocol::error_code;
using protocol::to_wire;

constexpr int16_t wire(error_code e) { return to_wire(e); }

class temp_dir : public sluice::testing::temp_dir {
public:
    temp_dir() : sluice::testing::temp_dir("sluice-group-coordinator-test") {}
};

// Answers of one JoinGroup / SyncGroup call; owned jointly by the test and
// the coordinator's stored callback.
struct join_box {
    std::vector<protocol::join_group_response> got;
    bool done() const { return !got.empty(); }
    const protocol::join_group_response& r() const { return got.back(); }
};
struct sync_box {
    std::vector<protocol::sync_group_response> got;
    bool done() const { return !got.empty(); }
    const protocol::sync_group_response& r() const { return got.back(); }
};

struct proto {
    std::string name;
    bytes metadata;
};

const std::vector<proto> default_protocols{{"range", {0x01}}};

protocol::join_group_request join_req(const std::string& group, const std::string& member_id = "",
                                      const std::vector<proto>& protocols = default_protocols,
                                      int32_t session_timeout_ms = 30000,
                                      const std::optional<std::string>& instance_id = std::nullopt) {
    protocol::join_group_request r;
    r.group_id = group;
    r.session_timeout_ms = session_timeout_ms;
    r.rebalance_timeout_ms = 60000;
    r.member_id = member_id;
    r.group_instance_id = instance_id;
    r.protocol_type = "consumer";
    for (const auto& p : protocols) {
        protocol::join_group_request::join_group_request_protocol jp;
        jp.name = p.name;
        jp.metadata = p.metadata;
        r.protocols.push_back(std::move(jp));
    }
    return r;
}

// Consumer-protocol member metadata: int16 version, then the subscription.
bytes subscription_of(const std::vector<std::string>& topics) {
    protocol::consumer_protocol_subscription sub;
    sub.topics = topics;
    protocol::writer w;
    w.write_int16(0);
    sub.encode(w, 0);
    return w.buffer();
}

broker_config base_config(const std::filesystem::path& dir) {
    broker_config cfg;
    cfg.listeners = {{"PLAINTEXT", "127.0.0.1", 0, "PLAINTEXT"}};
    cfg.advertised_listeners = cfg.listeners;
    cfg.log_dirs = {dir.string()};
    cfg.group_initial_rebalance_delay_ms = 0;
    cfg.group_min_session_timeout_ms = 10;
    cfg.offsets_topic_num_partitions = 3;
    return cfg;
}

class GroupCoordinator : public ::testing::Test {
protected:
    void SetUp() override { start(base_config(dir_.path())); }

    void start(broker_config cfg) {
        b_.reset();
        b_ = std::make_unique<broker>(std::move(cfg));
    }
    // Drops the broker without a clean shutdown (as a crash would) and
    // opens a new one on the same directory.
    void restart() { start(base_config(dir_.path())); }

    coordinator& co() { return b_->groups(); }

    void create_topic(const std::string& name, int32_t partitions = 3) {
        auto r = b_->topics().create(name, partitions, 1, {}, false);
        ASSERT_TRUE(r.ok()) << r.message;
    }

    std::shared_ptr<join_box> join(const protocol::join_group_request& req, int16_t version = 5) {
        auto box = std::make_shared<join_box>();
        co().join(req, version, "client", "/127.0.0.1",
                  [box](protocol::join_group_response r) { box->got.push_back(std::move(r)); });
        return box;
    }

    std::shared_ptr<sync_box> sync(const std::string& group, const std::string& member_id, int32_t generation,
                                   const std::vector<std::pair<std::string, bytes>>& assignments = {},
                                   const std::optional<std::string>& instance_id = std::nullopt) {
        protocol::sync_group_request req;
        req.group_id = group;
        req.member_id = member_id;
        req.generation_id = generation;
        req.group_instance_id = instance_id;
        for (const auto& [id, a] : assignments) {
            protocol::sync_group_request::sync_group_request_assignment sa;
            sa.member_id = id;
            sa.assignment = a;
            req.assignments.push_back(std::move(sa));
        }
        auto box = std::make_shared<sync_box>();
        co().sync(req, 5, [box](protocol::sync_group_response r) { box->got.push_back(std::move(r)); });
        return box;
    }

    error_code heartbeat(const std::string& group, const std::string& member_id, int32_t generation,
                         const std::optional<std::string>& instance_id = std::nullopt) {
        protocol::heartbeat_request req;
        req.group_id = group;
        req.member_id = member_id;
        req.generation_id = generation;
        req.group_instance_id = instance_id;
        return co().heartbeat(req);
    }

    // KIP-394 first step: a v5 join with an empty id hands out a member id.
    std::string new_member_id(const std::string& group, const std::vector<proto>& protocols = default_protocols) {
        auto first = join(join_req(group, "", protocols));
        EXPECT_TRUE(first->done());
        EXPECT_EQ(first->r().error_code, wire(error_code::member_id_required));
        EXPECT_FALSE(first->r().member_id.empty());
        return first->r().member_id;
    }

    std::string state_of(const std::string& group) { return co().describe(group).group_state; }

    struct formed_group {
        std::vector<std::string> ids;  // join order
        int32_t generation = -1;
        std::string leader;
    };

    // Grows a group one dynamic member at a time (each newcomer triggers a
    // rebalance the others rejoin) and leaves it Stable, every member
    // assigned the single byte of its join index.
    formed_group form_stable(const std::string& group, int n, const std::vector<int32_t>& session_timeouts = {},
                             const std::vector<proto>& protocols = default_protocols) {
        formed_group f;
        std::vector<int32_t> sessions;
        for (int i = 0; i < n; ++i) {
            int32_t session = i < static_cast<int>(session_timeouts.size()) ? session_timeouts[i] : 30000;
            sessions.push_back(session);
            std::string id = new_member_id(group, protocols);
            std::vector<std::shared_ptr<join_box>> boxes;
            boxes.push_back(join(join_req(group, id, protocols, session)));
            // A rejoin carries the member's own session timeout, as clients do
            // (the coordinator takes the timeouts of every JoinGroup).
            for (size_t k = 0; k < f.ids.size(); ++k) boxes.push_back(join(join_req(group, f.ids[k], protocols, sessions[k])));
            f.ids.push_back(id);
            for (const auto& box : boxes) {
                EXPECT_TRUE(box->done());
                if (!box->done()) return f;
                EXPECT_EQ(box->r().error_code, 0);
            }
            f.generation = boxes.front()->r().generation_id;
            f.leader = boxes.front()->r().leader;
            std::vector<std::pair<std::string, bytes>> assignments;
            for (size_t k = 0; k < f.ids.size(); ++k) assignments.push_back({f.ids[k], {static_cast<uint8_t>(k)}});
            auto s = sync(group, f.leader, f.generation, assignments);
            EXPECT_TRUE(s->done());
        }
        EXPECT_EQ(state_of(group), "Stable");
        return f;
    }

    protocol::offset_commit_response commit(const std::string& group, const std::string& topic, int32_t partition,
                                            int64_t offset, int32_t generation = -1,
                                            const std::string& member_id = "",
                                            const std::optional<std::string>& metadata = std::string("meta")) {
        protocol::offset_commit_request req;
        req.group_id = group;
        req.generation_id_or_member_epoch = generation;
        req.member_id = member_id;
        protocol::offset_commit_request::offset_commit_request_topic t;
        t.name = topic;
        protocol::offset_commit_request::offset_commit_request_partition p;
        p.partition_index = partition;
        p.committed_offset = offset;
        p.committed_metadata = metadata;
        t.partitions.push_back(p);
        req.topics.push_back(std::move(t));
        protocol::offset_commit_response out;
        co().commit_offsets(req, 8, out);
        return out;
    }
    static int16_t only_error(const protocol::offset_commit_response& r) {
        EXPECT_EQ(r.topics.size(), 1u);
        EXPECT_EQ(r.topics.at(0).partitions.size(), 1u);
        return r.topics.at(0).partitions.at(0).error_code;
    }

    // The committed offset of one partition (-1 when none).
    committed_offset fetched(const std::string& group, const std::string& topic, int32_t partition) {
        std::vector<coordinator::fetched_offset> out;
        coordinator::fetch_topics topics{{{topic, {partition}}}};
        EXPECT_EQ(co().fetch_offsets(group, topics, out), error_code::none);
        EXPECT_EQ(out.size(), 1u);
        return out.empty() ? committed_offset{} : out.front().offset;
    }

    std::vector<std::string> listed(const std::vector<std::string>& states = {}) {
        std::vector<std::string> ids;
        for (const auto& g : co().list(states)) ids.push_back(g.group_id);
        return ids;
    }

    temp_dir dir_;  // declared first: outlives the broker
    std::unique_ptr<broker> b_;
};

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
    protocol::offset_commit_response out;
    co().commit_offsets(req, 8, out);
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
    for (const auto& g : co().list({})) EXPECT_EQ(g.group_type, "classic");
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

}  // namespace
}  // namespace sluice::broker::groups
