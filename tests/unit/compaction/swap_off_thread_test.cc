// The segment swap in three steps: the owner only marks the log and later
// replaces the segment list; every rename, unlink and fsync happens in
// run_swap (the background). Also: what retention, truncation, DeleteRecords
// and a delete/re-create of the partition do while the files are swapped,
// a crash between the file work and the in-memory replace, and results of
// a partition's earlier incarnation.
#include <gtest/gtest.h>

#include <filesystem>

#include "log/segment_swap.h"

#include "unit/compaction/compaction_test_util.h"

namespace sluice::compaction {
namespace {

using namespace testing;
namespace fs = std::filesystem;

void write_log(log::partition_log& log) {
    append_segment(log, {{"a", "a1"}, {"b", "b1"}, {"c", "c1"}}, 1000);  // 0..2
    append_segment(log, {{"a", "a2"}, {"d", "d1"}}, 2000);               // 3..4
    append_segment(log, {{"a", "a3"}, {"e", "e1"}}, 3000);               // 5..6
    append(log, {{"f", "f1"}}, 4000);                                   // 7 active
}

class swap_off_thread_test : public ::testing::Test {
protected:
    swap_off_thread_test() : log_(open_log(dir_.path(), compact_config())), lc_(small_cleaner_config()) {
        write_log(*log_);
    }
    clean_result clean() {
        auto task = lc_.plan(*log_, 10000);
        EXPECT_TRUE(task.has_value());
        cleaner worker(small_cleaner_config(), nullptr);
        auto result = worker.run(*task);
        EXPECT_EQ(result.error, clean_error::none);
        EXPECT_EQ(result.incarnation, log_->incarnation());
        return result;
    }

