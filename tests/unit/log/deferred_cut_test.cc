// truncate_to() with a background executor: the .log's ftruncate leaves the
// owner executor, and the segment behaves as cut at once. The orderings that
// must hold: reads never see the bytes past the cut; an append after the cut
// is never removed by a cut that runs late; a queued cut never touches a
// file after its segment is gone.
#include <gtest/gtest.h>

#include <filesystem>

#include "log/partition_log.h"
#include "log_test_util.h"
#include "unit/log/background_queue.h"

namespace sluice::log {
namespace {

using namespace testing;
namespace fs = std::filesystem;

struct deferred_cut_test : ::testing::Test {
    temp_dir dir;
    background_queue queue;

    std::unique_ptr<partition_log> open(bool clean = true) {
        protocol::error_code error;
        partition_log::open_options options;
        options.clean_shutdown = clean;
        options.now_ms = 1000;
        options.background = queue.executor();
        return partition_log::open(dir.path() / "t-0", {"t", 0}, small_config(), options, error);
    }
    // Three batches of 10 in one segment: [0, 10) [10, 20) [20, 30).
    void fill(partition_log& log) {
        for (int b = 0; b < 3; ++b) ASSERT_EQ(append_copy(log, make_batch(10, 1000 + b), 2000).error, protocol::error_code::none);
        log.set_high_watermark(log.log_end_offset());
    }
    fs::path log_file() const { return segment_file(dir.path() / "t-0", 0, ".log"); }
};

TEST_F(deferred_cut_test, the_ftruncate_runs_on_the_background_not_the_owner) {
    auto log = open();
    fill(*log);
    const auto full = fs::file_size(log_file());
    ASSERT_TRUE(log->truncate_to(10).done);
    EXPECT_EQ(fs::file_size(log_file()), full) << "the owner must not cut the file itself";
    ASSERT_EQ(queue.size(), 1u);
    queue.run_all();
    EXPECT_LT(fs::file_size(log_file()), full);
    EXPECT_EQ(log->log_end_offset(), 10);
}

TEST_F(deferred_cut_test, reads_stop_at_the_cut_before_the_file_is_cut) {
    auto log = open();
    fill(*log);
    ASSERT_TRUE(log->truncate_to(10).done);
    ASSERT_EQ(queue.size(), 1u);
    log->set_high_watermark(30);  // clamped to the new end
    EXPECT_EQ(log->high_watermark(), 10);
    auto headers = read_headers(log->read(0, 1 << 20, 30));
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_EQ(headers[0].last_offset(), 9);
    EXPECT_EQ(all_batches(*log).size(), 1u);
}

TEST_F(deferred_cut_test, a_late_cut_never_removes_a_later_append) {
    auto log = open();
    fill(*log);
    ASSERT_TRUE(log->truncate_to(10).done);
    ASSERT_EQ(queue.size(), 1u);
    // The append comes before the background got to the cut: it makes the cut first.
    ASSERT_EQ(append_copy(*log, make_batch(5, 3000), 4000).error, protocol::error_code::none);
    const auto after_append = fs::file_size(log_file());
    queue.run_all();  // the job runs late: nothing left to cut
    EXPECT_EQ(fs::file_size(log_file()), after_append);
    log->set_high_watermark(log->log_end_offset());
    auto batches = all_batches(*log);
    ASSERT_EQ(batches.size(), 2u);
    EXPECT_EQ(batches[1].base_offset, 10);
    EXPECT_EQ(batches[1].last_offset(), 14);
    // And a restart after a crash finds exactly that.
    log.reset();
    auto reopened = open(/*clean=*/false);
    ASSERT_NE(reopened, nullptr);
    EXPECT_EQ(reopened->log_end_offset(), 15);
}

TEST_F(deferred_cut_test, two_cuts_in_a_row_end_at_the_lower_one) {
    auto log = open();
    fill(*log);
    ASSERT_TRUE(log->truncate_to(20).done);
    ASSERT_TRUE(log->truncate_to(10).done);
    queue.run_all();  // the first job runs after the second cut: must not undo it
    EXPECT_EQ(log->log_end_offset(), 10);
    log.reset();
    auto reopened = open(/*clean=*/false);
    ASSERT_NE(reopened, nullptr);
    EXPECT_EQ(reopened->log_end_offset(), 10);
}

TEST_F(deferred_cut_test, a_queued_cut_outliving_its_log_touches_nothing) {
    auto log = open();
    fill(*log);
    ASSERT_TRUE(log->truncate_to(10).done);
    const auto cut_size = [&] {
        log.reset();  // closing the segment makes the cut before its fd closes
        return fs::file_size(log_file());
    }();
    // Another file takes the fd number the segment had; the job must leave it alone.
    auto reopened = open(/*clean=*/false);
    ASSERT_NE(reopened, nullptr);
    ASSERT_EQ(append_copy(*reopened, make_batch(10, 5000), 6000).error, protocol::error_code::none);
    const auto grown = fs::file_size(log_file());
    EXPECT_GT(grown, cut_size);
    queue.run_all();
    EXPECT_EQ(fs::file_size(log_file()), grown);
    EXPECT_EQ(reopened->log_end_offset(), 20);
}

}  // namespace
}  // namespace sluice::log
