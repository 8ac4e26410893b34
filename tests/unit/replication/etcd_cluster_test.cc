// Three etcd metadata stores (nodes 0, 1, 2) on one etcd stand for a
// three-broker cluster: membership and one controller, replica placement
// over the live brokers, a new leader from the ISR when the leader's broker
// dies, AlterPartition's guards, a duplicate node.id refused, and a clean
// stop leaving at once.
#include <gtest/gtest.h>

#include <set>

#include "replication/etcd_metadata_store.h"
#include "unit/replication/etcd_fixture.h"
#include "unit/replication/store_calls.h"

namespace sluice::replication {
namespace {

using namespace std::chrono_literals;
using protocol::error_code;
using protocol::leader_epoch;
using protocol::node_id;

class EtcdClusterTest : public testing::EtcdTest {
protected:
    std::unique_ptr<etcd_metadata_store> open(int32_t node, int32_t port = 0) {
        etcd_metadata_store::options o;
        o.endpoints = etcd_.endpoint();
        o.prefix = "/cluster";
        o.node_id = node;
        o.listeners = {{"PLAINTEXT", "127.0.0.1", port != 0 ? port : 9100 + node, "PLAINTEXT"}};
        // Short, so a "killed" broker's session runs out quickly (etcd's floor is about 2 s).
        o.session_timeout = 2s;
        o.startup_timeout = 10s;
        return etcd_metadata_store::open(io_, o, std::nullopt);
    }
    void open_three() {
        for (int32_t n = 0; n < 3; ++n) stores_[n] = open(n);
        ASSERT_TRUE(run_until(
            [&] {
                for (const auto& [n, s] : stores_) {
                    if (s->live_brokers().size() != 3 || !s->controller_id()) return false;
                }
                return true;
            },
            10s));
    }
    etcd_metadata_store& store(int32_t node) { return *stores_.at(node); }
    testing::store_calls calls(metadata_store& s) { return testing::store_calls(s, io_); }
    static topic_metadata topic(std::string name, int32_t partitions, int16_t rf) {
        topic_metadata t;
        t.name = std::move(name);
        t.partition_count = partitions;
        t.replication_factor = rf;
        return t;
    }
    std::pair<op_result, partition_registration> alter_isr(metadata_store& s, const std::string& t, int32_t leader,
                                                           int32_t le, int32_t pe, std::vector<int32_t> isr) {
        std::optional<std::pair<op_result, partition_registration>> out;
        s.alter_isr(t, 0, node_id(leader), leader_epoch(le), pe, std::move(isr), io_.get_executor(),
                    [&](op_result r, partition_registration state) { out.emplace(std::move(r), std::move(state)); });
        run_until([&] { return out.has_value(); }, 10s);
        if (!out) return {{error_code::request_timed_out, "no answer"}, {}};
        return *out;
    }

