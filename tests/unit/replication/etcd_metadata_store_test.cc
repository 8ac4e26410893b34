// The etcd-backed metadata store against a real etcd: two stores on one
// prefix stand for two brokers. The cluster id is agreed on; a change made
// through one is read back at once there and reaches the other's watch;
// compare-and-swap refuses a stale read; bad input is an error code;
// producer id blocks never overlap, also when the brokers race for them.
#include "replication/etcd_metadata_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <set>
#include <thread>

#include "unit/replication/etcd_fixture.h"
#include "unit/replication/store_calls.h"

namespace sluice::replication {
namespace {

using namespace std::chrono_literals;
using protocol::error_code;
using protocol::producer_id;

class EtcdMetadataStoreTest : public testing::EtcdTest {
protected:
    // Each store stands for another broker: its own node id and endpoint.
    std::unique_ptr<etcd_metadata_store> open(std::optional<std::string> cluster_id = std::nullopt) {
        etcd_metadata_store::options o;
        o.endpoints = etcd_.endpoint();
        o.prefix = "/test";
        o.node_id = next_node_++;
        o.listeners = {{"PLAINTEXT", "127.0.0.1", 9000 + o.node_id, "PLAINTEXT"}};
        o.startup_timeout = 10s;
        return etcd_metadata_store::open(io_, o, cluster_id);
    }
    testing::store_calls calls(metadata_store& s) { return testing::store_calls(s, io_); }
    int32_t next_node_ = 1;
    static topic_metadata topic(std::string name, int32_t partitions = 1) {
        topic_metadata t;
        t.name = std::move(name);
        t.partition_count = partitions;
        return t;
    }
};

TEST_F(EtcdMetadataStoreTest, the_first_broker_writes_the_cluster_id_and_the_others_read_it) {
    auto a = open();
    auto b = open();
    EXPECT_EQ(a->cluster_id().size(), 22u);
    EXPECT_EQ(b->cluster_id(), a->cluster_id());
    auto stored = get("/test/cluster_id");
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(stored->value, a->cluster_id());
}

TEST_F(EtcdMetadataStoreTest, records_written_by_one_broker_are_read_and_heard_by_the_other) {
    auto a = open();
    auto b = open();
    std::vector<std::string> heard;
    auto sub = b->watch_records(io_.get_executor(), [&](const std::string& kind) { heard.push_back(kind); });
    ASSERT_TRUE(calls(*a).update_records("acl", {{"Topic/LITERAL/t", "1"}, {"x", "2"}}).ok());
    EXPECT_EQ(a->records("acl"), (record_map{{"Topic/LITERAL/t", "1"}, {"x", "2"}}));  // read-your-writes
    ASSERT_TRUE(calls(*a).update_records("acl", {{"x", std::nullopt}}).ok());
    ASSERT_TRUE(run_until([&] { return b->records("acl") == record_map{{"Topic/LITERAL/t", "1"}}; }, 5s));
    ASSERT_TRUE(run_until([&] { return !heard.empty(); }, 5s));
    EXPECT_EQ(heard.front(), "acl");
    EXPECT_EQ(get("/test/records/acl/Topic/LITERAL/t")->value, "1");
    EXPECT_EQ(calls(*a).update_records("a/b", {{"k", "v"}}).code, error_code::invalid_request);
    // A broker opened later lists them.
    EXPECT_EQ(open()->records("acl"), (record_map{{"Topic/LITERAL/t", "1"}}));
}

TEST_F(EtcdMetadataStoreTest, a_configured_cluster_id_that_differs_refuses_to_open) {
    auto a = open(std::string("AAAAAAAAAAAAAAAAAAAAAA"));
    EXPECT_EQ(a->cluster_id(), "AAAAAAAAAAAAAAAAAAAAAA");
    EXPECT_THROW(open(std::string("BBBBBBBBBBBBBBBBBBBBBB")), metadata_error);
}

TEST_F(EtcdMetadataStoreTest, unreachable_etcd_fails_to_open) {
    etcd_metadata_store::options o;
    o.endpoints = "http://127.0.0.1:" + std::to_string(testing::free_port());
    o.startup_timeout = 1500ms;
    EXPECT_THROW(etcd_metadata_store::open(io_, o, std::nullopt), metadata_error);
    o.endpoints = "localhost:2379";  // no scheme
    EXPECT_THROW(etcd_metadata_store::open(io_, o, std::nullopt), metadata_error);
}

TEST_F(EtcdMetadataStoreTest, unreachable_etcd_at_startup_is_retried_at_a_bounded_rate) {
    // An "etcd" that accepts every connection and closes it at once: each
    // attempt to read the cluster id fails, and open() retries until its
    // startup timeout. It used to retry without pausing, thousands of times
    // a second (and a log line each). The listener runs on its own thread:
    // the store's io_context must have nothing else to do, as at startup.
    boost::asio::io_context other;
    boost::asio::ip::tcp::acceptor dropper(other, {boost::asio::ip::make_address("127.0.0.1"), 0});
    std::atomic<int> accepted = 0;
    std::function<void()> accept_one = [&] {
        dropper.async_accept([&](boost::system::error_code ec, boost::asio::ip::tcp::socket s) {
            if (ec) return;
            ++accepted;
            s.close();
            accept_one();
        });
    };
    accept_one();
    std::thread listener([&] { other.run(); });
    etcd_metadata_store::options o;
    o.endpoints = "http://127.0.0.1:" + std::to_string(dropper.local_endpoint().port());
    o.startup_timeout = 2000ms;
    auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(etcd_metadata_store::open(io_, o, std::nullopt), metadata_error);
    other.stop();
    listener.join();
    EXPECT_GE(std::chrono::steady_clock::now() - started, 1900ms) << "gave up before the startup timeout";
    EXPECT_GE(accepted, 2) << "retried";
    EXPECT_LE(accepted, 10) << "retried without pausing";
}

TEST_F(EtcdMetadataStoreTest, a_change_is_read_back_at_once_and_reaches_the_other_watch) {
    auto a = open();
    auto b = open();
    std::vector<std::string> heard;
    auto sub = b->watch(io_.get_executor(), [&](const std::vector<std::string>& names) {
        heard.insert(heard.end(), names.begin(), names.end());
    });
    auto t = topic("orders", 3);
    t.configs = {{"cleanup.policy", "compact"}};
    ASSERT_TRUE(calls(*a).create(t).ok());
    EXPECT_FALSE(t.topic_id.is_zero());
    ASSERT_TRUE(a->get_topic("orders").has_value()) << "read-your-writes";
    EXPECT_EQ(*a->get_topic("orders"), t);
    ASSERT_TRUE(run_until([&] { return b->get_topic("orders").has_value(); }, 5s));
    EXPECT_EQ(*b->get_topic("orders"), t);
    EXPECT_EQ(b->get_topic_by_id(t.topic_id)->name, "orders");
    ASSERT_TRUE(run_until([&] { return !heard.empty(); }, 5s));
    EXPECT_EQ(heard.front(), "orders");

    ASSERT_TRUE(calls(*b).set_partition_count("orders", 5).ok());
    EXPECT_EQ(b->get_topic("orders")->partition_count, 5);
    ASSERT_TRUE(run_until([&] { return a->get_topic("orders")->partition_count == 5; }, 5s));

    heard.clear();
    ASSERT_TRUE(calls(*a).remove("orders").ok());
    EXPECT_FALSE(a->get_topic("orders").has_value());
    ASSERT_TRUE(run_until([&] { return !b->get_topic("orders").has_value(); }, 5s));
    ASSERT_TRUE(run_until([&] { return !heard.empty(); }, 5s));
    EXPECT_EQ(b->list_topics().size(), 0u);
}

TEST_F(EtcdMetadataStoreTest, refusals_are_kafka_error_codes) {
    auto a = open();
    auto t = topic("t");
    ASSERT_TRUE(calls(*a).create(t).ok());
    auto again = topic("t");
    EXPECT_EQ(calls(*a).create(again).code, error_code::topic_already_exists);
    auto collide = topic("t_");
    ASSERT_TRUE(calls(*a).create(collide).ok());
    auto collide2 = topic("t.");
    EXPECT_EQ(calls(*a).create(collide2).code, error_code::invalid_topic_exception);
    auto bad = topic("a/b");
    EXPECT_EQ(calls(*a).create(bad).code, error_code::invalid_topic_exception);
    auto zero = topic("z", 0);
    EXPECT_EQ(calls(*a).create(zero).code, error_code::invalid_partitions);
    EXPECT_EQ(calls(*a).set_partition_count("t", 1).code, error_code::invalid_partitions);
    EXPECT_EQ(calls(*a).set_partition_count("x", 9).code, error_code::unknown_topic_or_partition);
    EXPECT_EQ(calls(*a).remove("x").code, error_code::unknown_topic_or_partition);
    EXPECT_EQ(calls(*a).set_configs("x", {}).code, error_code::unknown_topic_or_partition);
}

TEST_F(EtcdMetadataStoreTest, config_compare_and_swap_refuses_a_stale_read) {
    auto a = open();
    auto b = open();
    auto t = topic("t");
    ASSERT_TRUE(calls(*a).create(t).ok());
    ASSERT_TRUE(run_until([&] { return b->get_topic("t").has_value(); }, 5s));
    ASSERT_TRUE(calls(*a).set_configs("t", {{"retention.ms", "1"}}, topic_configs{}).ok());
    // b's writer read the empty overrides before a's change.
    EXPECT_EQ(calls(*b).set_configs("t", {{"retention.ms", "2"}}, topic_configs{}).code, conflict_code);
    ASSERT_TRUE(run_until([&] { return !b->get_topic("t")->configs.empty(); }, 5s));
    EXPECT_TRUE(calls(*b).set_configs("t", {{"retention.ms", "2"}}, topic_configs{{"retention.ms", "1"}}).ok());
    EXPECT_EQ(b->get_topic("t")->configs, (topic_configs{{"retention.ms", "2"}}));
}

TEST_F(EtcdMetadataStoreTest, producer_id_blocks_of_two_brokers_follow_each_other) {
    auto a = open();
    auto b = open();
    std::vector<producer_id_block> got(4);
    ASSERT_TRUE(calls(*a).allocate_producer_ids(got[0]).ok());
    ASSERT_TRUE(calls(*b).allocate_producer_ids(got[1]).ok());
    ASSERT_TRUE(calls(*b).allocate_producer_ids(got[2]).ok());
    ASSERT_TRUE(calls(*a).allocate_producer_ids(got[3]).ok());  // a's last read is stale: one lost race
    for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i], (producer_id_block{producer_id(1000 * static_cast<int64_t>(i)), 1000})) << i;
    }
    auto stored = get("/test/producer_ids");
    ASSERT_TRUE(stored.has_value());
    EXPECT_EQ(producer_ids_from_value(stored->value), producer_id(4000));
    // A broker restarted (a new store) carries on from the counter.
    auto c = open();
    producer_id_block next;
    ASSERT_TRUE(calls(*c).allocate_producer_ids(next).ok());
    EXPECT_EQ(next.first, producer_id(4000));
}

