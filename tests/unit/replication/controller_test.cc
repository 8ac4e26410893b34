// The controller against a real etcd, with brokers that register and go:
// leaders move within the ISR with a new epoch, ISRs shrink, the preferred
// leader comes back on the imbalance check, a broker in controlled shutdown
// hands its leaderships over, unclean election only where a topic allows it,
// a reassignment completes once its target is in sync, and a deposed
// controller changes nothing.
#include "replication/controller.h"

#include <gtest/gtest.h>

#include "protocol/uuid_text.h"
#include "replication/broker_registration.h"
#include "replication/controlled_shutdown.h"
#include "replication/partition_reassignment.h"
#include "unit/replication/etcd_fixture.h"

namespace sluice::replication {
namespace {

using namespace std::chrono_literals;
using protocol::error_code;

class ControllerTest : public testing::EtcdTest {
protected:
    ControllerTest()
        : directory_(io_.get_executor(), client_, keys_, [this](const auto&) { ctrl_.brokers_changed(); }),
          metadata_(io_.get_executor(), client_, keys_, [this](const auto& t) { ctrl_.topics_changed(t); }),
          election_(io_.get_executor(), client_, keys_, 1, {[this](int64_t) { ctrl_.elected(); }, nullptr, nullptr},
                    100ms),
          ctrl_(io_.get_executor(), metadata_, directory_, election_, {false, true, 200ms, 10}) {
        for (int32_t id : {1, 2, 3}) start_broker(id);
        bool started = false;
        metadata_.start([&] { started = true; });
        directory_.start();
        EXPECT_TRUE(run_until([&] { return started && directory_.live().size() == 3; }, 10s));
        election_.campaign(brokers_[1]->lease());
        EXPECT_TRUE(run_until([&] { return election_.is_controller(); }, 5s));
    }

    void start_broker(int32_t id) {
        broker_registration::settings s;
        s.keys = keys_;
        s.self = broker_info{id, std::nullopt, {{"PLAINTEXT", "127.0.0.1", 9090 + id, "PLAINTEXT"}}, random_incarnation()};
        s.session_timeout = 1000ms;
        s.retry_backoff = 100ms;
        brokers_[id] = std::make_unique<broker_registration>(io_.get_executor(), client_, s, broker_registration::callbacks{});
        bool done = false;
        brokers_[id]->start([&](auto) { done = true; });
        EXPECT_TRUE(run_until([&] { return done; }, 10s));
    }

    void stop_broker(int32_t id) {
        bool done = false;
        brokers_[id]->stop([&] { done = true; });
        EXPECT_TRUE(run_until([&] { return done && !directory_.live().contains(id); }, 10s));
    }

    protocol::uuid create(const std::string& name, std::map<int32_t, std::vector<int32_t>> replicas,
                          std::map<std::string, std::string> configs = {}) {
        topic_record t{name, protocol::random_uuid(), static_cast<int32_t>(replicas.size()), 3, std::move(configs)};
        auto r = await<write_result>([&](auto cb) { metadata_.create_topic(t, replicas, cb); });
        EXPECT_TRUE(r && r->ok());
        // The topic's record and its partitions are separate keys: the
        // mirror may show either first.
        EXPECT_TRUE(run_until([&] {
            return metadata_.find(name) != nullptr && metadata_.partitions_of(t.topic_id).size() == replicas.size();
        }, 5s));
        return t.topic_id;
    }

    const partition_registration& state(const protocol::uuid& id, int32_t p) {
        return metadata_.partitions_of(id).at(p).state;
    }

    // Runs until the controller has nothing in flight and the condition holds.
    bool settle(std::function<bool()> cond) {
        return run_until([&] { return ctrl_.writes_in_flight() == 0 && cond(); }, 10s);
    }