    std::map<int32_t, std::unique_ptr<etcd_metadata_store>> stores_;
};

TEST_F(EtcdClusterTest, every_broker_sees_three_live_brokers_and_the_same_controller) {
    open_three();
    auto controller = store(0).controller_id();
    int controllers = 0;
    for (const auto& [n, s] : stores_) {
        EXPECT_EQ(s->controller_id(), controller);
        controllers += s->is_controller() ? 1 : 0;
        auto live = s->live_brokers();
        ASSERT_EQ(live.size(), 3u);
        for (int32_t i = 0; i < 3; ++i) {
            EXPECT_EQ(live[static_cast<size_t>(i)].id, node_id(i));
            EXPECT_EQ(live[static_cast<size_t>(i)].host, "127.0.0.1");
            EXPECT_EQ(live[static_cast<size_t>(i)].port, 9100 + i);
        }
    }
    EXPECT_EQ(controllers, 1);
}

TEST_F(EtcdClusterTest, replicas_are_placed_over_the_live_brokers) {
    open_three();
    auto t = topic("placed", 3, 3);
    ASSERT_TRUE(calls(store(0)).create(t).ok());
    auto states = store(0).partition_states("placed");
    ASSERT_EQ(states.size(), 3u);
    std::set<int32_t> leaders;
    for (const auto& p : states) {
        ASSERT_EQ(p.replicas.size(), 3u);
        EXPECT_EQ(std::set<int32_t>(p.replicas.begin(), p.replicas.end()), (std::set<int32_t>{0, 1, 2}));
        EXPECT_EQ(p.isr, p.replicas);
        EXPECT_EQ(p.leader, p.replicas.front());
        EXPECT_EQ(p.leader_epoch, 0);
        EXPECT_EQ(p.partition_epoch, 0);
        leaders.insert(p.leader);
    }
    EXPECT_EQ(leaders.size(), 3u) << "leaders spread over the brokers";
    ASSERT_TRUE(run_until([&] { return store(2).partition_states("placed") == states; }, 5s));
    ASSERT_TRUE(run_until([&] { return store(1).partition_state("placed", 1) == states[1]; }, 5s));

    auto too_many = topic("too-many", 1, 4);
    EXPECT_EQ(calls(store(1)).create(too_many).code, error_code::invalid_replication_factor);

    ASSERT_TRUE(calls(store(1)).set_partition_count("placed", 5).ok());
    auto grown = store(1).partition_states("placed");
    ASSERT_EQ(grown.size(), 5u);
    EXPECT_EQ(grown[4].replicas.size(), 3u);
}

TEST_F(EtcdClusterTest, explicit_assignments_are_kept_and_checked) {
    open_three();
    auto t = topic("assigned", 2, 2);
    std::optional<op_result> out;
    store(0).create_topic(t, {{0, {2, 1}}, {1, {0, 2}}}, io_.get_executor(),
                          [&](op_result r, topic_metadata) { out = std::move(r); });
    ASSERT_TRUE(run_until([&] { return out.has_value(); }, 10s));
    ASSERT_TRUE(out->ok()) << out->message;
    EXPECT_EQ(store(0).partition_state("assigned", 0)->replicas, (std::vector<int32_t>{2, 1}));
    EXPECT_EQ(store(0).partition_state("assigned", 0)->leader, 2);
    EXPECT_EQ(store(0).partition_state("assigned", 1)->leader, 0);

    out.reset();
    store(0).create_topic(topic("unknown-broker", 1, 2), {{0, {2, 7}}}, io_.get_executor(),
                          [&](op_result r, topic_metadata) { out = std::move(r); });
    ASSERT_TRUE(run_until([&] { return out.has_value(); }, 10s));
    EXPECT_EQ(out->code, error_code::invalid_replica_assignment);
}

TEST_F(EtcdClusterTest, a_dead_leader_is_replaced_from_the_isr_with_a_new_leader_epoch) {
    open_three();
    auto t = topic("failover", 1, 3);
    ASSERT_TRUE(calls(store(0)).create(t).ok());
    int32_t dead = store(0).partition_state("failover", 0)->leader;
    int32_t survivor = (dead + 1) % 3;
    ASSERT_TRUE(run_until([&] { return store(survivor).partition_state("failover", 0).has_value(); }, 5s));
    std::vector<std::string> heard;
    auto sub = store(survivor).watch(io_.get_executor(), [&](const std::vector<std::string>& names) {
        heard.insert(heard.end(), names.begin(), names.end());
    });
    bool membership_changed = false;
    auto members = store(survivor).watch_cluster(io_.get_executor(), [&] { membership_changed = true; });

    // A crash: no revoke, the session runs out in etcd.
    stores_.erase(dead);
    ASSERT_TRUE(run_until(
        [&] {
            auto p = store(survivor).partition_state("failover", 0);
            return p && p->leader != dead && p->leader != no_leader;
        },
        20s));
    auto p = *store(survivor).partition_state("failover", 0);
    EXPECT_EQ(p.leader_epoch, 1);
    EXPECT_TRUE(p.in_isr(p.leader));
    EXPECT_FALSE(p.in_isr(dead));
    EXPECT_GE(p.partition_epoch, 1);
    // Notifications are posted, so they may run just after the mirror changed.
    EXPECT_TRUE(run_until([&] { return std::find(heard.begin(), heard.end(), "failover") != heard.end(); }, 5s));
    EXPECT_TRUE(run_until([&] { return membership_changed; }, 5s));
    EXPECT_EQ(store(survivor).live_brokers().size(), 2u);
    ASSERT_TRUE(run_until([&] { return store(survivor).controller_id().has_value(); }, 10s));
    EXPECT_NE(store(survivor).controller_id(), node_id(dead));
}

TEST_F(EtcdClusterTest, alter_isr_from_the_leader_at_current_epochs_only) {
    open_three();
    auto t = topic("isr", 1, 3);
    ASSERT_TRUE(calls(store(0)).create(t).ok());
    auto p = *store(0).partition_state("isr", 0);
    int32_t leader = p.leader;
    int32_t follower = p.replicas[1];
    metadata_store& own = store(leader);
    ASSERT_TRUE(run_until([&] { return own.partition_state("isr", 0).has_value(); }, 5s));

    auto [ok, next] = alter_isr(own, "isr", leader, 0, 0, {leader, follower});
    ASSERT_TRUE(ok.ok()) << ok.message;
    EXPECT_EQ(next.isr, (std::vector<int32_t>{leader, follower}));
    EXPECT_EQ(next.partition_epoch, 1);
    EXPECT_EQ(next.leader_epoch, 0);
    EXPECT_EQ(own.partition_state("isr", 0), next) << "read-your-writes";

    EXPECT_EQ(alter_isr(own, "isr", leader, 0, 0, {leader}).first.code, error_code::invalid_update_version);
    EXPECT_EQ(alter_isr(own, "isr", leader, 3, 1, {leader}).first.code, error_code::fenced_leader_epoch);
    EXPECT_EQ(alter_isr(own, "isr", follower, 0, 1, {follower}).first.code, error_code::not_leader_or_follower);
    EXPECT_EQ(alter_isr(own, "isr", leader, 0, 1, {follower}).first.code, error_code::invalid_request);
    EXPECT_EQ(alter_isr(own, "isr", leader, 0, 1, {leader, 42}).first.code, error_code::invalid_request);
    EXPECT_EQ(alter_isr(own, "nope", leader, 0, 1, {leader}).first.code, error_code::unknown_topic_or_partition);
}

TEST_F(EtcdClusterTest, a_live_duplicate_node_id_is_refused) {
    auto first = open(0);
    try {
        open(0, 9999);
        FAIL() << "a second live node 0 opened";
    } catch (const metadata_error& e) {
        EXPECT_NE(std::string(e.what()).find("already registered"), std::string::npos) << e.what();
    }
}

TEST_F(EtcdClusterTest, a_clean_stop_leaves_at_once) {
    open_three();
    bool stopped = false;
    store(1).stop([&] { stopped = true; });
    ASSERT_TRUE(run_until([&] { return stopped; }, 5s));
    // Well before the 2 s session could have run out.
    EXPECT_TRUE(run_until([&] { return store(0).live_brokers().size() == 2; }, 1500ms));
    stores_.erase(1);
    auto again = open(1);  // same endpoints: would wait out the old session if it were still there
    EXPECT_TRUE(run_until([&] { return store(0).live_brokers().size() == 3; }, 5s));
}

}  // namespace
}  // namespace sluice::replication
