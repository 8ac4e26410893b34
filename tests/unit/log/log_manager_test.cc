#include "log/log_manager.h"

#include <gtest/gtest.h>

#include <fstream>

#include "log/format.h"
#include "log/partition_metadata.h"
#include "protocol/uuid_text.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using protocol::error_code;
using namespace testing;

log_config config_for(const std::string&) { return small_config(); }

TEST(topic_partition, dir_name_round_trips_with_dashes_and_dots) {
    for (const topic_partition& tp : {topic_partition{"orders", 0}, topic_partition{"my-topic-v2", 17},
                                      topic_partition{"a.b_c-d", 3}, topic_partition{"-", 2}}) {
        EXPECT_EQ(topic_partition::from_dir_name(tp.dir_name()), tp);
    }
    EXPECT_EQ(topic_partition::from_dir_name("my-topic-12")->topic, "my-topic");
    for (const char* bad : {"nodash", "topic-", "-3", "topic-x1", "topic-99999999999", "t-0.abc-delete"}) {
        EXPECT_FALSE(topic_partition::from_dir_name(bad).has_value()) << bad;
    }
}

class log_manager_test : public ::testing::Test {
protected:
    std::vector<topic_partition> partitions() const {
        std::vector<topic_partition> tps;
        for (const char* topic : {"orders", "my-topic", "a-b-c-9", "dots.and_under-scores"}) {
            for (int32_t p = 0; p < 3; ++p) tps.push_back({topic, p});
        }
        return tps;
    }
    // Appends (p + 1) * 3 batches of 2 records to each partition.
    void fill(log_manager& manager) {
        int p = 0;
        for (const auto& tp : partitions()) {
            partition_log* log = manager.create(tp, small_config());
            ASSERT_NE(log, nullptr);
            for (int i = 0; i < (p + 1) * 3; ++i) append_copy(*log, make_batch(2, 1000 + i), 2000);
            log->set_high_watermark(log->log_end_offset());
            ++p;
        }
    }
    void expect_filled(log_manager& manager) {
        int p = 0;
        for (const auto& tp : partitions()) {
            partition_log* log = manager.get(tp);
            ASSERT_NE(log, nullptr) << tp.dir_name();
            EXPECT_EQ(log->log_end_offset(), (p + 1) * 6) << tp.dir_name();
            EXPECT_EQ(all_batches(*log).size(), static_cast<size_t>((p + 1) * 3));
            ++p;
        }
    }
    temp_dir dir_;
};

TEST_F(log_manager_test, clean_shutdown_and_reload_of_many_partitions) {
    {
        log_manager manager({dir_.path()});
        EXPECT_TRUE(manager.load(config_for).empty());
        fill(manager);
        manager.shutdown();
    }
    EXPECT_TRUE(std::filesystem::exists(dir_.path() / format::clean_shutdown_file));
    EXPECT_TRUE(std::filesystem::is_directory(dir_.path() / "a-b-c-9-2"));
    auto recovery_points = read_offset_checkpoint(dir_.path() / format::recovery_point_file);
    ASSERT_TRUE(recovery_points.has_value());
    EXPECT_EQ(recovery_points->size(), partitions().size());
    EXPECT_EQ(recovery_points->at(topic_partition{"my-topic", 1}), 6 * 5);

    log_manager manager({dir_.path()});
    auto loaded = manager.load(config_for);
    EXPECT_EQ(loaded.size(), partitions().size());
    for (auto* log : loaded) EXPECT_FALSE(log->recovered()) << log->dir();
    // The marker is consumed: a crash from here on is unclean.
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / format::clean_shutdown_file));
    expect_filled(manager);
}

TEST_F(log_manager_test, crash_and_reload_recovers_every_partition) {
    {
        log_manager manager({dir_.path()});
        manager.load(config_for);
        fill(manager);
        manager.checkpoint();
    }  // no shutdown
    log_manager manager({dir_.path()});
    auto loaded = manager.load(config_for);
    EXPECT_EQ(loaded.size(), partitions().size());
    for (auto* log : loaded) EXPECT_TRUE(log->recovered());
    expect_filled(manager);
}

TEST_F(log_manager_test, garbage_checkpoint_is_treated_as_missing) {
    {
        log_manager manager({dir_.path()});
        manager.load(config_for);
        fill(manager);
        for (auto* log : manager.all()) log->flush();
        manager.checkpoint();
    }
    std::ofstream(dir_.path() / format::recovery_point_file) << "0\n3\nnot a checkpoint\n";
    std::ofstream(dir_.path() / format::log_start_offset_file) << "\x01\x02";
    log_manager manager({dir_.path()});
    auto loaded = manager.load(config_for);
    EXPECT_EQ(loaded.size(), partitions().size());
    for (auto* log : loaded) EXPECT_EQ(log->recovery().segments_scanned, log->segment_count());
    expect_filled(manager);
}