TEST_F(EtcdMetadataStoreTest, racing_brokers_never_get_overlapping_producer_id_blocks) {
    auto a = open();
    auto b = open();
    constexpr int per_store = 8;
    std::vector<std::pair<op_result, producer_id_block>> answers;
    // All in flight at once, from both stores (two etcd clients).
    for (int i = 0; i < per_store; ++i) {
        for (auto* s : {a.get(), b.get()}) {
            s->allocate_producer_ids(io_.get_executor(), [&](op_result r, producer_id_block block) {
                answers.emplace_back(std::move(r), block);
            });
        }
    }
    ASSERT_TRUE(run_until([&] { return answers.size() == 2 * per_store; }, 20s));
    std::set<int64_t> firsts;
    for (const auto& [r, block] : answers) {
        ASSERT_TRUE(r.ok()) << r.message;
        EXPECT_EQ(block.size, 1000);
        EXPECT_EQ(block.first.value() % 1000, 0);
        firsts.insert(block.first.value());
    }
    // Distinct starts of equal-sized aligned blocks: no overlap, no gap.
    ASSERT_EQ(firsts.size(), 2u * per_store);
    EXPECT_EQ(*firsts.begin(), 0);
    EXPECT_EQ(*firsts.rbegin(), 1000 * (2 * per_store - 1));
}

