// The topic registry when a partition's log cannot be created: the request
// gets KAFKA_STORAGE_ERROR and neither the store nor the logs keep half a topic.
#include "broker/topics/topic_registry.h"

#include <gtest/gtest.h>

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
          registry_(config_, *store_, logs_) {
        fs::create_directories(dir_.path() / "logs");
    }

    // A regular file where partition `p`'s directory would go makes that
    // one log fail to open, the way EMFILE or a full disk would.
    void block_partition_dir(const std::string& topic, int32_t p) {
        std::ofstream(dir_.path() / "logs" / (topic + "-" + std::to_string(p))) << "in the way";
    }

    testing::temp_dir dir_{"sluice-topics"};
    broker_config config_;
    std::unique_ptr<replication::local_metadata_store> store_;
    log::log_manager logs_;
    topic_registry registry_;
};

TEST_F(TopicRegistryTest, create_reports_storage_error_and_leaves_nothing_behind) {
    block_partition_dir("t", 2);
    auto r = registry_.create("t", 4, 1, {}, false);
    EXPECT_EQ(r.code, error_code::kafka_storage_error);
    EXPECT_NE(r.message.find("t-2"), std::string::npos) << r.message;
    EXPECT_EQ(registry_.find("t"), nullptr);
    EXPECT_TRUE(store_->list_topics().empty());
    EXPECT_EQ(logs_.get(log::topic_partition{"t", 0}), nullptr);
    EXPECT_EQ(logs_.get(log::topic_partition{"t", 1}), nullptr);

    fs::remove(dir_.path() / "logs" / "t-2");
    ASSERT_TRUE(registry_.create("t", 4, 1, {}, false).ok());
    for (int32_t p = 0; p < 4; ++p) EXPECT_NE(registry_.find("t", p)->log, nullptr);
}

TEST_F(TopicRegistryTest, add_partitions_failure_keeps_old_count) {
    ASSERT_TRUE(registry_.create("t", 2, 1, {}, false).ok());
    block_partition_dir("t", 3);
    auto r = registry_.add_partitions("t", 5, false);
    EXPECT_EQ(r.code, error_code::kafka_storage_error);
    EXPECT_EQ(registry_.find("t")->partitions.size(), 2u);
    EXPECT_EQ(registry_.find("t")->meta.partition_count, 2);
    EXPECT_EQ(store_->list_topics().at(0).partition_count, 2);
    EXPECT_EQ(registry_.find("t", 2), nullptr);
    EXPECT_EQ(logs_.get(log::topic_partition{"t", 2}), nullptr);
}

TEST_F(TopicRegistryTest, topic_ids_are_found_while_the_topic_exists) {
    ASSERT_TRUE(registry_.create("a", 1, 1, {}, false).ok());
    ASSERT_TRUE(registry_.create("b", 2, 1, {}, false).ok());
    protocol::uuid a = registry_.find("a")->meta.topic_id;
    protocol::uuid b = registry_.find("b")->meta.topic_id;
    EXPECT_EQ(registry_.find(a), registry_.find("a"));
    EXPECT_EQ(registry_.find(b), registry_.find("b"));
    EXPECT_EQ(registry_.find(protocol::uuid{}), nullptr);

    ASSERT_TRUE(registry_.remove("a").ok());
    EXPECT_EQ(registry_.find(a), nullptr);
    EXPECT_EQ(registry_.find(b), registry_.find("b"));
    // Re-created under the same name: a new id; the old one stays unknown.
    ASSERT_TRUE(registry_.create("a", 1, 1, {}, false).ok());
    protocol::uuid again = registry_.find("a")->meta.topic_id;
    EXPECT_NE(again, a);
    EXPECT_EQ(registry_.find(again), registry_.find("a"));
    EXPECT_EQ(registry_.find(a), nullptr);
}

TEST_F(TopicRegistryTest, topic_ids_are_found_after_a_restart) {
    ASSERT_TRUE(registry_.create("a", 1, 1, {}, false).ok());
    protocol::uuid a = registry_.find("a")->meta.topic_id;
    log::log_manager logs({dir_.path() / "logs"});
    logs.load([](const std::string&) { return log::log_config{}; });
    topic_registry reopened(config_, *store_, logs);
    reopened.load();
    ASSERT_NE(reopened.find(a), nullptr);
    EXPECT_EQ(reopened.find(a)->meta.name, "a");
}

TEST_F(TopicRegistryTest, deleting_a_topic_wakes_its_fetches_with_the_topic_gone) {
    // A woken fetch re-reads every partition it waits on. It must find the
    // topic gone: finding it with some partitions' logs already removed
    // would read freed logs.
    ASSERT_TRUE(registry_.create("t", 3, 1, {}, false).ok());
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
    ASSERT_TRUE(registry_.remove("t").ok());
    EXPECT_EQ(fetch.wakes, 1);
    EXPECT_EQ(fetch.saw_topic, 0);
}

}  // namespace
}  // namespace sluice::broker
