// The topic registry when a partition's log cannot be created: the request
// gets KAFKA_STORAGE_ERROR and neither the store nor the logs keep half a topic.
#include "broker/topics/topic_registry.h"
#include "unit/broker/forwarding_store.h"
#include "unit/broker/registry_calls.h"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "replication/local_metadata_store.h"
#include "unit/temp_dir.h"

namespace sluice::broker {
namespace {

namespace fs = std::filesystem;
using protocol::error_code;

class TopicRegistryTest : public ::testing::Test {
protected:
    TopicRegistryTest()
        : store_(replication::local_metadata_store::open(dir_.path() / "meta", std::nullopt)),
          logs_({dir_.path() / "logs"}),
          registry_(config_, *store_, logs_, io_.get_executor()) {
        fs::create_directories(dir_.path() / "logs");
    }

    // A regular file where partition `p`'s directory would go makes that
    // one log fail to open, the way EMFILE or a full disk would.
    void block_partition_dir(const std::string& topic, int32_t p) {
        std::ofstream(dir_.path() / "logs" / (topic + "-" + std::to_string(p))) << "in the way";
    }

    sluice::testing::temp_dir dir_{"sluice-topics"};
    broker_config config_;
    boost::asio::io_context io_;
    std::unique_ptr<replication::local_metadata_store> store_;
    log::log_manager logs_;
    topic_registry registry_;
};

TEST_F(TopicRegistryTest, create_reports_storage_error_and_leaves_nothing_behind) {
    block_partition_dir("t", 2);
    auto r = testing::create_now(registry_, "t", 4, 1, {}, false);
    EXPECT_EQ(r.code, error_code::kafka_storage_error);
    EXPECT_NE(r.message.find("t-2"), std::string::npos) << r.message;
    EXPECT_EQ(registry_.find("t"), nullptr);
    EXPECT_TRUE(store_->list_topics().empty());
    EXPECT_EQ(logs_.get(log::topic_partition{"t", 0}), nullptr);
    EXPECT_EQ(logs_.get(log::topic_partition{"t", 1}), nullptr);

    fs::remove(dir_.path() / "logs" / "t-2");
    ASSERT_TRUE(testing::create_now(registry_, "t", 4, 1, {}, false).ok());
    for (int32_t p = 0; p < 4; ++p) EXPECT_NE(registry_.find("t", p)->log, nullptr);
}

TEST_F(TopicRegistryTest, add_partitions_failure_keeps_old_count) {
    ASSERT_TRUE(testing::create_now(registry_, "t", 2, 1, {}, false).ok());
    block_partition_dir("t", 3);
    auto r = testing::add_partitions_now(registry_, "t", 5, false);
    EXPECT_EQ(r.code, error_code::kafka_storage_error);
    EXPECT_EQ(registry_.find("t")->partitions.size(), 2u);
    EXPECT_EQ(registry_.find("t")->meta.partition_count, 2);
    EXPECT_EQ(store_->list_topics().at(0).partition_count, 2);
    EXPECT_EQ(registry_.find("t", 2), nullptr);
    EXPECT_EQ(logs_.get(log::topic_partition{"t", 2}), nullptr);
}

TEST_F(TopicRegistryTest, topic_ids_are_found_while_the_topic_exists) {
    ASSERT_TRUE(testing::create_now(registry_, "a", 1, 1, {}, false).ok());
    ASSERT_TRUE(testing::create_now(registry_, "b", 2, 1, {}, false).ok());
    protocol::uuid a = registry_.find("a")->meta.topic_id;
    protocol::uuid b = registry_.find("b")->meta.topic_id;
    EXPECT_EQ(registry_.find(a), registry_.find("a"));
    EXPECT_EQ(registry_.find(b), registry_.find("b"));
    EXPECT_EQ(registry_.find(protocol::uuid{}), nullptr);

    ASSERT_TRUE(testing::remove_now(registry_, "a").ok());
    EXPECT_EQ(registry_.find(a), nullptr);
    EXPECT_EQ(registry_.find(b), registry_.find("b"));
    // Re-created under the same name: a new id; the old one stays unknown.
    ASSERT_TRUE(testing::create_now(registry_, "a", 1, 1, {}, false).ok());
    protocol::uuid again = registry_.find("a")->meta.topic_id;
    EXPECT_NE(again, a);
    EXPECT_EQ(registry_.find(again), registry_.find("a"));
    EXPECT_EQ(registry_.find(a), nullptr);
}

TEST_F(TopicRegistryTest, topic_ids_are_found_after_a_restart) {
    ASSERT_TRUE(testing::create_now(registry_, "a", 1, 1, {}, false).ok());
    protocol::uuid a = registry_.find("a")->meta.topic_id;
    log::log_manager logs({dir_.path() / "logs"});
    logs.load([](const std::string&) { return log::log_config{}; });
    topic_registry reopened(config_, *store_, logs, io_.get_executor());
    reopened.load();
    ASSERT_NE(reopened.find(a), nullptr);
    EXPECT_EQ(reopened.find(a)->meta.name, "a");
}

TEST_F(TopicRegistryTest, deleting_a_topic_wakes_its_fetches_with_the_topic_gone) {
    // A woken fetch re-reads every partition it waits on. It must find the
    // topic gone: finding it with some partitions' logs already removed
    // would read freed logs.
    ASSERT_TRUE(testing::create_now(registry_, "t", 3, 1, {}, false).ok());
    struct parked {
        topic_registry* registry = nullptr;
        int wakes = 0;
        int saw_topic = 0;
        fetch_waiter nodes[3];
    } fetch;
    fetch.registry = &registry_;
    for (auto& node : fetch.nodes) {
        node.set_wake(
            [](void* c) {
                auto* f = static_cast<parked*>(c);
                ++f->wakes;
                for (int32_t p = 0; p < 3; ++p) f->saw_topic += f->registry->find("t", p) != nullptr;
                for (auto& n : f->nodes) n.unlink();  // as a fetch disarms
            },
            &fetch);
    }
    for (int32_t p = 0; p < 3; ++p) registry_.find("t", p)->waiters.add(fetch.nodes[p]);
    ASSERT_TRUE(testing::remove_now(registry_, "t").ok());
    EXPECT_EQ(fetch.wakes, 1);
    EXPECT_EQ(fetch.saw_topic, 0);
}

// A second registry over the same store stands for another broker sharing
// it (the etcd store in a cluster): it applies what the first one changes,
// as the store's watch tells it.
class SharedStoreTest : public TopicRegistryTest {
protected:
    SharedStoreTest() : other_logs_({dir_.path() / "other"}), other_(config_, *store_, other_logs_, io_.get_executor()) {
        fs::create_directories(dir_.path() / "other");
        registry_.load();
        other_.load();
        other_.on_drop([this](const topic_state& t) { dropped_.push_back(t.meta.name); });
    }
    void deliver() {
        io_.restart();
        io_.poll();
    }

