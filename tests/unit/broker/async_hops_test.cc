// Work that leaves the broker's I/O thread and comes back: flushes, cleaner
// results and segment swaps name their partition by incarnation, so a topic
// deleted and re-created meanwhile (its new log perhaps at the old address)
// never receives a stale completion; and the disk work itself (checkpoints,
// swaps, topic deletion) is posted to the background executor, which these
// tests replace with a queue they run by hand.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <thread>
#include <filesystem>

#include "broker/broker.h"
#include "replication/local_metadata_store.h"
#include "broker/topics/log_cleaning.h"
#include "broker/topics/partition_ref.h"
#include "broker/topics/topic_registry.h"
#include "unit/broker/registry_calls.h"
#include "compaction/log_cleaner.h"
#include "log/file_util.h"
#include "log/format.h"
#include "log/partition_metadata.h"
#include "unit/compaction/compaction_test_util.h"
#include "unit/log/background_queue.h"
#include "unit/temp_dir.h"

namespace sluice::broker {
namespace {

namespace fs = std::filesystem;
using log::testing::background_queue;

const topic_config compacted{{"cleanup.policy", "compact"}, {"min.cleanable.dirty.ratio", "0.01"}};

// Three closed segments with overwritten keys and an active one.
void fill(log::partition_log& log) {
    using compaction::testing::append_segment;
    append_segment(log, {{"a", "a1"}, {"b", "b1"}}, 1000);
    append_segment(log, {{"a", "a2"}, {"c", "c1"}}, 2000);
    append_segment(log, {{"a", "a3"}, {"d", "d1"}}, 3000);
    compaction::testing::append(log, {{"e", "e1"}}, 4000);
}

size_t count_with_suffix(const fs::path& dir, std::string_view suffix) {
    size_t n = 0;
    for (const auto& item : fs::directory_iterator(dir)) n += item.path().filename().string().ends_with(suffix);
    return n;
}

class cleaning_hops_test : public ::testing::Test {
protected:
    cleaning_hops_test()
        : store_(replication::local_metadata_store::open(dir_.path() / "meta", std::string("test-cluster"))),
          logs_({dir_.path() / "logs"}, queue_.executor()),
          topics_(config_, *store_, logs_, io_.get_executor()),
          cleaning_(config_, io_, topics_, queue_.executor()) {
        fs::create_directories(dir_.path() / "logs");
        cleaning_.start();
    }

    log::partition_log& create_filled(const std::string& name) {
        EXPECT_TRUE(testing::create_now(topics_, name, 1, 1, compacted, false).ok());
        queue_.run_all();  // the new directory's fsyncs
        log::partition_log& log = *topics_.find(name, 0)->log;
        fill(log);
        return log;
    }
    // Runs the I/O thread's side until the cleaner thread's result arrives.
    void await_cleaner_result() { ASSERT_EQ(io_.run_one_for(std::chrono::seconds(30)), 1u); }