TEST_F(log_manager_test, log_start_offset_survives_restart) {
    {
        log_manager manager({dir_.path()});
        manager.load(config_for);
        fill(manager);
        ASSERT_EQ(manager.get({"orders", 2})->delete_records_before(7), error_code::none);
        manager.shutdown();
    }
    log_manager manager({dir_.path()});
    manager.load(config_for);
    EXPECT_EQ(manager.get({"orders", 2})->log_start_offset(), 7);
    EXPECT_EQ(manager.get({"orders", 1})->log_start_offset(), 0);
}

TEST_F(log_manager_test, remove_renames_then_deletes) {
    log_manager manager({dir_.path()});
    manager.load(config_for);
    fill(manager);
    auto detached = manager.detach({"my-topic", 0});
    ASSERT_TRUE(detached.has_value());
    EXPECT_TRUE(detached->filename().string().starts_with("my-topic-0."));
    EXPECT_TRUE(detached->filename().string().ends_with("-delete"));
    EXPECT_TRUE(std::filesystem::exists(*detached));
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / "my-topic-0"));
    EXPECT_EQ(manager.get({"my-topic", 0}), nullptr);
    manager.remove({"my-topic", 1});
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / "my-topic-1"));
    manager.shutdown();

    // A pending deletion left by a crash is finished at the next load.
    log_manager reloaded({dir_.path()});
    auto loaded = reloaded.load(config_for);
    EXPECT_EQ(loaded.size(), partitions().size() - 2);
    EXPECT_FALSE(std::filesystem::exists(*detached));
}

TEST_F(log_manager_test, a_set_aside_partition_is_kept_but_never_loaded_again) {
    log_manager manager({dir_.path()});
    manager.load(config_for);
    fill(manager);
    ASSERT_TRUE(manager.set_aside({"orders", 1}));
    EXPECT_FALSE(manager.set_aside({"orders", 1}));  // no longer known
    EXPECT_EQ(manager.get({"orders", 1}), nullptr);
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / "orders-1"));
    manager.shutdown();

    log_manager reloaded({dir_.path()});
    EXPECT_EQ(reloaded.load(config_for).size(), partitions().size() - 1);
    EXPECT_EQ(reloaded.get({"orders", 1}), nullptr);
    size_t strays = 0;
    for (const auto& item : std::filesystem::directory_iterator(dir_.path())) {
        const std::string name = item.path().filename().string();
        if (name.ends_with("-stray")) {
            ++strays;
            EXPECT_TRUE(name.starts_with("orders-1.")) << name;
            EXPECT_TRUE(std::filesystem::exists(item.path() / "00000000000000000000.log"));  // the data is kept
        }
    }
    EXPECT_EQ(strays, 1u);
}

TEST(partition_metadata, records_the_topic_id_as_kafka_writes_it) {
    temp_dir dir;
    EXPECT_FALSE(read_partition_topic_id(dir.path()));
    protocol::uuid id;
    for (size_t i = 0; i < id.value.size(); ++i) id.value[i] = static_cast<uint8_t>(i * 7 + 1);
    ASSERT_TRUE(write_partition_topic_id(dir.path(), id));
    EXPECT_EQ(read_partition_topic_id(dir.path()), id);
    std::ifstream in(dir.path() / "partition.metadata");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(text, "version: 0\ntopic_id: " + protocol::to_base64url(id) + "\n");
    // A damaged file records nothing.
    std::ofstream(dir.path() / "partition.metadata") << "version: 0\ntopic_id: not-an-id\n";
    EXPECT_FALSE(read_partition_topic_id(dir.path()));
}

TEST_F(log_manager_test, create_returns_existing_partition) {
    log_manager manager({dir_.path()});
    manager.load(config_for);
    auto* first = manager.create({"t", 0}, log_config{});
    EXPECT_EQ(manager.create({"t", 0}, log_config{}), first);
}

TEST_F(log_manager_test, partitions_spread_over_dirs) {
    log_manager manager({dir_.path() / "a", dir_.path() / "b"});
    manager.load(config_for);
    for (int32_t p = 0; p < 4; ++p) manager.create({"t", p}, log_config{});
    size_t in_a = 0;
    for (const auto& item : std::filesystem::directory_iterator(dir_.path() / "a")) in_a += item.is_directory();
    EXPECT_EQ(in_a, 2u);
    manager.shutdown();
    log_manager reloaded({dir_.path() / "a", dir_.path() / "b"});
    EXPECT_EQ(reloaded.load(config_for).size(), 4u);
}

}  // namespace
}  // namespace sluice::log
