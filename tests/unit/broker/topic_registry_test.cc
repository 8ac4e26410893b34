// The topic registry when a partition's log cannot be created: the request
// gets KAFKA_STORAGE_ERROR and neither the store nor the logs keep half a topic.
#include "broker/topics/topic_registry.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "broker/metadata/local_metadata_store.h"
#include "unit/temp_dir.h"

namespace sluice::broker {
namespace {

namespace fs = std::filesystem;
using protocol::error_code;

class TopicRegistryTest : public ::testing::Test {
protected:
    TopicRegistryTest()
        : store_(local_metadata_store::open(dir_.path() / "meta", std::nullopt)),
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
    std::unique_ptr<local_metadata_store> store_;
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

}  // namespace
}  // namespace sluice::broker