    cluster_keys keys_{"/ctl"};
    std::map<int32_t, std::unique_ptr<broker_registration>> brokers_;
    broker_directory directory_;
    cluster_metadata metadata_;
    controller_election election_;
    controller ctrl_;
};

TEST_F(ControllerTest, a_dead_brokers_partitions_move_within_the_isr) {
    auto id = create("t", {{0, {2, 3, 1}}, {1, {3, 1, 2}}, {2, {1, 2, 3}}});
    stop_broker(2);
    ASSERT_TRUE(settle([&] { return state(id, 0).leader == 3; }));
    EXPECT_EQ(state(id, 0).leader_epoch, 1);
    EXPECT_EQ(state(id, 0).isr, (std::vector<int32_t>{3, 1}));
    EXPECT_EQ(state(id, 1).leader, 3);  // unchanged leader, same epoch, smaller ISR
    EXPECT_EQ(state(id, 1).leader_epoch, 0);
    EXPECT_EQ(state(id, 1).isr, (std::vector<int32_t>{3, 1}));
    EXPECT_EQ(state(id, 2).isr, (std::vector<int32_t>{1, 3}));
}

TEST_F(ControllerTest, the_preferred_leader_returns_once_back_in_sync) {
    auto id = create("t", {{0, {2, 3, 1}}});
    stop_broker(2);
    ASSERT_TRUE(settle([&] { return state(id, 0).leader == 3; }));
    start_broker(2);
    run_until([] { return false; }, 300ms);
    EXPECT_EQ(state(id, 0).leader, 3);  // back, but not in sync: no move

    // The leader (3) adds it back to the ISR, as after it caught up.
    const auto& now = state(id, 0);
    auto with_two = with_isr(now, 3, now.leader_epoch, now.partition_epoch, {3, 1, 2});
    ASSERT_TRUE(with_two.has_value());
    auto r = await<write_result>([&](auto cb) { metadata_.update_partition(id, 0, *with_two, {}, cb); });
    ASSERT_TRUE(r && r->ok());
    // Within one imbalance check interval (200 ms here).
    ASSERT_TRUE(settle([&] { return state(id, 0).leader == 2; }));
    EXPECT_EQ(state(id, 0).leader_epoch, 2);
}

TEST_F(ControllerTest, a_broker_in_controlled_shutdown_hands_over_and_leaves_the_isr) {
    // Broker 2 leaves (broker 1 holds the controller role in this fixture).
    auto id = create("t", {{0, {2, 1, 3}}, {1, {1, 2, 3}}, {2, {2}}});
    bool written = false;
    brokers_[2]->announce_controlled_shutdown([&](bool ok) { written = ok; });
    ASSERT_TRUE(run_until([&] { return written; }, 5s));
    ASSERT_TRUE(settle([&] { return state(id, 0).leader == 1 && state(id, 1).isr.size() == 2; }));
    EXPECT_EQ(state(id, 0).leader_epoch, 1);
    EXPECT_EQ(state(id, 0).isr, (std::vector<int32_t>{1, 3}));
    EXPECT_EQ(state(id, 1).leader, 1);  // a follower only: out of the ISR, same leader epoch
    EXPECT_EQ(state(id, 1).leader_epoch, 0);
    EXPECT_EQ(state(id, 1).isr, (std::vector<int32_t>{1, 3}));
    EXPECT_EQ(state(id, 2).leader, 2);  // nobody else could lead it: it stays until the broker goes
    EXPECT_EQ(state(id, 2).isr, (std::vector<int32_t>{2}));
    // Nor does the imbalance check hand a leaving broker its leadership back.
    run_until([] { return false; }, 500ms);
    EXPECT_EQ(state(id, 0).leader, 1);
    const std::set<int32_t> live{1, 2, 3};
    for (int32_t p : {0, 1, 2}) EXPECT_FALSE(still_to_move(state(id, p), 2, live, {2})) << p;

    // Its restart registers without the flag; once back in sync, the
    // imbalance check makes it the leader again.
    stop_broker(2);
    start_broker(2);
    const auto& now = state(id, 0);
    auto back = with_isr(now, 1, now.leader_epoch, now.partition_epoch, {1, 3, 2});
    ASSERT_TRUE(back.has_value());
    auto r = await<write_result>([&](auto cb) { metadata_.update_partition(id, 0, *back, {}, cb); });
    ASSERT_TRUE(r && r->ok());
    ASSERT_TRUE(settle([&] { return state(id, 0).leader == 2 && state(id, 2).leader == 2; }));
}

TEST_F(ControllerTest, unclean_election_only_where_the_topic_allows_it) {
    auto clean = create("clean", {{0, {2, 3}}});
    auto unclean = create("unclean", {{0, {2, 3}}}, {{"unclean.leader.election.enable", "true"}});
    // Broker 3 falls out of sync in both (its leader, 2, dropped it).
    for (auto id : {clean, unclean}) {
        const auto& s = state(id, 0);
        auto only_two = with_isr(s, 2, s.leader_epoch, s.partition_epoch, {2});
        auto r = await<write_result>([&](auto cb) { metadata_.update_partition(id, 0, *only_two, {}, cb); });
        ASSERT_TRUE(r && r->ok());
    }
    stop_broker(2);
    ASSERT_TRUE(settle([&] { return state(unclean, 0).leader == 3 && state(clean, 0).leader == no_leader; }));
    EXPECT_EQ(state(unclean, 0).isr, (std::vector<int32_t>{3}));
    EXPECT_EQ(state(clean, 0).isr, (std::vector<int32_t>{2}));  // the last in-sync replica is remembered
}

TEST_F(ControllerTest, elect_preferred_answers_like_kafka) {
    auto id = create("t", {{0, {2, 3, 1}}, {1, {1, 2, 3}}});
    EXPECT_EQ(ctrl_.elect_preferred("t", 0), error_code::election_not_needed);
    EXPECT_EQ(ctrl_.elect_preferred("t", 9), error_code::unknown_topic_or_partition);
    EXPECT_EQ(ctrl_.elect_preferred("nope", 0), error_code::unknown_topic_or_partition);
    stop_broker(2);
    ASSERT_TRUE(settle([&] { return state(id, 0).leader == 3; }));
    EXPECT_EQ(ctrl_.elect_preferred("t", 0), error_code::preferred_leader_not_available);
}

TEST_F(ControllerTest, a_reassignment_completes_once_the_target_is_in_sync) {
    auto id = create("t", {{0, {2, 1}}});
    auto started = start_reassignment(state(id, 0), {3, 1}, {1, 2, 3});
    ASSERT_TRUE(started.next.has_value());
    auto r = await<write_result>([&](auto cb) { metadata_.update_partition(id, 0, *started.next, {}, cb); });
    ASSERT_TRUE(r && r->ok());
    ASSERT_TRUE(run_until([&] { return state(id, 0).reassigning(); }, 5s));
    // Not yet in sync: the controller leaves it as it is (the imbalance
    // check too: the preferred replica, 3, is not in sync).
    run_until([] { return false; }, 300ms);
    EXPECT_EQ(state(id, 0).replicas, (std::vector<int32_t>{3, 1, 2}));
    EXPECT_EQ(state(id, 0).leader, 2);
    EXPECT_EQ(state(id, 0).leader_epoch, 1);

    // The leader (2) takes 3 into the ISR, as once it caught up.
    const auto& now = state(id, 0);
    auto caught_up = with_isr(now, 2, now.leader_epoch, now.partition_epoch, {2, 1, 3});
    ASSERT_TRUE(caught_up.has_value());
    r = await<write_result>([&](auto cb) { metadata_.update_partition(id, 0, *caught_up, {}, cb); });
    ASSERT_TRUE(r && r->ok());
    ASSERT_TRUE(settle([&] { return !state(id, 0).reassigning(); }));
    EXPECT_EQ(state(id, 0).replicas, (std::vector<int32_t>{3, 1}));
    EXPECT_EQ(state(id, 0).isr, (std::vector<int32_t>{1, 3}));
    EXPECT_EQ(state(id, 0).leader, 3);  // the removed leader handed over
    EXPECT_GE(state(id, 0).leader_epoch, 2);
}

TEST_F(ControllerTest, a_dead_adding_replica_holds_the_reassignment_until_cancelled) {
    auto id = create("t", {{0, {1, 2}}});
    auto started = start_reassignment(state(id, 0), {1, 3}, {1, 2, 3});
    auto r = await<write_result>([&](auto cb) { metadata_.update_partition(id, 0, *started.next, {}, cb); });
    ASSERT_TRUE(r && r->ok());
    stop_broker(3);
    run_until([] { return false; }, 300ms);
    ASSERT_TRUE(settle([&] { return state(id, 0).reassigning(); }));
    auto cancelled = cancel_reassignment(state(id, 0), {1, 2});
    ASSERT_TRUE(cancelled.next.has_value());
    r = await<write_result>([&](auto cb) { metadata_.update_partition(id, 0, *cancelled.next, {}, cb); });
    ASSERT_TRUE(r && r->ok());
    ASSERT_TRUE(settle([&] { return !state(id, 0).reassigning(); }));
    EXPECT_EQ(state(id, 0).replicas, (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(state(id, 0).isr, (std::vector<int32_t>{1, 2}));
    EXPECT_EQ(state(id, 0).leader, 1);
}

TEST_F(ControllerTest, a_deposed_controller_changes_nothing) {
    auto id = create("t", {{0, {3, 2, 1}}});
    // Broker 1's session goes: it is no longer the controller.
    bool revoked = false;
    client_.lease_revoke(brokers_[1]->lease(), [&](auto) { revoked = true; });
    ASSERT_TRUE(run_until([&] { return revoked && !election_.is_controller(); }, 10s));
    stop_broker(3);
    run_until([] { return false; }, 500ms);
    EXPECT_EQ(state(id, 0).leader, 3);
    EXPECT_EQ(state(id, 0).leader_epoch, 0);
    EXPECT_EQ(ctrl_.elect_preferred("t", 0), error_code::not_controller);
}

}  // namespace
}  // namespace sluice::replication
