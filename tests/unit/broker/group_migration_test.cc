// KIP-848's online migration: the conversion functions on their own
// (embedded protocol bytes, each kind of group built from the other), then
// the coordinator: a live classic group upgraded by a ConsumerGroupHeartbeat,
// classic members served inside a consumer group, the downgrade when the
// last consumer-protocol member goes, and group.consumer.migration.policy.
#include "broker/groups/consumer_group_records.h"
#include "broker/groups/group_conversion.h"
#include "protocol/generated/consumer_protocol_assignment.h"
#include "unit/broker/group_coordinator_fixture.h"

namespace sluice::broker::groups::test {
namespace {

using hb_request = protocol::consumer_group_heartbeat_request;
using hb_response = protocol::consumer_group_heartbeat_response;

const protocol::uuid topic_a{{1}};
const protocol::uuid topic_b{{2}};

topic_lookup fake_topics() {
    topic_lookup t;
    t.id_of = [](const std::string& name) -> std::optional<protocol::uuid> {
        if (name == "a") return topic_a;
        if (name == "b") return topic_b;
        return std::nullopt;
    };
    t.name_of = [](const protocol::uuid& id) -> std::optional<std::string> {
        if (id == topic_a) return "a";
        if (id == topic_b) return "b";
        return std::nullopt;
    };
    return t;
}

bytes subscription_bytes(const std::vector<std::string>& topics, int16_t version = 1,
                         const std::vector<std::pair<std::string, std::vector<int32_t>>>& owned = {}) {
    protocol::consumer_protocol_subscription sub;
    sub.topics = topics;
    for (const auto& [t, ps] : owned) {
        protocol::consumer_protocol_subscription::topic_partition tp;
        tp.topic = t;
        tp.partitions = ps;
        sub.owned_partitions.push_back(tp);
    }
    protocol::writer w;
    w.write_int16(version);
    sub.encode(w, std::min<int16_t>(version, protocol::consumer_protocol_subscription::highest_version));
    return w.buffer();
}

bytes assignment_bytes(const std::vector<std::pair<std::string, std::vector<int32_t>>>& parts, int16_t version = 1) {
    protocol::consumer_protocol_assignment a;
    for (const auto& [t, ps] : parts) {
        protocol::consumer_protocol_assignment::topic_partition tp;
        tp.topic = t;
        tp.partitions = ps;
        a.assigned_partitions.push_back(tp);
    }
    protocol::writer w;
    w.write_int16(version);
    a.encode(w, std::min<int16_t>(version, protocol::consumer_protocol_assignment::highest_version));
    return w.buffer();
}

// ---- the conversion functions ----

TEST(GroupConversion, AssignmentRoundTripsInTheMembersVersion) {
    partition_set ps{{topic_a, {0, 2}}, {topic_b, {1}}};
    for (int16_t v : {0, 1, 3}) {
        bytes raw = encode_assignment(ps, fake_topics(), v);
        EXPECT_EQ(embedded_version(raw), v);
        EXPECT_EQ(decode_assignment(raw, fake_topics()), ps) << "version " << v;
    }
    // A newer version than ours is read as our newest (fields only get added).
    bytes future = assignment_bytes({{"a", {4}}}, 3);
    future[1] = 7;
    EXPECT_EQ(decode_assignment(future, fake_topics()), (partition_set{{topic_a, {4}}}));
}

TEST(GroupConversion, UnknownTopicsAreLeftOut) {
    EXPECT_EQ(decode_assignment(assignment_bytes({{"gone", {0}}, {"a", {1}}}), fake_topics()),
              (partition_set{{topic_a, {1}}}));
    auto sub = decode_subscription(subscription_bytes({"a"}, 1, {{"gone", {1}}, {"b", {3}}}));
    ASSERT_TRUE(sub);
    EXPECT_EQ(to_partition_set(sub->owned_partitions, fake_topics()), (partition_set{{topic_b, {3}}}));
}

TEST(GroupConversion, MalformedEmbeddedBytesAreRefused) {
    EXPECT_FALSE(decode_assignment({}, fake_topics()));                        // no header
    EXPECT_FALSE(decode_assignment({0x00}, fake_topics()));                    // half a header
    EXPECT_FALSE(decode_assignment({0xff, 0xff, 0, 0, 0, 0}, fake_topics()));  // negative version
    bytes cut = assignment_bytes({{"a", {0, 1, 2}}});
    cut.resize(cut.size() - 6);
    EXPECT_FALSE(decode_assignment(cut, fake_topics()));
    EXPECT_FALSE(decode_subscription({0x00, 0x00, 0x00, 0x00, 0x00, 0x05}));  // 5 topics, no bytes
    EXPECT_FALSE(embedded_version({0x01}));
    EXPECT_TRUE(decode_subscription(subscription_bytes({"a"}, 3)));
}

TEST(GroupConversion, MigrationPolicyNamesAreCaseInsensitive) {
    EXPECT_EQ(parse_migration_policy("Bidirectional"), migration_policy::bidirectional);
    EXPECT_EQ(parse_migration_policy("DISABLED"), migration_policy::disabled);
    EXPECT_EQ(parse_migration_policy("upgrade"), migration_policy::upgrade);
    EXPECT_EQ(parse_migration_policy("downgrade"), migration_policy::downgrade);
    EXPECT_FALSE(parse_migration_policy("both"));
    EXPECT_TRUE(upgrade_enabled(migration_policy::upgrade));
    EXPECT_FALSE(upgrade_enabled(migration_policy::downgrade));
    EXPECT_TRUE(downgrade_enabled(migration_policy::bidirectional));
    EXPECT_FALSE(downgrade_enabled(migration_policy::disabled));
}

// A stable classic group of two consumer-protocol members, built by hand.
group classic_pair() {
    group g("g");
    for (const char* id : {"c1", "c2"}) {
        auto m = std::make_unique<member>();
        m->id = id;
        m->client_id = std::string("client-") + id;
        m->client_host = "/10.0.0.1";
        m->session_timeout_ms = 10000;
        m->rebalance_timeout_ms = 20000;
        m->protocol_type = "consumer";
        m->protocols = {{"range", subscription_bytes({"b", "a", "a"}, 1)},
                        {"roundrobin", subscription_bytes({"a", "b"}, 1)}};
        g.add(std::move(m));
    }
    g.set_generation(7);
    g.select_protocol_and_leader();
    g.find("c1")->assignment = assignment_bytes({{"a", {0, 1}}}, 1);
    g.find("c2")->assignment = assignment_bytes({{"a", {2}}, {"b", {0}}}, 1);
    g.set_state(group_state::stable, 0);
    return g;
}

TEST(GroupConversion, ClassicMembersKeepTheirAssignmentsInTheConsumerGroup) {
    group g = classic_pair();
    auto cg = consumer_group_from_classic(g, fake_topics());
    ASSERT_NE(cg, nullptr);
    EXPECT_EQ(cg->group_epoch(), 7);
    EXPECT_EQ(cg->assignment_epoch(), 7);
    ASSERT_EQ(cg->members().size(), 2u);
    const consumer_member& c2 = *cg->members().at("c2");
    EXPECT_EQ(c2.member_epoch, 7);
    EXPECT_EQ(c2.state, member_state::stable);
    EXPECT_EQ(c2.assigned, (partition_set{{topic_a, {2}}, {topic_b, {0}}}));
    EXPECT_EQ(cg->target_of("c2"), c2.assigned);
    EXPECT_EQ(c2.subscribed_topic_names, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(c2.client_id, "client-c2");
    EXPECT_EQ(c2.rebalance_timeout_ms, 20000);
    ASSERT_TRUE(c2.classic);
    EXPECT_EQ(c2.classic->session_timeout_ms, 10000);
    ASSERT_EQ(c2.classic->protocols.size(), 2u);
    EXPECT_EQ(c2.classic->protocols[1].first, "roundrobin");
    EXPECT_EQ(cg->partition_epoch(topic_a, 0), 7);
    EXPECT_EQ(cg->state_name(), "Stable");

    // Kafka's createConsumerGroupRecords order.
    auto records = consumer_group_creation_records(*cg);
    ASSERT_EQ(records.size(), 2u + 1 + 2 + 1 + 2);
    for (const auto& r : records)
        EXPECT_TRUE(r.value.has_value());
    consumer_group_image image;
    for (const auto& r : records)
        ASSERT_TRUE(replay_consumer_record(r.key, r.value, image));
    EXPECT_EQ(image.group_epoch, 7);
    EXPECT_EQ(image.assignment_epoch, 7);
    ASSERT_TRUE(image.members.at("c1").classic);
    EXPECT_EQ(image.members.at("c1").classic, cg->members().at("c1")->classic);
    EXPECT_EQ(image.members.at("c1").assigned, (partition_set{{topic_a, {0, 1}}}));
    EXPECT_EQ(image.target.at("c2"), c2.assigned);
}

TEST(GroupConversion, UnreadableMembersRefuseTheUpgrade) {
    group no_assignment = classic_pair();
    no_assignment.find("c1")->assignment.clear();  // joined, never synced
    EXPECT_EQ(consumer_group_from_classic(no_assignment, fake_topics()), nullptr);
    group bad_subscription = classic_pair();
    bad_subscription.find("c2")->protocols[0].metadata = {0x00};
    EXPECT_EQ(consumer_group_from_classic(bad_subscription, fake_topics()), nullptr);
}

TEST(GroupConversion, ClassicGroupFromTheClassicMembersLeft) {
    group g = classic_pair();
    auto cg = consumer_group_from_classic(g, fake_topics());
    ASSERT_NE(cg, nullptr);
    // A consumer-protocol member, then the target moves partition a-1 to c2.
    auto m = std::make_unique<consumer_member>();
    m->id = "m3";
    cg->add(std::move(m));
    cg->set_group_epoch(9);
    cg->target()["c2"] = partition_set{{topic_a, {1, 2}}, {topic_b, {0}}};
    cg->find("c2")->classic->protocols[0].second = subscription_bytes({"a", "b"}, 0);

    group out("g");
    ASSERT_TRUE(classic_group_from_consumer(*cg, "m3", fake_topics(), out, 1000));
    EXPECT_EQ(out.generation(), 9);
    EXPECT_EQ(out.state(), group_state::stable);
    EXPECT_EQ(out.protocol_type(), "consumer");
    EXPECT_EQ(out.protocol_name(), "range");
    ASSERT_EQ(out.members().size(), 2u);
    EXPECT_EQ(out.find("m3"), nullptr);
    EXPECT_TRUE(out.leader().has_value());
    // Each gets its target, in its own subscription's version.
    const bytes& a2 = out.find("c2")->assignment;
    EXPECT_EQ(embedded_version(a2), 0);
    EXPECT_EQ(decode_assignment(a2, fake_topics()), (partition_set{{topic_a, {1, 2}}, {topic_b, {0}}}));
    EXPECT_EQ(embedded_version(out.find("c1")->assignment), 1);
    EXPECT_EQ(out.find("c1")->session_timeout_ms, 10000);
    EXPECT_EQ(out.find("c1")->protocols.size(), 2u);
}

// ---- the coordinator ----

class GroupMigration : public GroupCoordinator {
protected:
    void SetUp() override {
        GroupCoordinator::SetUp();
        create_topic("t", 4);
        protos_ = {{"range", subscription_bytes({"t"}, 1)}};
    }
    void TearDown() override {
        other_ = nullptr;
        policy_.reset();
    }

    // The broker's coordinator, or one with another migration policy.
    void use_policy(migration_policy p) {
        coordinator_settings s;
        s.offsets_partitions = 3;
        s.min_session_timeout_ms = 10;
        s.initial_rebalance_delay_ms = 0;
        s.consumer_migration_policy = p;
        policy_ = std::make_unique<coordinator>(*b_, s);
        other_ = policy_.get();
    }

    hb_response hb(hb_request req) { return co().consumer_heartbeat(req, 1, "client", "/127.0.0.1"); }

    static hb_request hb_join(const std::string& group, const std::string& member) {
        hb_request r;
        r.group_id = group;
        r.member_id = member;
        r.member_epoch = 0;
        r.rebalance_timeout_ms = 60000;
        r.subscribed_topic_names = std::vector<std::string>{"t"};
        r.topic_partitions = std::vector<hb_request::topic_partitions_data>{};
        return r;
    }
    hb_request hb_beat(const std::string& group, const std::string& member, int32_t epoch,
                       const std::vector<int32_t>& owned) {
        hb_request r;
        r.group_id = group;
        r.member_id = member;
        r.member_epoch = epoch;
        r.topic_partitions = std::vector<hb_request::topic_partitions_data>{};
        if (!owned.empty()) {
            hb_request::topic_partitions_data tp;
            tp.topic_id = b_->topics().find("t")->meta.topic_id;
            tp.partitions = owned;
            r.topic_partitions->push_back(tp);
        }
        return r;
    }
    static std::vector<int32_t> partitions_of(const hb_response& r) {
        std::vector<int32_t> out;
        if (r.assignment) {
            for (const auto& t : r.assignment->topic_partitions)
                out.insert(out.end(), t.partitions.begin(), t.partitions.end());
        }
        std::sort(out.begin(), out.end());
        return out;
    }
    std::vector<int32_t> decoded(const bytes& assignment) {
        auto a = decode_assignment(assignment, lookup());
        EXPECT_TRUE(a.has_value());
        std::vector<int32_t> out;
        if (a) {
            for (const auto& [t, ps] : *a)
                out.insert(out.end(), ps.begin(), ps.end());
        }
        return out;
    }
    topic_lookup lookup() {
        topic_lookup t;
        t.id_of = [this](const std::string& n) -> std::optional<protocol::uuid> {
            if (auto* ts = b_->topics().find(std::string_view(n))) return ts->meta.topic_id;
            return std::nullopt;
        };
        t.name_of = [this](const protocol::uuid& id) -> std::optional<std::string> {
            if (auto* ts = b_->topics().find(id)) return ts->meta.name;
            return std::nullopt;
        };
        return t;
    }

    // A stable classic group "g": c1 owns t-0,1 and c2 t-2,3.
    formed_group classic_group(int32_t session_ms = 30000, int32_t rebalance_ms = 60000) {
        formed_group f = form_stable("g", 2, {session_ms, session_ms}, protos_);
        // The leader rejoins: a rebalance in which it hands out real partitions.
        std::vector<std::string> order{f.leader};
        for (const auto& id : f.ids) {
            if (id != f.leader) order.push_back(id);
        }
        std::vector<std::shared_ptr<join_box>> boxes;
        for (const auto& id : order) {
            auto req = join_req("g", id, protos_, session_ms);
            req.rebalance_timeout_ms = rebalance_ms;
            boxes.push_back(join(req));
        }
        for (const auto& b : boxes) {
            EXPECT_TRUE(b->done());
            if (!b->done()) return f;
            EXPECT_EQ(b->r().error_code, 0);
        }
        f.generation = boxes[0]->r().generation_id;
        f.ids = order;
        auto s = sync("g", f.leader, f.generation,
                      {{order[0], assignment_bytes({{"t", {0, 1}}})}, {order[1], assignment_bytes({{"t", {2, 3}}})}});
        EXPECT_TRUE(s->done());
        EXPECT_EQ(state_of("g"), "Stable");
        return f;
    }

    // A classic member's rejoin and sync; the assignment it gets.
    std::vector<int32_t> rejoin_and_sync(const std::string& id, int32_t* generation = nullptr,
                                         const std::vector<int32_t>& owned = {}) {
        std::vector<proto> p = protos_;
        if (!owned.empty()) p[0].metadata = subscription_bytes({"t"}, 1, {{"t", owned}});
        auto j = join(join_req("g", id, p));
        EXPECT_TRUE(j->done());
        if (!j->done()) return {};
        EXPECT_EQ(j->r().error_code, 0);
        EXPECT_EQ(j->r().leader, "");
        EXPECT_TRUE(j->r().members.empty());
        EXPECT_EQ(j->r().protocol_name, "range");
        if (generation != nullptr) *generation = j->r().generation_id;
        auto s = sync("g", id, j->r().generation_id);
        EXPECT_TRUE(s->done());
        if (!s->done()) return {};
        EXPECT_EQ(s->r().error_code, 0);
        return decoded(s->r().assignment);
    }

    std::vector<proto> protos_;
    std::unique_ptr<coordinator> policy_;
};

TEST_F(GroupMigration, ConsumerHeartbeatUpgradesALiveClassicGroup) {
    formed_group f = classic_group();
    commit("g", "t", 0, 5, f.generation, f.ids[0]);
    hb_response j = hb(hb_join("g", "m3"));
    ASSERT_EQ(j.error_code, 0) << j.error_message.value_or("");
    EXPECT_EQ(j.member_epoch, f.generation + 1);
    EXPECT_TRUE(partitions_of(j).empty());  // what it gets is still held by the classic members

    auto d = co().describe_consumer("g");
    ASSERT_EQ(d.error_code, 0);
    EXPECT_EQ(d.group_epoch, f.generation + 1);
    ASSERT_EQ(d.members.size(), 3u);
    std::map<std::string, std::vector<int32_t>> owned;
    for (const auto& m : d.members) {
        for (const auto& t : m.assignment.topic_partitions)
            owned[m.member_id] = t.partitions;
    }
    EXPECT_EQ(owned[f.ids[0]], (std::vector<int32_t>{0, 1}));
    EXPECT_EQ(owned[f.ids[1]], (std::vector<int32_t>{2, 3}));
    EXPECT_EQ(co().describe("g").group_state, "Dead");  // the classic API no longer describes it
    EXPECT_EQ(co().list({}, {"consumer"}).size(), 1u);
    EXPECT_EQ(fetched("g", "t", 0).offset, 5);
    // Still at its generation, a classic member commits; a wrong one is refused as a generation.
    EXPECT_EQ(only_error(commit("g", "t", 1, 6, f.generation, f.ids[0])), 0);
    EXPECT_EQ(only_error(commit("g", "t", 1, 6, f.generation + 5, f.ids[0])), wire(error_code::illegal_generation));

    // The records say the same after a restart: a consumer group with its classic members.
    restart();
    auto after = co().describe_consumer("g");
    ASSERT_EQ(after.error_code, 0);
    EXPECT_EQ(after.group_epoch, d.group_epoch);
    EXPECT_EQ(after.members.size(), 3u);
    EXPECT_EQ(co().describe("g").group_state, "Dead");
    EXPECT_EQ(heartbeat("g", f.ids[0], f.generation), error_code::rebalance_in_progress);
    EXPECT_EQ(fetched("g", "t", 1).offset, 6);
}

TEST_F(GroupMigration, ClassicMembersRebalanceThroughTheServerAssignor) {
    formed_group f = classic_group();
    hb_response j = hb(hb_join("g", "m3"));
    ASSERT_EQ(j.error_code, 0);
    // Both classic members are told to rejoin (a newer group epoch).
    for (const auto& id : f.ids)
        EXPECT_EQ(heartbeat("g", id, f.generation), error_code::rebalance_in_progress);
    EXPECT_EQ(heartbeat("g", f.ids[0], f.generation + 3), error_code::illegal_generation);

    // Eager clients rejoin owning nothing; each ends up with its share.
    std::map<std::string, std::vector<int32_t>> got;
    for (int round = 0; round < 3; ++round) {
        for (const auto& id : f.ids) {
            if (heartbeat("g", id, co().describe_consumer("g").group_epoch) == error_code::none) continue;
            got[id] = rejoin_and_sync(id);
        }
        got["m3"] = partitions_of(hb(hb_beat("g", "m3", j.member_epoch, got["m3"])));
        if (got["m3"].empty()) got.erase("m3");
    }
    auto d = co().describe_consumer("g");
    EXPECT_EQ(d.group_state, "Stable");
    std::vector<int32_t> all;
    for (const auto& m : d.members) {
        EXPECT_EQ(m.member_epoch, d.group_epoch) << m.member_id;
        for (const auto& t : m.assignment.topic_partitions)
            all.insert(all.end(), t.partitions.begin(), t.partitions.end());
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, (std::vector<int32_t>{0, 1, 2, 3}));
    for (const auto& id : f.ids)
        EXPECT_EQ(heartbeat("g", id, d.group_epoch), error_code::none);
}

TEST_F(GroupMigration, NewClassicMemberJoinsAConsumerGroup) {
    ASSERT_EQ(hb(hb_join("g", "m1")).error_code, 0);
    auto first = join(join_req("g", "", protos_));
    ASSERT_TRUE(first->done());
    EXPECT_EQ(first->r().error_code, wire(error_code::member_id_required));
    std::string id = first->r().member_id;
    ASSERT_FALSE(id.empty());
    int32_t generation = -1;
    EXPECT_TRUE(rejoin_and_sync(id, &generation).empty());  // m1 still owns everything
    EXPECT_EQ(generation, 2);
    // m1 revokes, then the classic member is told to rejoin for its share.
    hb_response r1 = hb(hb_beat("g", "m1", 1, {0, 1, 2, 3}));
    std::vector<int32_t> kept = partitions_of(r1);
    ASSERT_EQ(kept.size(), 2u);
    hb(hb_beat("g", "m1", 1, kept));
    EXPECT_EQ(heartbeat("g", id, generation), error_code::rebalance_in_progress);
    std::vector<int32_t> mine = rejoin_and_sync(id, &generation);
    ASSERT_EQ(mine.size(), 2u);
    for (int32_t p : mine)
        EXPECT_EQ(std::count(kept.begin(), kept.end(), p), 0);
    EXPECT_EQ(heartbeat("g", id, generation), error_code::none);
    EXPECT_EQ(co().describe_consumer("g").group_state, "Stable");
    // It survives a restart as a classic member.
    restart();
    EXPECT_EQ(heartbeat("g", id, generation), error_code::none);
    auto s = sync("g", id, generation);
    ASSERT_TRUE(s->done());
    EXPECT_EQ(decoded(s->r().assignment), mine);
}

TEST_F(GroupMigration, ClassicCallsGetKafkasErrors) {
    ASSERT_EQ(hb(hb_join("g", "m1")).error_code, 0);
    // Another protocol type, or no protocol in common with the classic members.
    auto wrong_type = join_req("g", "x", protos_);
    wrong_type.protocol_type = "connect";
    auto j = join(wrong_type);
    ASSERT_TRUE(j->done());
    EXPECT_EQ(j->r().error_code, wire(error_code::inconsistent_group_protocol));
    std::string id = new_member_id("g", protos_);
    auto ok = join(join_req("g", id, protos_));
    ASSERT_EQ(ok->r().error_code, 0);
    int32_t generation = ok->r().generation_id;
    auto other = join(join_req("g", "", {{"sticky", protos_[0].metadata}}));
    EXPECT_EQ(other->r().error_code, wire(error_code::inconsistent_group_protocol));
    // An unreadable subscription (Kafka: IllegalStateException).
    auto bad = join(join_req("g", "y", {{"range", {0x00, 0x01, 0x00}}}));
    EXPECT_EQ(bad->r().error_code, wire(error_code::unknown_server_error));
    EXPECT_EQ(co().describe_consumer("g").members.size(), 2u);

    EXPECT_EQ(heartbeat("g", "m1", 1), error_code::unknown_member_id);  // a consumer-protocol member
    EXPECT_EQ(heartbeat("g", "ghost", 1), error_code::unknown_member_id);
    EXPECT_EQ(heartbeat("g", id, generation + 1), error_code::illegal_generation);
    EXPECT_EQ(sync("g", id, generation + 1)->r().error_code, wire(error_code::illegal_generation));
    protocol::sync_group_request named;
    named.group_id = "g";
    named.member_id = id;
    named.generation_id = generation;
    named.protocol_type = "consumer";
    named.protocol_name = "roundrobin";
    std::optional<protocol::sync_group_response> answer;
    co().sync(named, 5, [&](protocol::sync_group_response r) { answer = r; });
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->error_code, wire(error_code::inconsistent_group_protocol));
    EXPECT_EQ(co().leave("g", "m1", std::nullopt), error_code::unknown_member_id);
    EXPECT_EQ(co().leave("g", "", std::string("nobody")), error_code::unknown_member_id);
    EXPECT_EQ(co().leave("g", id, std::nullopt), error_code::none);
    EXPECT_EQ(co().describe_consumer("g").members.size(), 1u);
}

TEST_F(GroupMigration, StaticClassicMemberComesBackUnderANewId) {
    ASSERT_EQ(hb(hb_join("g", "m1")).error_code, 0);
    auto first = join(join_req("g", "", protos_, 30000, std::string("inst")));
    ASSERT_EQ(first->r().error_code, 0);
    std::string old_id = first->r().member_id;
    auto again = join(join_req("g", "", protos_, 30000, std::string("inst")));
    ASSERT_EQ(again->r().error_code, 0);
    EXPECT_NE(again->r().member_id, old_id);
    EXPECT_EQ(heartbeat("g", old_id, first->r().generation_id, std::string("inst")), error_code::fenced_instance_id);
    EXPECT_EQ(co().describe_consumer("g").members.size(), 2u);
    EXPECT_EQ(co().leave("g", "", std::string("inst")), error_code::none);
    EXPECT_EQ(co().describe_consumer("g").members.size(), 1u);
}

TEST_F(GroupMigration, StaticClassicMemberReplacingTheLastConsumerMemberDowngrades) {
    hb_request first = hb_join("g", "m1");
    first.instance_id = "inst";
    hb_response j = hb(first);
    ASSERT_EQ(j.error_code, 0);
    auto other = join(join_req("g", "c", protos_));
    ASSERT_EQ(other->r().error_code, 0);
    // m1 revokes what the classic member's target holds.
    std::vector<int32_t> kept = partitions_of(hb(hb_beat("g", "m1", j.member_epoch, {0, 1, 2, 3})));
    hb(hb_beat("g", "m1", j.member_epoch, kept));
    int32_t epoch = co().describe_consumer("g").group_epoch;

    // The same instance comes back on the classic protocol: it takes m1's
    // place, no member is left on the consumer protocol, and the group is
    // classic again, Stable, with no rebalance.
    auto back = join(join_req("g", "", protos_, 30000, std::string("inst")));
    ASSERT_TRUE(back->done());
    ASSERT_EQ(back->r().error_code, 0);
    EXPECT_EQ(back->r().generation_id, epoch);
    EXPECT_EQ(co().describe_consumer("g").error_code, wire(error_code::group_id_not_found));
    auto d = co().describe("g");
    EXPECT_EQ(d.group_state, "Stable");
    EXPECT_EQ(d.members.size(), 2u);
    auto s = sync("g", back->r().member_id, back->r().generation_id, {}, std::string("inst"));
    ASSERT_TRUE(s->done());
    ASSERT_EQ(s->r().error_code, 0);
    std::vector<int32_t> got = decoded(s->r().assignment);
    EXPECT_EQ(got, kept);
    EXPECT_EQ(heartbeat("g", back->r().member_id, epoch, std::string("inst")), error_code::none);
}

TEST_F(GroupMigration, LastConsumerMemberLeavingDowngradesTheGroup) {
    formed_group f = classic_group();
    ASSERT_EQ(hb(hb_join("g", "m3")).error_code, 0);
    int32_t epoch = co().describe_consumer("g").group_epoch;
    hb_response left = hb(hb_beat("g", "m3", leave_group_epoch, {}));
    EXPECT_EQ(left.error_code, 0);
    EXPECT_EQ(co().describe_consumer("g").error_code, wire(error_code::group_id_not_found));
    auto d = co().describe("g");
    EXPECT_EQ(d.group_state, "PreparingRebalance");
    EXPECT_EQ(d.protocol_type, "consumer");
    EXPECT_EQ(d.members.size(), 2u);
    // The members rejoin a classic rebalance at the group's epoch.
    for (const auto& id : f.ids)
        EXPECT_EQ(heartbeat("g", id, epoch), error_code::rebalance_in_progress);
    std::vector<std::shared_ptr<join_box>> boxes;
    for (const auto& id : f.ids)
        boxes.push_back(join(join_req("g", id, protos_)));
    for (const auto& b : boxes) {
        ASSERT_TRUE(b->done());
        EXPECT_EQ(b->r().error_code, 0);
        EXPECT_EQ(b->r().generation_id, epoch + 1);
    }
    EXPECT_EQ(state_of("g"), "CompletingRebalance");
    // And that survives a restart (the group metadata record replaced the consumer group's).
    restart();
    EXPECT_EQ(co().describe_consumer("g").error_code, wire(error_code::group_id_not_found));
    EXPECT_EQ(co().describe("g").members.size(), 2u);
}

TEST_F(GroupMigration, ConsumerMemberSessionExpiryDowngradesToo) {
    classic_group(120000);
    ASSERT_EQ(hb(hb_join("g", "m3")).error_code, 0);
    co().tick(now_ms() + 40000);  // the classic members' sessions are 120 s, m3's 45 s
    EXPECT_EQ(co().describe_consumer("g").members.size(), 3u);
    co().tick(now_ms() + 46000);
    EXPECT_EQ(co().describe_consumer("g").error_code, wire(error_code::group_id_not_found));
    EXPECT_EQ(co().describe("g").group_state, "PreparingRebalance");
}

TEST_F(GroupMigration, ClassicMemberThatDoesNotRejoinIsRemoved) {
    formed_group f = classic_group(120000, 20000);
    ASSERT_EQ(hb(hb_join("g", "m3")).error_code, 0);
    // Told to rejoin (20 s rebalance timeout), it only heartbeats.
    EXPECT_EQ(heartbeat("g", f.ids[0], f.generation), error_code::rebalance_in_progress);
    co().tick(now_ms() + 15000);
    EXPECT_EQ(heartbeat("g", f.ids[0], f.generation), error_code::rebalance_in_progress);
    EXPECT_EQ(co().describe_consumer("g").members.size(), 3u);
    co().tick(now_ms() + 21000);
    auto after = co().describe_consumer("g");
    ASSERT_EQ(after.members.size(), 2u);  // the other one was not told yet: it has its session
    for (const auto& m : after.members)
        EXPECT_NE(m.member_id, f.ids[0]);
    // The other one does not rejoin either once told.
    EXPECT_EQ(heartbeat("g", f.ids[1], f.generation), error_code::rebalance_in_progress);
    co().tick(now_ms() + 21000);
    auto d = co().describe_consumer("g");
    ASSERT_EQ(d.members.size(), 1u);
    EXPECT_EQ(d.members[0].member_id, "m3");
}

TEST_F(GroupMigration, DisabledPolicyKeepsTheKinds) {
    use_policy(migration_policy::disabled);
    classic_group();
    hb_response r = hb(hb_join("g", "m3"));
    EXPECT_EQ(r.error_code, wire(error_code::group_id_not_found));
    EXPECT_EQ(r.error_message, "Group g is not a consumer group.");
    EXPECT_EQ(state_of("g"), "Stable");

    // Classic members may still join a consumer group (Kafka does not ask
    // the policy), but its last consumer member leaving does not downgrade it.
    ASSERT_EQ(hb(hb_join("h", "m1")).error_code, 0);
    auto j = join(join_req("h", "c", protos_));
    ASSERT_EQ(j->r().error_code, 0);
    hb(hb_beat("h", "m1", leave_group_epoch, {}));
    auto d = co().describe_consumer("h");
    ASSERT_EQ(d.error_code, 0);
    ASSERT_EQ(d.members.size(), 1u);
    EXPECT_EQ(d.members[0].member_id, "c");
}

TEST_F(GroupMigration, UpgradeOnlyPolicyDoesNotDowngrade) {
    use_policy(migration_policy::upgrade);
    classic_group();
    ASSERT_EQ(hb(hb_join("g", "m3")).error_code, 0);
    hb(hb_beat("g", "m3", leave_group_epoch, {}));
    EXPECT_EQ(co().describe_consumer("g").members.size(), 2u);
}

TEST_F(GroupMigration, UnreadableClassicGroupIsNotUpgraded) {
    form_stable("busy", 1);  // its member metadata is not the consumer protocol's
    EXPECT_EQ(hb(hb_join("busy", "m9")).error_code, wire(error_code::group_id_not_found));
    EXPECT_EQ(state_of("busy"), "Stable");
}

}  // namespace
}  // namespace sluice::broker::groups::test
