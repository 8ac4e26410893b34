// Broker registration, the live-broker directory and the controller
// election against a real etcd: duplicates refused, a crashed predecessor
// waited out, sessions lost and regained, exactly one controller, and a
// deposed controller's writes fenced.
#include <gtest/gtest.h>

#include <optional>

#include "replication/broker_directory.h"
#include "replication/broker_registration.h"
#include "replication/controller_election.h"
#include "unit/replication/etcd_fixture.h"

namespace sluice::replication {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

broker_info info_of(int32_t id, int32_t port) {
    return broker_info{id, std::nullopt, {{"PLAINTEXT", "127.0.0.1", port, "PLAINTEXT"}}, random_incarnation()};
}

class MembershipTest : public testing::EtcdTest {
protected:
    broker_registration::settings settings_for(int32_t id, int32_t port, std::chrono::milliseconds timeout = 2000ms) {
        broker_registration::settings s;
        s.keys = keys_;
        s.self = info_of(id, port);
        s.session_timeout = timeout;
        s.retry_backoff = 100ms;
        return s;
    }

    // Starts a registration and waits for its outcome.
    std::optional<std::string> register_now(broker_registration& r, std::chrono::milliseconds limit = 10s) {
        bool done = false;
        std::optional<std::string> refusal;
        r.start([&](std::optional<std::string> why) {
            refusal = why;
            done = true;
        });
        EXPECT_TRUE(run_until([&] { return done; }, limit));
        return refusal;
    }