    log::log_manager other_logs_;
    topic_registry other_;
    std::vector<std::string> dropped_;
};

TEST_F(SharedStoreTest, a_topic_created_elsewhere_gets_its_logs_here) {
    ASSERT_TRUE(testing::create_now(registry_, "t", 2, 1, {{"retention.ms", "1000"}}, false).ok());
    log::partition_log* own = registry_.find("t", 0)->log;
    EXPECT_EQ(other_.find("t"), nullptr) << "watch notifications are posted";
    deliver();
    topic_state* seen = other_.find("t");
    ASSERT_NE(seen, nullptr);
    EXPECT_EQ(seen->meta.topic_id, registry_.find("t")->meta.topic_id);
    EXPECT_EQ(other_.find(seen->meta.topic_id), seen);
    EXPECT_EQ(seen->partitions.size(), 2u);
    EXPECT_EQ(seen->settings.storage.retention_ms, 1000);
    EXPECT_NE(other_logs_.get(log::topic_partition{"t", 1}), nullptr);
    EXPECT_TRUE(fs::is_directory(dir_.path() / "other" / "t-1"));
    // Its own change, heard back, changes nothing.
    EXPECT_EQ(registry_.find("t", 0)->log, own);
    EXPECT_EQ(registry_.find("t")->partitions.size(), 2u);
}

TEST_F(SharedStoreTest, growth_and_configs_made_elsewhere_are_applied) {
    ASSERT_TRUE(testing::create_now(registry_, "t", 1, 1, {}, false).ok());
    deliver();
    ASSERT_TRUE(testing::add_partitions_now(registry_, "t", 3, false).ok());
    ASSERT_TRUE(testing::set_configs_now(registry_, "t", {{"retention.ms", "77"}}, false).ok());
    deliver();
    topic_state* seen = other_.find("t");
    ASSERT_NE(seen, nullptr);
    EXPECT_EQ(seen->partitions.size(), 3u);
    EXPECT_EQ(seen->meta.partition_count, 3);
    EXPECT_EQ(seen->meta.configs, (topic_config{{"retention.ms", "77"}}));
    EXPECT_EQ(seen->settings.storage.retention_ms, 77);
    EXPECT_EQ(other_logs_.get(log::topic_partition{"t", 2})->config().retention_ms, 77);
}

TEST_F(SharedStoreTest, a_topic_deleted_elsewhere_goes_here_too) {
    ASSERT_TRUE(testing::create_now(registry_, "t", 2, 1, {}, false).ok());
    deliver();
    ASSERT_NE(other_.find("t"), nullptr);
    // Deleted by the other one this time.
    ASSERT_TRUE(testing::remove_now(other_, "t").ok());
    EXPECT_EQ(dropped_, (std::vector<std::string>{"t"}));
    deliver();
    EXPECT_EQ(registry_.find("t"), nullptr);
    EXPECT_EQ(logs_.get(log::topic_partition{"t", 0}), nullptr);
    EXPECT_EQ(dropped_.size(), 1u) << "dropped once, not again when its own change is heard back";
}

TEST_F(SharedStoreTest, a_topic_recreated_elsewhere_is_replaced_here) {
    ASSERT_TRUE(testing::create_now(registry_, "t", 1, 1, {}, false).ok());
    deliver();
    protocol::uuid old_id = other_.find("t")->meta.topic_id;
    // Both changes arrive together: the other registry sees only the end state.
    ASSERT_TRUE(testing::remove_now(registry_, "t").ok());
    ASSERT_TRUE(testing::create_now(registry_, "t", 2, 1, {}, false).ok());
    deliver();
    topic_state* seen = other_.find("t");
    ASSERT_NE(seen, nullptr);
    EXPECT_NE(seen->meta.topic_id, old_id);
    EXPECT_EQ(seen->meta.topic_id, registry_.find("t")->meta.topic_id);
    EXPECT_EQ(seen->partitions.size(), 2u);
    EXPECT_EQ(other_.find(old_id), nullptr);
    EXPECT_EQ(dropped_, (std::vector<std::string>{"t"}));
}

TEST_F(TopicRegistryTest, incremental_config_change_starts_from_what_the_store_holds) {
    ASSERT_TRUE(testing::create_now(registry_, "t", 1, 1, {{"retention.ms", "5"}}, false).ok());
    auto r = testing::answered_inline([&](auto done) {
        registry_.update_configs(
            "t",
            [](topic_config& c) {
                c["segment.ms"] = "60000";
                return op_result{};
            },
            false, done);
    });
    ASSERT_TRUE(r.ok()) << r.message;
    EXPECT_EQ(store_->get_topic("t")->configs, (topic_config{{"retention.ms", "5"}, {"segment.ms", "60000"}}));
    EXPECT_EQ(registry_.find("t")->meta.configs, store_->get_topic("t")->configs);
}

// A store that answers later, as etcd does: the local store underneath
// applies each change (and tells its watchers) at once, but `done` waits
// until the test releases it.
class deferring_store final : public testing::forwarding_store {
public:
    using forwarding_store::forwarding_store;
    using metadata_store::create_topic;
    void create_topic(topic_metadata t, replication::replica_assignments a, executor ex, created_fn done) override {
        inner_.create_topic(std::move(t), std::move(a), ex, [this, done](op_result r, topic_metadata m) {
            held_.push_back([done, r, m] { done(r, m); });
        });
    }
    void delete_topic(std::string n, executor ex, done_fn done) override {
        inner_.delete_topic(std::move(n), ex, hold(done));
    }
    using metadata_store::set_partition_count;
    void set_partition_count(std::string n, int32_t c, replication::replica_assignments a, executor ex,
                             done_fn done) override {
        inner_.set_partition_count(std::move(n), c, std::move(a), ex, hold(done));
    }
    void elect_leader(std::string n, int32_t p, replication::election_type t, executor ex, done_fn done) override {
        inner_.elect_leader(std::move(n), p, t, ex, hold(done));
    }
    void alter_reassignment(std::string n, int32_t p, std::optional<std::vector<int32_t>> target, executor ex,
                            done_fn done) override {
        inner_.alter_reassignment(std::move(n), p, std::move(target), ex, hold(done));
    }
    void set_topic_configs(std::string n, replication::topic_configs c, std::optional<replication::topic_configs> e,
                           executor ex, done_fn done) override {
        inner_.set_topic_configs(std::move(n), std::move(c), std::move(e), ex, hold(done));
    }

