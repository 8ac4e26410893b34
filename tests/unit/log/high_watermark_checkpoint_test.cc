// replication-offset-checkpoint: written by log_manager::checkpoint() next
// to the recovery points, handed back by load() as each log's
// checkpointed_high_watermark(), clamped; missing or damaged means "the log
// start". The live high watermark still starts at the log end.
#include <gtest/gtest.h>

#include <fstream>

#include "log/format.h"
#include "log/log_manager.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using namespace testing;

log_config config_for(const std::string&) { return small_config(); }

class high_watermark_checkpoint : public ::testing::Test {
protected:
    const topic_partition a_{"orders", 0};
    const topic_partition b_{"orders", 1};
    const topic_partition c_{"my-topic", 7};

    // a: 20 records, HW 12; b: 10 records, HW 10; c: 6 records, log start 4, HW 5.
    void fill(log_manager& manager) {
        auto* a = manager.create(a_, small_config());
        auto* b = manager.create(b_, small_config());
        auto* c = manager.create(c_, small_config());
        ASSERT_TRUE(a && b && c);
        for (int i = 0; i < 10; ++i) append_copy(*a, make_batch(2, 1000 + i), 2000);
        for (int i = 0; i < 5; ++i) append_copy(*b, make_batch(2, 1000 + i), 2000);
        for (int i = 0; i < 3; ++i) append_copy(*c, make_batch(2, 1000 + i), 2000);
        a->set_high_watermark(12);
        b->set_high_watermark(10);
        c->set_high_watermark(6);
        ASSERT_EQ(c->delete_records_before(4), protocol::error_code::none);
        c->set_high_watermark(5);
    }
    std::filesystem::path file() const { return dir_.path() / format::replication_offset_file; }
    void write_text(const std::string& text) const {
        std::ofstream out(file(), std::ios::trunc);
        out << text;
    }
    temp_dir dir_;
};

TEST_F(high_watermark_checkpoint, checkpoint_writes_kafka_format) {
    log_manager manager({dir_.path()});
    fill(manager);
    ASSERT_TRUE(manager.checkpoint());
    EXPECT_EQ(read_offset_checkpoint(file()), (offset_checkpoint{{a_, 12}, {b_, 10}, {c_, 5}}));
    std::ifstream in(file());
    std::string version, count;
    std::getline(in, version);
    std::getline(in, count);
    EXPECT_EQ(version, "0");
    EXPECT_EQ(count, "3");
    // Later checkpoints follow the live value, also when it goes down (truncation).
    manager.get(a_)->truncate_to(4);
    ASSERT_TRUE(manager.checkpoint());
    EXPECT_EQ(read_offset_checkpoint(file())->at(a_), 4);
    EXPECT_FALSE(std::filesystem::exists(dir_.path() / (std::string(format::replication_offset_file) + ".tmp")));
}

TEST_F(high_watermark_checkpoint, load_hands_back_checkpointed_value_and_keeps_live_one_at_log_end) {
    {
        log_manager manager({dir_.path()});
        fill(manager);
        manager.shutdown();
    }
    log_manager manager({dir_.path()});
    ASSERT_EQ(manager.load(config_for).size(), 3u);
    EXPECT_EQ(manager.get(a_)->checkpointed_high_watermark(), protocol::offset(12));
    EXPECT_EQ(manager.get(b_)->checkpointed_high_watermark(), protocol::offset(10));
    EXPECT_EQ(manager.get(c_)->checkpointed_high_watermark(), protocol::offset(5));
    // Single-node behaviour unchanged: readers see everything after a restart.
    EXPECT_EQ(manager.get(a_)->high_watermark(), 20);
    EXPECT_EQ(manager.get(c_)->high_watermark(), 6);
}

TEST_F(high_watermark_checkpoint, load_after_crash_uses_last_checkpoint) {
    {
        log_manager manager({dir_.path()});
        fill(manager);
        ASSERT_TRUE(manager.checkpoint());
        manager.get(a_)->set_high_watermark(20);  // never checkpointed
    }  // crash
    log_manager manager({dir_.path()});
    manager.load(config_for);
    EXPECT_EQ(manager.get(a_)->checkpointed_high_watermark(), protocol::offset(12))
        << "the checkpoint may lag; a restart never exposes more than it held";
    EXPECT_EQ(manager.get(a_)->log_end_offset(), 20);
}

