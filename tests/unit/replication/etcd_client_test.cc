// The etcd client against a real etcd: reads and writes, compare-and-swap
// transactions, leases that expire, watches, endpoint failover, and etcd
// going away.
#include "replication/etcd/etcd_client.h"

#include <gtest/gtest.h>

#include <optional>

#include "replication/etcd/etcd_watch.h"
#include "unit/replication/etcd_fixture.h"

namespace sluice::replication::etcd {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

class EtcdClientTest : public testing::EtcdTest {
protected:
    template <typename T, typename Start>
    result<T> call(Start start) {
        auto out = await<result<T>>(start);
        if (!out) return error{error::kind::timeout, 0, "test: no callback"};
        return std::move(*out);
    }

    result<range_response> get(const std::string& key, const std::string& end = "") {
        return call<range_response>([&](auto cb) { client_.range(key, end, cb); });
    }
    result<header> put(const std::string& key, const std::string& value, int64_t lease = 0) {
        return call<header>([&](auto cb) { client_.put(put_op{key, value, lease}, cb); });
    }
    result<txn_response> txn(const txn_request& t) {
        return call<txn_response>([&](auto cb) { client_.txn(t, cb); });
    }

    void run_for(std::chrono::milliseconds d) {
        io_.restart();
        io_.run_for(d);
    }
};

TEST_F(EtcdClientTest, put_then_range_by_key_and_prefix) {
    ASSERT_TRUE(put("/s/brokers/1", "one").ok());
    ASSERT_TRUE(put("/s/brokers/2", "two").ok());
    ASSERT_TRUE(put("/s/topics/t", "topic").ok());
    std::string binary("\0\xff\x01", 3);
    ASSERT_TRUE(put("/s/bin", binary).ok());

    auto one = get("/s/brokers/1");
    ASSERT_TRUE(one.ok()) << one.err().message;
    ASSERT_EQ(one->kvs.size(), 1u);
    EXPECT_EQ(one->kvs[0].value, "one");
    EXPECT_EQ(one->kvs[0].version, 1);
    EXPECT_GT(one->kvs[0].mod_revision, 0);

    auto brokers = get("/s/brokers/", prefix_end("/s/brokers/"));
    ASSERT_TRUE(brokers.ok());
    ASSERT_EQ(brokers->kvs.size(), 2u);
    EXPECT_EQ(brokers->kvs[1].value, "two");
    EXPECT_EQ(get("/s/bin")->kvs[0].value, binary);
    EXPECT_TRUE(get("/s/missing")->kvs.empty());
}

TEST_F(EtcdClientTest, compare_and_swap_refuses_a_stale_revision) {
    auto first = put("/s/partition", "epoch 1");
    ASSERT_TRUE(first.ok());
    int64_t seen = get("/s/partition")->kvs[0].mod_revision;

    txn_request swap;
    swap.compares.push_back(compare::mod_revision_is("/s/partition", seen));
    swap.success.push_back(put_op{"/s/partition", "epoch 2", 0});
    swap.failure.push_back(range_op{"/s/partition", ""});
    auto won = txn(swap);
    ASSERT_TRUE(won.ok()) << won.err().message;
    EXPECT_TRUE(won->succeeded);

    // A second writer with the same (now stale) revision loses and sees the winner's value.
    swap.success = {put_op{"/s/partition", "stale epoch 2", 0}};
    auto lost = txn(swap);
    ASSERT_TRUE(lost.ok());
    EXPECT_FALSE(lost->succeeded);
    ASSERT_EQ(lost->results.size(), 1u);
    ASSERT_EQ(lost->results[0].size(), 1u);
    EXPECT_EQ(lost->results[0][0].value, "epoch 2");
    EXPECT_EQ(get("/s/partition")->kvs[0].value, "epoch 2");
}

TEST_F(EtcdClientTest, create_only_if_absent) {
    txn_request create;
    create.compares.push_back(compare::absent("/s/controller"));
    create.success.push_back(put_op{"/s/controller", "1", 0});
    EXPECT_TRUE(txn(create)->succeeded);
    create.success = {put_op{"/s/controller", "2", 0}};
    EXPECT_FALSE(txn(create)->succeeded);
    EXPECT_EQ(get("/s/controller")->kvs[0].value, "1");
}

TEST_F(EtcdClientTest, a_key_under_a_lease_goes_when_the_lease_expires) {
    auto lease = call<lease_grant_response>([&](auto cb) { client_.lease_grant(1, cb); });
    ASSERT_TRUE(lease.ok()) << lease.err().message;
    ASSERT_TRUE(put("/s/alive/1", "up", lease->id).ok());
    auto ttl = call<int64_t>([&](auto cb) { client_.lease_keepalive(lease->id, cb); });
    ASSERT_TRUE(ttl.ok());
    EXPECT_GE(ttl.value(), 1);
    EXPECT_EQ(get("/s/alive/1")->kvs[0].lease, lease->id);

    // No more keepalives: etcd drops the key within a few seconds.
    bool gone = false;
    for (int i = 0; i < 60 && !gone; ++i) {
        std::this_thread::sleep_for(100ms);
        gone = get("/s/alive/1")->kvs.empty();
    }
    EXPECT_TRUE(gone);
    auto late = call<int64_t>([&](auto cb) { client_.lease_keepalive(lease->id, cb); });
    ASSERT_TRUE(late.ok());
    EXPECT_EQ(late.value(), 0);
}

TEST_F(EtcdClientTest, revoke_removes_the_keys_now) {
    auto lease = call<lease_grant_response>([&](auto cb) { client_.lease_grant(60, cb); });
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE(put("/s/alive/2", "up", lease->id).ok());
    ASSERT_TRUE(call<header>([&](auto cb) { client_.lease_revoke(lease->id, cb); }).ok());
    EXPECT_TRUE(get("/s/alive/2")->kvs.empty());
}

TEST_F(EtcdClientTest, put_under_an_unknown_lease_is_a_server_error) {
    auto r = put("/s/x", "v", 123456789);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.err().what, error::kind::server);
    EXPECT_EQ(r.err().grpc_code, 5);  // NotFound
    EXPECT_NE(r.err().message.find("lease not found"), std::string::npos) << r.err().message;
    EXPECT_TRUE(get("/s/x")->kvs.empty());
}

