// log/segment_swap.h and partition_log::replace_segments: the log side of
// the cleaner's swap, tested without the cleaner.
#include <gtest/gtest.h>

#include <fstream>

#include "log/segment_swap.h"
#include "unit/log/log_test_util.h"

namespace sluice::log {
namespace {

using testing::temp_dir;

std::unique_ptr<partition_log> open_at(const std::filesystem::path& dir, bool clean) {
    protocol::error_code error;
    log_config config;
    return partition_log::open(dir, {"t", 0}, config, clean, error);
}

TEST(segment_swap, staged_segment_uses_suffixed_names) {
    temp_dir dir;
    log_config config;
    config.key_index = true;
    auto seg = segment::create_staged(dir.path(), 42, config, 0, ".cleaned");
    ASSERT_NE(seg, nullptr);
    seg->on_inactive();  // writes the key index file too
    for (const auto& p : segment_swap::segment_files(dir.path(), 42, ".cleaned")) {
        EXPECT_TRUE(std::filesystem::exists(p)) << p;
    }
    EXPECT_EQ(seg->log_path().filename(), "00000000000000000042.log.cleaned");
}

TEST(segment_swap, recovery_completes_a_decided_swap) {
    temp_dir dir;
    {
        auto log = open_at(dir.path(), false);
        testing::append_copy(*log, testing::make_batch(3, 100), 100);
        log->roll(100);
        testing::append_copy(*log, testing::make_batch(2, 200), 200);
        log->roll(200);
        testing::append_copy(*log, testing::make_batch(1, 300), 300);
        log->flush();
    }
    // A "cleaned" replacement for segments 0 and 3: one batch, offsets 0..4.
    {
        log_config config;
        auto staged = segment::create_staged(dir.path(), 0, config, 0, ".swap");
        auto batch = testing::make_batch(5, 100);
        protocol::set_base_offset(batch.data(), 0);
        ASSERT_EQ(staged->append(batch, 0), protocol::error_code::none);
        staged->on_inactive();
        ASSERT_TRUE(staged->sync());
    }
    EXPECT_EQ(segment_swap::next_offset_of(dir.path() / "00000000000000000000.log.swap", 0), 5);
    // Crash after one original was removed.
    for (const auto& p : segment_swap::segment_files(dir.path(), 3, "")) std::filesystem::remove(p);
    auto log = open_at(dir.path(), false);
    ASSERT_NE(log, nullptr);
    ASSERT_EQ(log->segment_count(), 2u);
    EXPECT_EQ(log->segments()[0]->next_offset(), 5);
    EXPECT_EQ(log->segments()[0]->size(), testing::make_batch(5, 100).size());
    EXPECT_EQ(log->log_end_offset(), 6);
    for (const auto& item : std::filesystem::directory_iterator(dir.path())) {
        EXPECT_EQ(item.path().string().find(".swap"), std::string::npos) << item.path();
    }
}

TEST(segment_swap, undecided_leftovers_are_removed) {
    temp_dir dir;
    {
        auto log = open_at(dir.path(), false);
        testing::append_copy(*log, testing::make_batch(3, 100), 100);
        log->flush();
    }
    log_config config;
    segment::create_staged(dir.path(), 0, config, 0, ".cleaned");
    auto idx = segment_swap::segment_files(dir.path(), 0, ".swap")[1];
    { std::ofstream(idx.string()) << ""; }
    auto log = open_at(dir.path(), false);
    EXPECT_EQ(log->log_end_offset(), 3);
    EXPECT_FALSE(std::filesystem::exists(idx));
    EXPECT_FALSE(std::filesystem::exists(segment_swap::segment_files(dir.path(), 0, ".cleaned")[0]));
}

TEST(segment_swap, replace_segments_checks_the_run) {
    temp_dir dir;
    auto log = open_at(dir.path(), false);
    testing::append_copy(*log, testing::make_batch(3, 100), 100);
    log->roll(100);
    testing::append_copy(*log, testing::make_batch(2, 200), 200);
    log->roll(200);
    auto a = log->segments()[0];
    auto b = log->segments()[1];
    auto active = log->segments()[2];
    EXPECT_TRUE(log->holds_closed_run({a, b}, {a->size(), b->size()}));
    EXPECT_FALSE(log->holds_closed_run({a, b}, {a->size(), b->size() + 1}));
    EXPECT_FALSE(log->holds_closed_run({b, active}, {b->size(), active->size()}));  // never the active one
    EXPECT_FALSE(log->holds_closed_run({b, a}, {b->size(), a->size()}));
    log_config config;
    auto replacement = segment::open_existing(dir.path(), 0, config);
    ASSERT_TRUE(replacement->load_trusted() || true);
    EXPECT_FALSE(log->replace_segments({b, active}, replacement));
    EXPECT_TRUE(log->replace_segments({a, b}, replacement));
    EXPECT_EQ(log->segment_count(), 2u);
    EXPECT_EQ(log->segments()[0], replacement);
}

}  // namespace
}  // namespace sluice::log