    temp_dir dir_;
    std::unique_ptr<log::partition_log> log_;
    log_cleaner lc_;
};

TEST_F(swap_off_thread_test, owner_steps_touch_no_files) {
    auto result = clean();
    const size_t before = log_->segment_count();
    auto job = lc_.begin_commit(*log_, result);
    EXPECT_TRUE(log_->segment_swap_in_progress());
    EXPECT_GT(count_files_with(log_->dir(), ".log" + staged_suffix(log_->incarnation())), 0u) << "begin_commit must leave the files alone";
    EXPECT_EQ(count_files_with(log_->dir(), ".swap"), 0u);

    run_swap(job);  // the background's part
    EXPECT_EQ(count_files_with(log_->dir(), ".cleaned"), 0u);
    EXPECT_EQ(log_->segment_count(), before) << "memory is the owner's: unchanged until finish_commit";
    EXPECT_EQ(read_all(*log_).size(), 8u) << "old segment objects still read the old data";

    EXPECT_EQ(lc_.finish_commit(*log_, result, job, 10000), commit_outcome::committed);
    EXPECT_FALSE(log_->segment_swap_in_progress());
    EXPECT_LT(log_->segment_count(), before);
    auto latest = latest_by_key(read_all(*log_));
    EXPECT_EQ(latest["a"].second, "a3");
    EXPECT_EQ(read_all(*log_).size(), 6u);
}

// Kafka pauses deletion while cleaning; here retention waits for the swap,
// DeleteRecords moves the log start at once and its segments go after.
TEST_F(swap_off_thread_test, retention_and_delete_records_during_the_swap) {
    auto result = clean();
    auto job = lc_.begin_commit(*log_, result);
    ASSERT_EQ(log_->delete_records_before(7), protocol::error_code::none);
    EXPECT_TRUE(log_->apply_retention(10000).empty()) << "the closed segments are being swapped";
    EXPECT_FALSE(log_->truncate_to(4).done);
    run_swap(job);
    EXPECT_EQ(lc_.finish_commit(*log_, result, job, 10000), commit_outcome::committed);
    EXPECT_EQ(log_->log_start_offset(), 7);
    auto dropped = log_->apply_retention(10000);  // the cleaned [0, 7) segment goes now
    ASSERT_EQ(dropped.size(), 1u);
    EXPECT_EQ(dropped[0]->base_offset(), 0);
    for (const auto& seg : dropped) seg->remove_files();
    log_->close();
    log_.reset();
    auto reopened = open_log(dir_.path(), compact_config(), /*clean_shutdown=*/false);
    EXPECT_EQ(reopened->log_start_offset(), 7);
    auto records = read_all(*reopened);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(to_string(*records[0].key), "f");
}

// Crash after the files were swapped but before the owner replaced the
// segment list: the disk holds the cleaned segments, recovery loads them.
TEST_F(swap_off_thread_test, crash_between_file_work_and_memory) {
    auto result = clean();
    auto job = lc_.begin_commit(*log_, result);
    run_swap(job);
    log_.reset();  // no finish_commit, no close
    auto reopened = open_log(dir_.path(), compact_config(), /*clean_shutdown=*/false);
    auto records = read_all(*reopened);
    EXPECT_EQ(records.size(), 6u);
    EXPECT_EQ(latest_by_key(records)["a"].second, "a3");
    EXPECT_EQ(count_files_with(reopened->dir(), ".deleted"), 0u);
}

// The partition is deleted (dir renamed as log_manager::detach does) and
// re-created under the same name while the swap job waits: the job works
// in the doomed dir and leaves the new partition's files alone.
TEST_F(swap_off_thread_test, partition_recreated_while_the_swap_waits) {
    auto result = clean();
    auto job = lc_.begin_commit(*log_, result);
    const fs::path live = log_->dir();
    const fs::path doomed = live.parent_path() / "topic-0.0123-delete";
    log_.reset();
    fs::rename(live, doomed);
    lc_.forget({"topic", 0});
    auto fresh = open_log(dir_.path(), compact_config(), /*clean_shutdown=*/true);
    ASSERT_NE(fresh, nullptr);
    append_segment(*fresh, {{"x", "x1"}, {"y", "y1"}}, 5000);
    append(*fresh, {{"z", "z1"}}, 6000);
    fresh->flush();
    EXPECT_NE(fresh->incarnation(), result.incarnation);

    run_swap(job);
    EXPECT_NE(job.outcome, swap_outcome::swapped) << "the new segment must not be opened from the new dir";
    EXPECT_EQ(count_files_with(doomed, ".cleaned"), 0u);
    lc_.abandon(result);
    // The new partition: files and data untouched, and it can be cleaned.
    EXPECT_EQ(count_files_with(live, ".deleted"), 0u);
    fresh.reset();
    auto reopened = open_log(dir_.path(), compact_config(), /*clean_shutdown=*/false);
    auto records = read_all(*reopened);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(to_string(*records[0].key), "x");
    EXPECT_TRUE(lc_.plan(*reopened, 20000).has_value());
}

// A result of the partition's earlier incarnation arrives after it was
// deleted and re-created and the new one started cleaning: the new one's
// in-progress mark, checkpoint and staged files are not the old result's.
TEST_F(swap_off_thread_test, stale_incarnation_result_leaves_the_new_state_alone) {
    auto old_result = clean();
    const fs::path live = log_->dir();
    log_.reset();
    fs::rename(live, live.parent_path() / "topic-0.0456-delete");
    auto fresh = open_log(dir_.path(), compact_config(), /*clean_shutdown=*/true);  // no forget(): worst case
    write_log(*fresh);
    auto task = lc_.plan(*fresh, 10000);
    ASSERT_TRUE(task.has_value());
    cleaner worker(small_cleaner_config(), nullptr);
    auto new_result = worker.run(*task);
    ASSERT_EQ(new_result.error, clean_error::none);
    const size_t staged = count_files_with(live, ".cleaned");
    ASSERT_GT(staged, 0u);

    lc_.discard(old_result);  // same dir name, same base offsets
    EXPECT_EQ(count_files_with(live, ".cleaned"), staged) << "the new incarnation's staged files stay";
    EXPECT_FALSE(lc_.plan(*fresh, 10000).has_value()) << "the new cleaning is still in progress";
    EXPECT_EQ(lc_.commit(*fresh, new_result, 10000), commit_outcome::committed);
    EXPECT_EQ(lc_.checkpoint_of({"topic", 0}), new_result.next_dirty_offset);
}

// A cleaning still running (the cleaner thread writes its staged files by
// path) when the partition is deleted and re-created, and the new log's own
// cleaning staged the same segment bases in the new dir first: the stale
// cleaning's files must neither overwrite the new ones nor be swapped in.
TEST_F(swap_off_thread_test, stale_cleaning_writing_into_the_new_dir_is_never_swapped_in) {
    auto old_task = lc_.plan(*log_, 10000);
    ASSERT_TRUE(old_task.has_value());
    const fs::path live = log_->dir();
    log_.reset();
    fs::rename(live, live.parent_path() / "topic-0.0789-delete");
    lc_.forget({"topic", 0});
    auto fresh = open_log(dir_.path(), compact_config(), /*clean_shutdown=*/true);
    // The same segment bases as the old log, other keys.
    append_segment(*fresh, {{"n", "n1"}, {"o", "o1"}, {"p", "p1"}}, 5000);  // 0..2
    append_segment(*fresh, {{"n", "n2"}, {"q", "q1"}}, 6000);               // 3..4
    append_segment(*fresh, {{"n", "n3"}, {"r", "r1"}}, 7000);               // 5..6
    append(*fresh, {{"s", "s1"}}, 8000);                                   // 7 active
    auto new_task = lc_.plan(*fresh, 20000);
    ASSERT_TRUE(new_task.has_value());
    cleaner worker(small_cleaner_config(), nullptr);
    auto new_result = worker.run(*new_task);
    ASSERT_EQ(new_result.error, clean_error::none);

    // Now the stale cleaning's thread gets to write: by path, into the new dir.
    auto old_result = worker.run(*old_task);
    ASSERT_EQ(old_result.error, clean_error::none);
    ASSERT_FALSE(old_result.groups.empty());
    EXPECT_NE(old_result.groups[0].suffix, new_result.groups[0].suffix);
    lc_.discard(old_result);  // what the broker does with a result of a log gone

    EXPECT_EQ(lc_.commit(*fresh, new_result, 20000), commit_outcome::committed);
    EXPECT_EQ(count_files_with(live, ".cleaned"), 0u) << "neither cleaning leaves staged files";
    auto check = [](const log::partition_log& log) {
        auto latest = latest_by_key(read_all(log));
        EXPECT_EQ(latest.size(), 6u);
        EXPECT_EQ(latest["n"].second, "n3");
        EXPECT_FALSE(latest.contains("a")) << "the old log's records were swapped into the new one";
        EXPECT_EQ(read_all(log).size(), 6u);
    };
    check(*fresh);
    fresh.reset();
    auto reopened = open_log(dir_.path(), compact_config(), /*clean_shutdown=*/false);
    check(*reopened);
}

}  // namespace
}  // namespace sluice::compaction