    size_t held() const { return held_.size(); }
    void release() {
        auto all = std::move(held_);
        held_.clear();
        for (auto& f : all) f();
    }

private:
    done_fn hold(done_fn done) {
        return [this, done](op_result r) { held_.push_back([done, r] { done(r); }); };
    }
    std::vector<std::function<void()>> held_;
};

class DeferredStoreTest : public TopicRegistryTest {
protected:
    DeferredStoreTest() : slow_(*store_), deferred_(config_, slow_, deferred_logs_, io_.get_executor()) {
        deferred_.load();
    }
    void deliver() {
        io_.restart();
        io_.poll();
    }
    log::log_manager deferred_logs_{{dir_.path() / "deferred"}};
    deferring_store slow_;
    topic_registry deferred_;
};

TEST_F(DeferredStoreTest, create_answers_when_the_store_does) {
    fs::create_directories(dir_.path() / "deferred");
    std::optional<op_result> answer;
    deferred_.create("t", 2, 1, {}, false, [&](op_result r) { answer = r; });
    EXPECT_FALSE(answer.has_value());
    EXPECT_EQ(deferred_.find("t"), nullptr);
    slow_.release();
    ASSERT_TRUE(answer.has_value());
    EXPECT_TRUE(answer->ok()) << answer->message;
    ASSERT_NE(deferred_.find("t"), nullptr);
    EXPECT_EQ(deferred_.find("t")->partitions.size(), 2u);
}

TEST_F(DeferredStoreTest, the_watch_may_apply_a_change_before_its_answer_arrives) {
    fs::create_directories(dir_.path() / "deferred");
    std::optional<op_result> answer;
    deferred_.create("t", 2, 1, {}, false, [&](op_result r) { answer = r; });
    deliver();  // the watch first: the topic is opened from the store's view
    ASSERT_NE(deferred_.find("t"), nullptr);
    log::partition_log* opened = deferred_.find("t", 1)->log;
    EXPECT_FALSE(answer.has_value());
    slow_.release();
    ASSERT_TRUE(answer.has_value());
    EXPECT_TRUE(answer->ok()) << answer->message;
    EXPECT_EQ(deferred_.find("t", 1)->log, opened) << "opened once";

    answer.reset();
    deferred_.remove("t", [&](op_result r) { answer = r; });
    deliver();
    EXPECT_EQ(deferred_.find("t"), nullptr);
    slow_.release();
    ASSERT_TRUE(answer.has_value());
    EXPECT_TRUE(answer->ok()) << answer->message;
}

TEST_F(DeferredStoreTest, a_lost_config_race_is_retried_from_the_new_value) {
    fs::create_directories(dir_.path() / "deferred");
    std::optional<op_result> answer;
    deferred_.create("t", 1, 1, {{"retention.ms", "1"}}, false, [&](op_result r) { answer = r; });
    slow_.release();
    ASSERT_TRUE(answer && answer->ok());
    answer.reset();
    // Between this broker's read and its write another writer sets segment.ms.
    int changes = 0;
    deferred_.update_configs(
        "t",
        [&](topic_config& c) {
            if (changes++ == 0) {
                auto other = store_->get_topic("t")->configs;
                other["segment.ms"] = "60000";
                EXPECT_TRUE(testing::answered_inline([&](auto done) {
                                store_->set_topic_configs("t", other, std::nullopt, io_.get_executor(), done);
                            }).ok());
            }
            c["retention.bytes"] = "1000";
            return op_result{};
        },
        false, [&](op_result r) { answer = r; });
    while (slow_.held() > 0) slow_.release();
    ASSERT_TRUE(answer.has_value());
    EXPECT_TRUE(answer->ok()) << answer->message;
    EXPECT_EQ(changes, 2) << "the first compare-and-swap lost and was retried";
    EXPECT_EQ(store_->get_topic("t")->configs,
              (topic_config{{"retention.ms", "1"}, {"segment.ms", "60000"}, {"retention.bytes", "1000"}}));
    EXPECT_EQ(deferred_.find("t")->meta.configs, store_->get_topic("t")->configs);
}

TEST_F(TopicRegistryTest, explicit_assignments_set_the_factor_and_are_checked_by_the_store) {
    auto create = [&](const std::string& name, int32_t partitions, int16_t rf, replication::replica_assignments a,
                      bool validate_only) {
        return testing::answered_inline(
            [&](auto done) { registry_.create(name, partitions, rf, {}, std::move(a), validate_only, done); });
    };
    // Not bounded by the live broker count: the assignment is what counts.
    EXPECT_TRUE(create("checked", 2, 1, {{0, {0}}, {1, {0}}}, true).ok());
    EXPECT_EQ(registry_.find("checked"), nullptr) << "validate_only creates nothing";
    EXPECT_EQ(create("t", 1, 1, {{0, {3}}}, false).code, protocol::error_code::invalid_replica_assignment);
    EXPECT_EQ(registry_.find("t"), nullptr);
    ASSERT_TRUE(create("t", 2, 1, {{0, {0}}, {1, {0}}}, false).ok());
    ASSERT_NE(registry_.find("t"), nullptr);
    EXPECT_EQ(registry_.find("t")->partitions.size(), 2u);

    auto grow = [&](int32_t total, replication::replica_assignments a) {
        return testing::answered_inline(
            [&](auto done) { registry_.add_partitions("t", total, std::move(a), false, done); });
    };
    EXPECT_EQ(grow(3, {{2, {5}}}).code, protocol::error_code::invalid_replica_assignment);
    EXPECT_EQ(registry_.find("t")->partitions.size(), 2u) << "the refused partition's log is taken back";
    ASSERT_TRUE(grow(3, {{2, {0}}}).ok());
    EXPECT_EQ(registry_.find("t")->partitions.size(), 3u);
}

}  // namespace
}  // namespace sluice::broker