TEST_F(EtcdMetadataStoreTest, an_unreadable_producer_id_counter_is_an_error_and_left_alone) {
    auto a = open();
    ASSERT_TRUE(await<etcd::result<etcd::header>>(
        [&](auto cb) { client_.put(etcd::put_op{"/test/producer_ids", "{\"next\":", 0}, cb); }));
    producer_id_block block;
    EXPECT_EQ(calls(*a).allocate_producer_ids(block).code, error_code::unknown_server_error);
    EXPECT_EQ(get("/test/producer_ids")->value, "{\"next\":");
}

TEST_F(EtcdMetadataStoreTest, unreachable_etcd_answers_an_error_for_producer_ids) {
    auto a = open();
    etcd_.stop();
    producer_id_block block;
    auto r = calls(*a).allocate_producer_ids(block);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.code, error_code::request_timed_out);
}

TEST(ProducerIdsValueTest, round_trip_and_refusals) {
    EXPECT_EQ(producer_ids_from_value(producer_ids_value(producer_id(123000))), producer_id(123000));
    EXPECT_EQ(producer_ids_from_value(R"({"next_producer_id":0})"), producer_id(0));
    EXPECT_EQ(producer_ids_from_value(R"({"next_producer_id":-1})"), std::nullopt);
    EXPECT_EQ(producer_ids_from_value(R"({"next_producer_id":"5"})"), std::nullopt);
    EXPECT_EQ(producer_ids_from_value(R"({})"), std::nullopt);
    EXPECT_EQ(producer_ids_from_value("7"), std::nullopt);
    EXPECT_EQ(producer_ids_from_value(""), std::nullopt);
}

}  // namespace
}  // namespace sluice::replication
