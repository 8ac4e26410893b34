// Disk work the owner executor leaves to the background: truncation hands
// back renamed files instead of unlinking them, retention and truncation
// wait while a cleaner swap is in flight, log_manager::remove posts the
// recursive delete (and retries it when it fails), and partition logs carry an incarnation id that is
// never reused.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <set>
#include <thread>

#include "log/file_util.h"
#include "log/format.h"
#include "log/log_manager.h"
#include "log_test_util.h"
#include "unit/log/background_queue.h"

namespace sluice::log {
namespace {

using namespace testing;
namespace fs = std::filesystem;

std::unique_ptr<partition_log> open_at(const fs::path& dir, bool clean = true) {
    protocol::error_code error;
    partition_log::open_options options;
    options.clean_shutdown = clean;
    options.now_ms = 1000;
    return partition_log::open(dir / "t-0", {"t", 0}, small_config(), options, error);
}

// Three segments of 10 records each: [0, 10) [10, 20) [20, 30) (active).
void fill_three_segments(partition_log& log) {
    for (int s = 0; s < 3; ++s) {
        ASSERT_EQ(append_copy(log, make_batch(10, 1000 + s), 2000).error, protocol::error_code::none);
        if (s < 2) {
            ASSERT_TRUE(log.roll(2000));
        }
    }
    log.set_high_watermark(log.log_end_offset());
}

size_t count_with_suffix(const fs::path& dir, std::string_view suffix) {
    size_t n = 0;
    for (const auto& item : fs::directory_iterator(dir)) n += item.path().filename().string().ends_with(suffix);
    return n;
}

TEST(incarnation, every_open_is_a_new_incarnation) {
    temp_dir dir;
    auto first = open_at(dir.path());
    auto second = open_at(dir.path() / "other");
    ASSERT_NE(first, nullptr);
    ASSERT_NE(second, nullptr);
    EXPECT_NE(first->incarnation(), log_incarnation::none);
    EXPECT_LT(first->incarnation(), second->incarnation());
    const log_incarnation old = first->incarnation();
    first.reset();
    auto reopened = open_at(dir.path());  // same partition, same dir: still another log
    EXPECT_GT(reopened->incarnation(), old);
}

TEST(truncation, dropped_segments_are_renamed_and_left_to_the_caller) {
    temp_dir dir;
    auto log = open_at(dir.path());
    fill_three_segments(*log);
    auto t = log->truncate_to(10);
    ASSERT_TRUE(t.done);
    EXPECT_EQ(log->log_end_offset(), 10);
    EXPECT_EQ(log->segment_count(), 1u);
    // Nothing was unlinked on the owner: the files of segments 10 and 20 wait
    // as *.deleted, with the producer snapshot taken at 20 (the one at 10
    // still describes the log).
    EXPECT_EQ(t.deleted_files.size(), 7u);
    for (const auto& path : t.deleted_files) EXPECT_TRUE(fs::exists(path)) << path;
    EXPECT_FALSE(fs::exists(log->dir() / (format::file_stem(10) + ".log")));
    EXPECT_FALSE(fs::exists(log->dir() / (format::file_stem(20) + ".log")));
    EXPECT_TRUE(file_util::remove_files(t.deleted_files));
    EXPECT_EQ(count_with_suffix(log->dir(), ".deleted"), 0u);
}

// The deferred unlink must not hit a segment that took a dropped one's name
// meanwhile (a roll at a truncated base; a fresh start at the old base).
TEST(truncation, late_unlink_spares_a_segment_reusing_the_name) {
    temp_dir dir;
    auto log = open_at(dir.path());
    fill_three_segments(*log);
    auto t = log->truncate_to(10);
    ASSERT_TRUE(log->roll(3000));  // a new segment named 10 while the old 10's files wait
    ASSERT_EQ(append_copy(*log, make_batch(5, 3000), 3000).error, protocol::error_code::none);
    auto fresh = log->truncate_to(0);  // start again at 0: same name as the first segment
    ASSERT_TRUE(fresh.done);
    ASSERT_EQ(append_copy(*log, make_batch(7, 4000), 4000).error, protocol::error_code::none);
    log->set_high_watermark(log->log_end_offset());
    file_util::remove_files(t.deleted_files);
    file_util::remove_files(fresh.deleted_files);
    log->close();
    log.reset();
    auto reopened = open_at(dir.path(), /*clean=*/false);
    ASSERT_NE(reopened, nullptr);
    EXPECT_EQ(reopened->log_start_offset(), 0);
    EXPECT_EQ(reopened->log_end_offset(), 7);
    EXPECT_EQ(all_batches(*reopened).size(), 1u);
}

TEST(truncation, a_crash_before_the_unlink_leaves_only_leftovers) {
    temp_dir dir;
    auto log = open_at(dir.path());
    fill_three_segments(*log);
    auto t = log->truncate_to(15);
    log->flush();
    log.reset();  // crash: the *.deleted files were never unlinked
    auto reopened = open_at(dir.path(), /*clean=*/false);
    ASSERT_NE(reopened, nullptr);
    EXPECT_EQ(reopened->log_end_offset(), 10);  // batch [10, 20) was cut whole
    EXPECT_EQ(count_with_suffix(reopened->dir(), ".deleted"), 0u);
}

TEST(segment_swap_mark, retention_and_truncation_wait_for_the_swap) {
    temp_dir dir;
    auto log = open_at(dir.path());
    fill_three_segments(*log);
    ASSERT_EQ(log->delete_records_before(20), protocol::error_code::none);
    log->begin_segment_swap();
    EXPECT_TRUE(log->apply_retention(5000).empty()) << "retention must not drop segments being swapped";
    EXPECT_EQ(log->log_start_offset(), 20) << "DeleteRecords still moves the log start";
    EXPECT_EQ(log->segment_count(), 3u);
    auto t = log->truncate_to(5);
    EXPECT_FALSE(t.done);
    EXPECT_TRUE(t.deleted_files.empty());
    EXPECT_EQ(log->log_end_offset(), 30);
    log->end_segment_swap();
    EXPECT_EQ(log->apply_retention(5000).size(), 2u);
    EXPECT_TRUE(log->truncate_to(25).done);
}

class log_manager_background_test : public ::testing::Test {
protected:
    temp_dir dir_;
    background_queue queue_;
};

TEST_F(log_manager_background_test, remove_posts_the_recursive_delete) {
    log_manager manager({dir_.path()}, queue_.executor());
    manager.load([](const std::string&) { return small_config(); });
    partition_log* log = manager.create({"t", 0}, small_config());
    ASSERT_NE(log, nullptr);
    append_copy(*log, make_batch(10, 1000), 2000);
    manager.remove({"t", 0});
    EXPECT_EQ(manager.get({"t", 0}), nullptr);
    EXPECT_FALSE(fs::exists(dir_.path() / "t-0"));
    EXPECT_EQ(count_with_suffix(dir_.path(), "-delete"), 1u) << "renamed, not yet deleted";
    ASSERT_EQ(queue_.size(), 1u) << "the recursive delete is the background's";
    queue_.run_all();
    EXPECT_EQ(count_with_suffix(dir_.path(), "-delete"), 0u);
}

// Out of descriptors, the recursive delete cannot open the dir; the dir is
// remembered and retry_deletions() deletes it once descriptors are back.
TEST_F(log_manager_background_test, a_failed_delete_is_retried) {
    log_manager manager({dir_.path()}, queue_.executor());
    manager.load([](const std::string&) { return small_config(); });
    partition_log* log = manager.create({"t", 0}, small_config());
    ASSERT_NE(log, nullptr);
    append_copy(*log, make_batch(10, 1000), 2000);
    manager.remove({"t", 0});
    ASSERT_EQ(queue_.size(), 1u);

    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    rlimit low = saved;
    low.rlim_cur = 256;
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    std::vector<int> held;
    for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) held.push_back(fd);
    queue_.run_all();
    for (int fd : held) ::close(fd);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
    EXPECT_EQ(count_with_suffix(dir_.path(), "-delete"), 1u) << "the delete failed and the dir is still there";