TEST_F(high_watermark_checkpoint, values_are_clamped_to_the_log) {
    {
        log_manager manager({dir_.path()});
        fill(manager);
        manager.shutdown();
    }
    // a past its log end, c below its log start (4).
    write_text("0\n3\norders 0 999\norders 1 7\nmy-topic 7 1\n");
    log_manager manager({dir_.path()});
    manager.load(config_for);
    EXPECT_EQ(manager.get(a_)->checkpointed_high_watermark(), protocol::offset(20));
    EXPECT_EQ(manager.get(b_)->checkpointed_high_watermark(), protocol::offset(7));
    EXPECT_EQ(manager.get(c_)->checkpointed_high_watermark(), protocol::offset(4));
}

TEST_F(high_watermark_checkpoint, partition_missing_from_file_gets_log_start) {
    {
        log_manager manager({dir_.path()});
        fill(manager);
        manager.shutdown();
    }
    write_text("0\n1\norders 0 9\n");
    log_manager manager({dir_.path()});
    manager.load(config_for);
    EXPECT_EQ(manager.get(a_)->checkpointed_high_watermark(), protocol::offset(9));
    EXPECT_EQ(manager.get(b_)->checkpointed_high_watermark(), protocol::offset(0));
    EXPECT_EQ(manager.get(c_)->checkpointed_high_watermark(), protocol::offset(4));
}

TEST_F(high_watermark_checkpoint, missing_file_means_log_start) {
    {
        log_manager manager({dir_.path()});
        fill(manager);
        manager.shutdown();
    }
    ASSERT_TRUE(std::filesystem::remove(file()));
    log_manager manager({dir_.path()});
    ASSERT_EQ(manager.load(config_for).size(), 3u);
    EXPECT_EQ(manager.get(a_)->checkpointed_high_watermark(), protocol::offset(0));
    EXPECT_EQ(manager.get(c_)->checkpointed_high_watermark(), protocol::offset(4));
    EXPECT_EQ(manager.get(a_)->high_watermark(), 20);
}

TEST_F(high_watermark_checkpoint, damaged_file_means_log_start_for_all) {
    for (const char* damaged : {"0\n3\norders 0 12\norders 1 10\n",          // count says 3, 2 lines
                                "1\n1\norders 0 12\n",                          // unknown version
                                "0\n1\norders 0 twelve\n", "\x01\x02garbage"}) {
        {
            log_manager manager({dir_.path()});
            manager.load(config_for);
            if (!manager.get(a_)) fill(manager);
            manager.shutdown();
        }
        write_text(damaged);
        log_manager manager({dir_.path()});
        ASSERT_EQ(manager.load(config_for).size(), 3u) << damaged;
        EXPECT_EQ(manager.get(a_)->checkpointed_high_watermark(), protocol::offset(0)) << damaged;
        EXPECT_EQ(manager.get(b_)->checkpointed_high_watermark(), protocol::offset(0)) << damaged;
        EXPECT_EQ(manager.get(c_)->checkpointed_high_watermark(), protocol::offset(4)) << damaged;
        EXPECT_EQ(manager.get(a_)->log_end_offset(), 20) << damaged;
    }
}

TEST(partition_log_open, high_watermark_option_is_clamped_and_kept_apart) {
    temp_dir dir;
    {
        auto log = open_log(dir.path() / "t-0", log_config{}, true);
        for (int i = 0; i < 4; ++i) append_copy(*log, make_batch(2, 1000 + i), 2000);
        log->close();
    }
    for (auto [given, expected] : {std::pair<int64_t, int64_t>{5, 5}, {-3, 0}, {100, 8}}) {
        partition_log::open_options options;
        options.clean_shutdown = true;
        options.high_watermark = protocol::offset(given);
        protocol::error_code error;
        auto log = partition_log::open(dir.path() / "t-0", topic_partition{"t", 0}, log_config{}, options, error);
        ASSERT_TRUE(log);
        EXPECT_EQ(log->checkpointed_high_watermark(), protocol::offset(expected)) << given;
        EXPECT_EQ(log->high_watermark(), 8) << given;
        log->close();
    }
}

}  // namespace
}  // namespace sluice::log