TEST_F(EtcdClientTest, watch_sees_history_then_live_changes_until_cancelled) {
    ASSERT_TRUE(put("/w/a", "1").ok());
    int64_t from = get("/w/a")->kvs[0].mod_revision;

    std::vector<watch_event> seen;
    bool created = false;
    std::optional<error> ended;
    auto w = client_.watch(
        "/w/", prefix_end("/w/"), from,
        [&](const watch_response& m) {
            created = created || m.created;
            for (const auto& e : m.events) seen.push_back(e);
        },
        [&](const error& e) { ended = e; });
    run_for(500ms);
    EXPECT_TRUE(created);
    ASSERT_EQ(seen.size(), 1u);  // the put before the watch, replayed from its revision
    EXPECT_EQ(seen[0].kv.value, "1");

    ASSERT_TRUE(put("/w/b", "2").ok());
    ASSERT_TRUE(call<header>([&](auto cb) { client_.remove(delete_op{"/w/a", ""}, cb); }).ok());
    ASSERT_TRUE(put("/other", "not watched").ok());
    for (int i = 0; i < 20 && seen.size() < 3; ++i) run_for(100ms);
    ASSERT_EQ(seen.size(), 3u);
    EXPECT_EQ(seen[1].what, watch_event::kind::put);
    EXPECT_EQ(seen[1].kv.key, "/w/b");
    EXPECT_EQ(seen[2].what, watch_event::kind::remove);
    EXPECT_EQ(seen[2].kv.key, "/w/a");

    w->cancel();
    ASSERT_TRUE(put("/w/c", "3").ok());
    run_for(300ms);
    EXPECT_EQ(seen.size(), 3u);
    EXPECT_FALSE(ended.has_value());  // cancel() is not an end
}

TEST_F(EtcdClientTest, watch_ends_when_etcd_dies) {
    std::optional<error> ended;
    auto w = client_.watch("/w/", prefix_end("/w/"), 0, [](const watch_response&) {}, [&](const error& e) { ended = e; });
    run_for(300ms);
    EXPECT_FALSE(ended.has_value());
    etcd_.stop();
    for (int i = 0; i < 50 && !ended; ++i) run_for(100ms);
    ASSERT_TRUE(ended.has_value());
    EXPECT_EQ(ended->what, error::kind::unavailable);
}

TEST_F(EtcdClientTest, a_dead_endpoint_is_skipped) {
    int dead = testing::free_port();
    client both(io_.get_executor(),
                {parse_endpoints("http://127.0.0.1:" + std::to_string(dead) + "," + etcd_.endpoint()), 2000ms});
    auto r = call<header>([&](auto cb) { both.put(put_op{"/s/f", "v", 0}, cb); });
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_EQ(get("/s/f")->kvs[0].value, "v");
}

TEST_F(EtcdClientTest, no_endpoint_answering_is_unavailable_not_a_hang) {
    etcd_.stop();
    auto r = get("/s/anything");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.err().what, error::kind::unavailable);
}

TEST(EtcdEndpoints, parses_lists_and_refuses_the_rest) {
    auto e = parse_endpoints("http://127.0.0.1:2379, http://etcd.example:22379/");
    ASSERT_EQ(e.size(), 2u);
    EXPECT_EQ(e[0].host, "127.0.0.1");
    EXPECT_EQ(e[0].port, "2379");
    EXPECT_EQ(e[1].host, "etcd.example");
    EXPECT_EQ(e[1].port, "22379");
    EXPECT_THROW(parse_endpoints(""), std::invalid_argument);
    EXPECT_THROW(parse_endpoints("https://127.0.0.1:2379"), std::invalid_argument);
    EXPECT_THROW(parse_endpoints("http://127.0.0.1"), std::invalid_argument);
    EXPECT_THROW(parse_endpoints("http://127.0.0.1:23x9"), std::invalid_argument);
}

}  // namespace
}  // namespace sluice::replication::etcd