    cluster_keys keys_{"/test-cluster/"};
};

TEST(LeaderCandidates, brokers_in_controlled_shutdown_take_no_leadership) {
    broker_directory::brokers live;
    live[0] = broker_info{0, std::nullopt, {}, "a"};
    live[1] = broker_info{1, std::nullopt, {}, "b"};
    live[1].controlled_shutdown = true;
    live[2] = broker_info{2, std::nullopt, {}, "c"};
    EXPECT_EQ(leader_candidates(live), (std::set<int32_t>{0, 2}));
    EXPECT_TRUE(leader_candidates({}).empty());
}

TEST_F(MembershipTest, registration_creates_the_broker_key_under_a_lease) {
    broker_registration reg(io_.get_executor(), client_, settings_for(1, 9092), {});
    EXPECT_EQ(register_now(reg), std::nullopt);
    EXPECT_TRUE(reg.registered());
    auto kv = get("/test-cluster/brokers/1");
    ASSERT_TRUE(kv.has_value());
    EXPECT_EQ(kv->lease, reg.lease());
    auto info = broker_info_from_json(kv->value);
    ASSERT_TRUE(info.has_value());
    EXPECT_EQ(info->endpoints[0].port, 9092);

    // Kept alive well past its TTL.
    run_until([] { return false; }, 3s);
    EXPECT_TRUE(get("/test-cluster/brokers/1").has_value());

    bool stopped = false;
    reg.stop([&] { stopped = true; });
    ASSERT_TRUE(run_until([&] { return stopped; }, 5s));
    EXPECT_FALSE(get("/test-cluster/brokers/1").has_value());
}

TEST_F(MembershipTest, a_live_duplicate_node_id_is_refused_with_a_clear_reason) {
    broker_registration first(io_.get_executor(), client_, settings_for(1, 9092), {});
    ASSERT_EQ(register_now(first), std::nullopt);
    broker_registration second(io_.get_executor(), client_, settings_for(1, 9093), {});
    auto refusal = register_now(second);
    ASSERT_TRUE(refusal.has_value());
    EXPECT_NE(refusal->find("node.id 1 is already registered by a live broker at 127.0.0.1:9092"), std::string::npos)
        << *refusal;
    EXPECT_FALSE(second.registered());
    // The first keeps its registration.
    EXPECT_EQ(get("/test-cluster/brokers/1")->lease, first.lease());
}

TEST_F(MembershipTest, a_crashed_predecessor_at_the_same_endpoints_is_waited_out) {
    auto crashed = std::make_unique<broker_registration>(io_.get_executor(), client_, settings_for(1, 9092), broker_registration::callbacks{});
    ASSERT_EQ(register_now(*crashed), std::nullopt);
    int64_t old_lease = crashed->lease();
    crashed.reset();  // no stop(): its lease lives on until the TTL runs out

    broker_registration restarted(io_.get_executor(), client_, settings_for(1, 9092), {});
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(register_now(restarted, 15s), std::nullopt);
    EXPECT_GE(std::chrono::steady_clock::now() - started, 500ms);  // it did wait
    EXPECT_NE(restarted.lease(), old_lease);
    EXPECT_EQ(get("/test-cluster/brokers/1")->lease, restarted.lease());
}

TEST_F(MembershipTest, a_lost_session_is_reported_and_registered_again) {
    int lost = 0;
    std::vector<int64_t> leases;
    broker_registration reg(io_.get_executor(), client_, settings_for(2, 9094, 1500ms),
                            {[&](int64_t lease) { leases.push_back(lease); }, [&] { ++lost; }});
    ASSERT_EQ(register_now(reg), std::nullopt);
    // The lease disappears behind the broker's back (as after a long etcd outage).
    bool revoked = false;
    client_.lease_revoke(reg.lease(), [&](etcd::result<etcd::header>) { revoked = true; });
    ASSERT_TRUE(run_until([&] { return revoked; }, 5s));
    ASSERT_TRUE(run_until([&] { return lost == 1 && leases.size() == 2 && reg.registered(); }, 10s));
    EXPECT_NE(leases[0], leases[1]);
    EXPECT_EQ(get("/test-cluster/brokers/2")->lease, leases[1]);
}

TEST_F(MembershipTest, directory_follows_brokers_joining_and_leaving) {
    std::vector<size_t> sizes;
    broker_directory dir(io_.get_executor(), client_, keys_, [&](const broker_directory::brokers& b) { sizes.push_back(b.size()); });
    dir.start();
    ASSERT_TRUE(run_until([&] { return dir.loaded(); }, 5s));
    EXPECT_TRUE(dir.live().empty());

    broker_registration a(io_.get_executor(), client_, settings_for(1, 9092), {});
    broker_registration b(io_.get_executor(), client_, settings_for(2, 9093, 1000ms), {});
    ASSERT_EQ(register_now(a), std::nullopt);
    ASSERT_EQ(register_now(b), std::nullopt);
    ASSERT_TRUE(run_until([&] { return dir.live().size() == 2; }, 5s));
    EXPECT_EQ(dir.live().at(2).endpoints[0].port, 9093);

    // Broker 2 stops keeping its lease alive (a kill -9): it leaves when the lease expires.
    bool stopped = false;
    b.stop([&] { stopped = true; });
    ASSERT_TRUE(run_until([&] { return dir.live().size() == 1; }, 5s));
    EXPECT_TRUE(dir.live().contains(1));
    EXPECT_TRUE(stopped);
    dir.stop();
}

TEST_F(MembershipTest, directory_ignores_keys_that_are_not_registrations) {
    bool put_done = false;
    client_.put(etcd::put_op{"/test-cluster/brokers/7", "not json", 0}, [&](auto) { put_done = true; });
    ASSERT_TRUE(run_until([&] { return put_done; }, 5s));
    broker_directory dir(io_.get_executor(), client_, keys_, nullptr);
    dir.start();
    ASSERT_TRUE(run_until([&] { return dir.loaded(); }, 5s));
    EXPECT_TRUE(dir.live().empty());
}

TEST_F(MembershipTest, exactly_one_controller_and_a_successor_when_it_goes) {
    broker_registration r1(io_.get_executor(), client_, settings_for(1, 9092, 1000ms), {});
    broker_registration r2(io_.get_executor(), client_, settings_for(2, 9093, 1000ms), {});
    ASSERT_EQ(register_now(r1), std::nullopt);
    ASSERT_EQ(register_now(r2), std::nullopt);

    std::vector<std::string> events;
    auto callbacks_for = [&](int id) {
        return controller_election::callbacks{
            [&events, id](int64_t) { events.push_back("elected " + std::to_string(id)); },
            [&events, id] { events.push_back("deposed " + std::to_string(id)); }, nullptr};
    };
    controller_election e1(io_.get_executor(), client_, keys_, 1, callbacks_for(1), 100ms);
    controller_election e2(io_.get_executor(), client_, keys_, 2, callbacks_for(2), 100ms);
    e1.campaign(r1.lease());
    ASSERT_TRUE(run_until([&] { return e1.is_controller(); }, 5s));
    e2.campaign(r2.lease());
    ASSERT_TRUE(run_until([&] { return e2.controller() == 1; }, 5s));
    EXPECT_FALSE(e2.is_controller());
    int64_t first_epoch = e1.epoch();

    // Broker 1 dies (its lease is revoked): broker 2 takes over with a later epoch.
    bool stopped = false;
    r1.stop([&] { stopped = true; });
    ASSERT_TRUE(run_until([&] { return e2.is_controller() && !e1.is_controller(); }, 10s));
    EXPECT_GT(e2.epoch(), first_epoch);
    // Broker 1 (its lease gone, its campaigns refused) still learns who leads.
    EXPECT_TRUE(run_until([&] { return e1.controller() == 2; }, 5s));
    EXPECT_EQ(events, (std::vector<std::string>{"elected 1", "deposed 1", "elected 2"}));
}

TEST_F(MembershipTest, a_deposed_controllers_write_is_fenced) {
    broker_registration r1(io_.get_executor(), client_, settings_for(1, 9092, 1000ms), {});
    ASSERT_EQ(register_now(r1), std::nullopt);
    controller_election e1(io_.get_executor(), client_, keys_, 1, {}, 100ms);
    e1.campaign(r1.lease());
    ASSERT_TRUE(run_until([&] { return e1.is_controller(); }, 5s));
    etcd::compare stale_guard = e1.fenced_by();

    // Its lease goes (a zombie paused past its session) and another broker wins.
    bool revoked = false;
    client_.lease_revoke(r1.lease(), [&](auto) { revoked = true; });
    ASSERT_TRUE(run_until([&] { return revoked; }, 5s));
    broker_registration r2(io_.get_executor(), client_, settings_for(2, 9093, 1000ms), {});
    ASSERT_EQ(register_now(r2), std::nullopt);
    controller_election e2(io_.get_executor(), client_, keys_, 2, {}, 100ms);
    e2.campaign(r2.lease());
    ASSERT_TRUE(run_until([&] { return e2.is_controller(); }, 5s));

    etcd::txn_request stale;
    stale.compares.push_back(stale_guard);
    stale.success.push_back(etcd::put_op{"/test-cluster/partitions/t/0", "from the old controller", 0});
    std::optional<bool> succeeded;
    client_.txn(stale, [&](etcd::result<etcd::txn_response> r) { succeeded = r.ok() && r->succeeded; });
    ASSERT_TRUE(run_until([&] { return succeeded.has_value(); }, 5s));
    EXPECT_FALSE(*succeeded);
    EXPECT_FALSE(get("/test-cluster/partitions/t/0").has_value());

    etcd::txn_request fresh;
    fresh.compares.push_back(e2.fenced_by());
    fresh.success.push_back(etcd::put_op{"/test-cluster/partitions/t/0", "from the controller", 0});
    succeeded.reset();
    client_.txn(fresh, [&](etcd::result<etcd::txn_response> r) { succeeded = r.ok() && r->succeeded; });
    ASSERT_TRUE(run_until([&] { return succeeded.has_value(); }, 5s));
    EXPECT_TRUE(*succeeded);
}

TEST_F(MembershipTest, registration_waits_for_etcd_at_startup) {
    etcd_.stop();
    broker_registration reg(io_.get_executor(), client_, settings_for(3, 9095), {});
    bool done = false;
    std::optional<std::string> refusal;
    reg.start([&](std::optional<std::string> why) {
        refusal = why;
        done = true;
    });
    EXPECT_FALSE(run_until([&] { return done; }, 1s));  // still trying
    etcd_.start();
    ASSERT_TRUE(run_until([&] { return done; }, 15s));
    EXPECT_EQ(refusal, std::nullopt);
    EXPECT_TRUE(reg.registered());
}

}  // namespace
}  // namespace sluice::replication