    sluice::testing::temp_dir dir_{"sluice-hops"};
    broker_config config_;
    background_queue queue_;
    boost::asio::io_context io_;
    std::unique_ptr<replication::local_metadata_store> store_;
    log::log_manager logs_;
    topic_registry topics_;
    log_cleaning cleaning_;
};

TEST_F(cleaning_hops_test, swap_file_work_runs_on_the_background) {
    log::partition_log& log = create_filled("c");
    const size_t before = log.segment_count();
    cleaning_.run_once(now_ms());
    await_cleaner_result();
    // The I/O thread only marked the log and queued the job.
    EXPECT_TRUE(log.segment_swap_in_progress());
    ASSERT_EQ(queue_.size(), 1u);
    EXPECT_GT(count_with_suffix(log.dir(), ".log" + compaction::staged_suffix(log.incarnation())), 0u);
    EXPECT_EQ(count_with_suffix(log.dir(), ".swap"), 0u);
    queue_.run_all();
    EXPECT_EQ(count_with_suffix(log.dir(), ".cleaned"), 0u);
    EXPECT_EQ(log.segment_count(), before) << "memory changes only back on the I/O thread";
    EXPECT_EQ(io_.poll(), 1u);
    EXPECT_FALSE(log.segment_swap_in_progress());
    EXPECT_LT(log.segment_count(), before);
    EXPECT_EQ(compaction::testing::latest_by_key(compaction::testing::read_all(log))["a"].second, "a3");
}

// Delete and re-create the topic while the swap job waits in the queue.
// The allocator usually hands the new partition_log the old address (a
// forced ABA for a pointer comparison); the incarnation tells them apart.
TEST_F(cleaning_hops_test, recreated_topic_ignores_the_old_swap) {
    log::partition_log* old_log = &create_filled("c");
    cleaning_.run_once(now_ms());
    await_cleaner_result();
    ASSERT_TRUE(old_log->segment_swap_in_progress());
    const partition_ref old_ref = ref_of("c", *topics_.find("c", 0));

    ASSERT_TRUE(testing::remove_now(topics_, "c").ok());
    cleaning_.forget({"c", 0});
    log::partition_log& fresh = create_filled("c");
    if (&fresh == old_log) std::printf("[ note ] the re-created log reuses the old address\n");
    EXPECT_EQ(find_live(topics_, old_ref), nullptr);
    EXPECT_NE(find_live(topics_, ref_of("c", *topics_.find("c", 0))), nullptr);
    const size_t segments = fresh.segment_count();

    queue_.run_all();  // the old swap (in the doomed dir), then the old dir's delete
    io_.poll();
    EXPECT_FALSE(fresh.segment_swap_in_progress());
    EXPECT_EQ(fresh.segment_count(), segments);
    EXPECT_EQ(compaction::testing::read_all(fresh).size(), 7u);
    EXPECT_EQ(count_with_suffix(dir_.path() / "logs", "-delete"), 0u);

    // The new topic cleans normally: no stale in-progress mark or backoff.
    cleaning_.run_once(now_ms());
    await_cleaner_result();
    queue_.run_all();
    io_.poll();
    EXPECT_LT(fresh.segment_count(), segments);
    EXPECT_EQ(compaction::testing::read_all(fresh).size(), 5u);
}

// The cleaner's result itself arrives after the delete/re-create.
TEST_F(cleaning_hops_test, recreated_topic_ignores_the_old_result) {
    log::partition_log& old_log = create_filled("c");
    cleaning_.run_once(now_ms());
    // Let the cleaner thread finish before the dir is renamed under it.
    for (int i = 0; i < 3000 && count_with_suffix(old_log.dir(), ".log" + compaction::staged_suffix(old_log.incarnation())) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ASSERT_TRUE(testing::remove_now(topics_, "c").ok());
    cleaning_.forget({"c", 0});
    log::partition_log& fresh = create_filled("c");
    await_cleaner_result();  // the old result: discarded, nothing marked
    EXPECT_FALSE(fresh.segment_swap_in_progress());
    queue_.run_all();
    io_.poll();
    EXPECT_EQ(compaction::testing::read_all(fresh).size(), 7u);
    cleaning_.run_once(now_ms());
    await_cleaner_result();
    EXPECT_TRUE(fresh.segment_swap_in_progress()) << "the new log was planned and is being swapped";
    queue_.run_all();
    io_.poll();
    EXPECT_EQ(compaction::testing::read_all(fresh).size(), 5u);
}

class broker_hops_test : public ::testing::Test {
protected:
    broker_hops_test() {
        config_.log_dirs = {(dir_.path() / "data").string()};
        config_.listeners = {{"PLAINTEXT", "127.0.0.1", 0, "PLAINTEXT"}};
        config_.advertised_listeners = config_.listeners;
        config_.log_cleaner_enable = false;
        broker_ = std::make_unique<broker>(config_, queue_.executor());
    }
    void append_one(log::partition_log& log, int32_t leader_epoch = 0) {
        log::testing::append_copy(log, log::testing::make_batch(1, 1000), now_ms(), leader_epoch);
        log.set_high_watermark(log.log_end_offset());
    }

    sluice::testing::temp_dir dir_{"sluice-broker-hops"};
    broker_config config_;
    background_queue queue_;
    std::unique_ptr<broker> broker_;
};

// A flush of the old topic completes after the delete/re-create: before
// incarnations, a new log at the old address took the old job's recovery
// point for data that was never fsynced.
TEST_F(broker_hops_test, flush_completion_of_a_deleted_topic_is_dropped) {
    topic_registry& topics = broker_->topics();
    ASSERT_TRUE(testing::create_now(topics, "f", 1, 1, {{"flush.messages", "1"}}, false).ok());
    queue_.run_all();  // the new directory's fsyncs
    log::partition_log* old_log = topics.find("f", 0)->log;
    append_one(*old_log, 5);
    append_one(*old_log, 5);
    broker_->flush_if_due("f", 0);
    ASSERT_EQ(queue_.size(), 1u) << "the fsync is the background's";
    EXPECT_EQ(old_log->recovery_point(), 0);

    ASSERT_TRUE(testing::remove_now(topics, "f").ok());
    ASSERT_TRUE(testing::create_now(topics, "f", 1, 1, {{"flush.messages", "1000000"}}, false).ok());
    partition_state* fresh = topics.find("f", 0);
    if (fresh->log == old_log) std::printf("[ note ] the re-created log reuses the old address\n");
    for (int i = 0; i < 3; ++i) append_one(*fresh->log);

    queue_.run_all();
    broker_->io().poll();
    EXPECT_EQ(fresh->log->recovery_point(), 0) << "nothing of the new log was fsynced";
    EXPECT_FALSE(fresh->flush_in_flight);
    // The old job's leader epochs (epoch 5) must not land in the new dir.
    std::string epochs;
    if (log::file_util::read_small_file(fresh->log->dir() / std::string(log::format::leader_epoch_file), epochs)) {
        EXPECT_EQ(epochs.find("\n5 "), std::string::npos) << epochs;
    }
}

// CreateTopics made three fsyncs per partition on the I/O thread; now one
// background job syncs every partition the call created.
TEST_F(broker_hops_test, topic_creation_leaves_its_fsyncs_to_the_background) {
    topic_registry& topics = broker_->topics();
    ASSERT_TRUE(testing::create_now(topics, "many", 50, 1, {}, false).ok());
    ASSERT_EQ(queue_.size(), 1u) << "one job for all 50 partitions";
    for (int p = 0; p < 50; ++p) {
        EXPECT_EQ(log::read_partition_topic_id(topics.find("many", p)->log->dir()), topics.find("many")->meta.topic_id);
    }
    queue_.run_all();
    ASSERT_TRUE(testing::add_partitions_now(topics, "many", 60, false).ok());
    EXPECT_EQ(queue_.size(), 1u) << "added partitions too";
    queue_.run_all();
}

TEST_F(broker_hops_test, flush_completion_reaches_its_own_log) {
    topic_registry& topics = broker_->topics();
    ASSERT_TRUE(testing::create_now(topics, "f", 1, 1, {{"flush.messages", "1"}}, false).ok());
    partition_state* p = topics.find("f", 0);
    append_one(*p->log);
    broker_->flush_if_due("f", 0);
    EXPECT_TRUE(p->flush_in_flight);
    queue_.run_all();
    broker_->io().poll();
    EXPECT_FALSE(p->flush_in_flight);
    EXPECT_EQ(p->log->recovery_point(), 1);
}

TEST_F(broker_hops_test, retention_pass_leaves_the_checkpoint_to_the_background) {
    ASSERT_TRUE(testing::create_now(broker_->topics(), "r", 2, 1, {}, false).ok());
    const fs::path file = dir_.path() / "data" / std::string(log::format::recovery_point_file);
    fs::remove(file);
    broker_->run_retention();
    EXPECT_FALSE(fs::exists(file)) << "the I/O thread must not write (and fsync) checkpoints";
    ASSERT_FALSE(queue_.empty());
    queue_.run_all();
    EXPECT_TRUE(fs::exists(file));
}

TEST_F(broker_hops_test, delete_topic_leaves_the_directory_delete_to_the_background) {
    ASSERT_TRUE(testing::create_now(broker_->topics(), "d", 1, 1, {}, false).ok());
    append_one(*broker_->topics().find("d", 0)->log);
    ASSERT_TRUE(testing::remove_now(broker_->topics(), "d").ok());
    EXPECT_FALSE(fs::exists(dir_.path() / "data" / "d-0"));
    EXPECT_EQ(count_with_suffix(dir_.path() / "data", "-delete"), 1u);
    queue_.run_all();
    EXPECT_EQ(count_with_suffix(dir_.path() / "data", "-delete"), 0u);
}

}  // namespace
}  // namespace sluice::broker