    manager.retry_deletions();
    EXPECT_EQ(count_with_suffix(dir_.path(), "-delete"), 0u);
    manager.retry_deletions();  // nothing left to retry
}

TEST_F(log_manager_background_test, recreated_partition_survives_the_late_delete) {
    log_manager manager({dir_.path()}, queue_.executor());
    manager.load([](const std::string&) { return small_config(); });
    partition_log* old_log = manager.create({"t", 0}, small_config());
    append_copy(*old_log, make_batch(10, 1000), 2000);
    const log_incarnation old = old_log->incarnation();
    manager.remove({"t", 0});
    partition_log* fresh = manager.create({"t", 0}, small_config());
    ASSERT_NE(fresh, nullptr);
    EXPECT_NE(fresh->incarnation(), old);
    EXPECT_EQ(fresh->log_end_offset(), 0);
    append_copy(*fresh, make_batch(3, 1000), 2000);
    queue_.run_all();
    EXPECT_TRUE(fs::exists(fresh->dir() / (format::file_stem(0) + ".log")));
    manager.shutdown();
    log_manager reloaded({dir_.path()});
    reloaded.load([](const std::string&) { return small_config(); });
    ASSERT_NE(reloaded.get({"t", 0}), nullptr);
    EXPECT_EQ(reloaded.get({"t", 0})->log_end_offset(), 3);
}

// create() leaves the fsyncs of a new partition to sync_created(), whose
// job runs on the background executor and answers there.
TEST_F(log_manager_background_test, created_partitions_are_synced_by_a_background_job) {
    log_manager manager({dir_.path()}, queue_.executor());
    manager.load([](const std::string&) { return small_config(); });
    for (int p = 0; p < 3; ++p) ASSERT_NE(manager.create({"t", p}, small_config()), nullptr);
    manager.remove({"t", 1});  // gone before the job runs: skipped, not an error
    std::optional<bool> answered;
    manager.sync_created([&](bool ok) { answered = ok; });
    EXPECT_FALSE(answered) << "the fsyncs ran on the caller's thread";
    queue_.run_all();
    ASSERT_TRUE(answered);
    EXPECT_TRUE(*answered);
    // A second call has nothing left to sync, and still answers.
    std::optional<bool> again;
    manager.sync_created([&](bool ok) { again = ok; });
    queue_.run_all();
    EXPECT_EQ(again, std::optional<bool>(true));
    EXPECT_TRUE(fs::exists(dir_.path() / "t-0"));
    EXPECT_TRUE(fs::exists(dir_.path() / "t-2"));
}

// Checkpoints from several threads while the owner keeps creating
// partitions: none blocks the others for good, and the last one written
// names every partition with its latest values.
TEST_F(log_manager_background_test, concurrent_checkpoints_end_with_the_latest_values) {
    log_manager manager({dir_.path()});
    manager.load([](const std::string&) { return small_config(); });
    std::vector<std::thread> writers;
    for (int w = 0; w < 3; ++w) {
        writers.emplace_back([&] {
            for (int i = 0; i < 20; ++i) manager.checkpoint();
        });
    }
    for (int p = 0; p < 20; ++p) {
        partition_log* log = manager.create({"t", p}, small_config());
        append_copy(*log, make_batch(p + 1, 1000), 2000);
        log->flush();
    }
    for (auto& t : writers) t.join();
    ASSERT_TRUE(manager.checkpoint());
    auto points = read_offset_checkpoint(dir_.path() / format::recovery_point_file);
    ASSERT_TRUE(points.has_value());
    EXPECT_EQ(points->size(), 20u);
    for (int p = 0; p < 20; ++p) EXPECT_EQ(points->at(topic_partition{"t", p}), p + 1);
}

}  // namespace
}  // namespace sluice::log
