#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "log/offset_index.h"
#include "log/time_index.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using testing::temp_dir;

TEST(offset_index, lookup_finds_largest_entry_at_or_below) {
    temp_dir dir;
    offset_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.index", 100, 1024));
    EXPECT_EQ(index.lookup(150).position, 0u);  // empty: start of the segment
    EXPECT_EQ(index.lookup(150).offset, 100);
    index.append(110, 1000);
    index.append(130, 3000);
    index.append(170, 9000);
    EXPECT_EQ(index.lookup(105).position, 0u);
    EXPECT_EQ(index.lookup(110).position, 1000u);
    EXPECT_EQ(index.lookup(129).position, 1000u);
    EXPECT_EQ(index.lookup(130).position, 3000u);
    EXPECT_EQ(index.lookup(1000).position, 9000u);
}

TEST(offset_index, file_holds_big_endian_relative_entries) {
    temp_dir dir;
    offset_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.index", 100, 1024));
    index.append(0x102, 0x01020304);
    ASSERT_TRUE(index.persist());
    std::ifstream in(dir.path() / "a.index", std::ios::binary);
    std::vector<uint8_t> raw((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(raw, (std::vector<uint8_t>{0, 0, 0, 0x102 - 100, 1, 2, 3, 4}));
}

TEST(offset_index, reload_and_truncate) {
    temp_dir dir;
    {
        offset_index index;
        ASSERT_TRUE(index.open(dir.path() / "a.index", 0, 1024));
        for (int i = 1; i <= 5; ++i) index.append(i * 10, static_cast<uint32_t>(i * 100));
        ASSERT_TRUE(index.persist());
        ASSERT_TRUE(index.truncate_from(30));
        EXPECT_EQ(index.entry_count(), 2u);
    }
    offset_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.index", 0, 1024));
    ASSERT_TRUE(index.load(10000));
    EXPECT_EQ(index.entry_count(), 2u);
    EXPECT_EQ(index.last_entry()->offset, 20);
}

TEST(offset_index, load_rejects_partial_entry) {
    temp_dir dir;
    std::ofstream(dir.path() / "a.index", std::ios::binary) << std::string(12, '\1');
    offset_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.index", 0, 1024));
    EXPECT_FALSE(index.load(1 << 30));
    EXPECT_EQ(index.entry_count(), 0u);
}

TEST(offset_index, load_rejects_position_past_log_end) {
    temp_dir dir;
    {
        offset_index index;
        ASSERT_TRUE(index.open(dir.path() / "a.index", 0, 1024));
        index.append(5, 5000);
        ASSERT_TRUE(index.persist());
    }
    offset_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.index", 0, 1024));
    EXPECT_FALSE(index.load(4000));
}

TEST(offset_index, load_rejects_zero_filled_file) {
    temp_dir dir;
    std::ofstream(dir.path() / "a.index", std::ios::binary) << std::string(64, '\0');
    offset_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.index", 0, 1024));
    EXPECT_FALSE(index.load(1 << 20));
}

TEST(offset_index, full_after_max_bytes) {
    temp_dir dir;
    offset_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.index", 0, 16));
    index.append(1, 10);
    EXPECT_FALSE(index.is_full());
    index.append(2, 20);
    EXPECT_TRUE(index.is_full());
}

TEST(time_index, lookup_gives_last_entry_below_target) {
    temp_dir dir;
    time_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.timeindex", 100, 1200));
    index.maybe_append(1000, 110);
    index.maybe_append(1000, 120);  // same timestamp: skipped
    index.maybe_append(900, 125);   // older timestamp: skipped
    index.maybe_append(2000, 130);
    EXPECT_EQ(index.entry_count(), 2u);
    EXPECT_FALSE(index.last_entry_before(1000).has_value());
    EXPECT_EQ(index.last_entry_before(1001)->offset, 110);
    EXPECT_EQ(index.last_entry_before(2000)->offset, 110);
    EXPECT_EQ(index.last_entry_before(5000)->offset, 130);
}

TEST(time_index, reload_checks_monotonic_timestamps) {
    temp_dir dir;
    {
        time_index index;
        ASSERT_TRUE(index.open(dir.path() / "a.timeindex", 0, 1200));
        index.maybe_append(10, 1);
        index.maybe_append(20, 2);
        ASSERT_TRUE(index.persist());
    }
    {
        time_index index;
        ASSERT_TRUE(index.open(dir.path() / "a.timeindex", 0, 1200));
        ASSERT_TRUE(index.load());
        EXPECT_EQ(index.last_entry()->timestamp, 20);
    }
    std::ofstream(dir.path() / "a.timeindex", std::ios::binary | std::ios::app) << std::string(12, '\0');
    time_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.timeindex", 0, 1200));
    EXPECT_FALSE(index.load());
}

}  // namespace
}  // namespace sluice::log

namespace sluice::log {
namespace {

size_t file_size_of(const std::filesystem::path& path) { return std::filesystem::file_size(path); }

// Entries reach the file only through persist(), and only the new ones:
// appending after a persist must extend the file, not rewrite it.
TEST(offset_index, persist_writes_only_new_entries) {
    testing::temp_dir dir;
    const auto path = dir.path() / "a.index";
    offset_index index;
    ASSERT_TRUE(index.open(path, 0, 1024));
    index.append(10, 100);
    index.append(20, 200);
    EXPECT_EQ(file_size_of(path), 0u);
    ASSERT_TRUE(index.persist());
    EXPECT_EQ(file_size_of(path), 16u);
    index.append(30, 300);
    ASSERT_TRUE(index.persist());
    ASSERT_TRUE(index.persist());  // nothing new: no change
    EXPECT_EQ(file_size_of(path), 24u);

    offset_index reread;
    ASSERT_TRUE(reread.open(path, 0, 1024));
    ASSERT_TRUE(reread.load(1000));
    ASSERT_EQ(reread.entry_count(), 3u);
    EXPECT_EQ(reread.lookup(25).position, 200u);
    EXPECT_EQ(reread.last_entry()->position, 300u);
}

// A truncation below what the file holds cuts the file; a later persist
// continues from the cut.
TEST(offset_index, truncate_then_persist_keeps_file_in_step) {
    testing::temp_dir dir;
    const auto path = dir.path() / "a.index";
    offset_index index;
    ASSERT_TRUE(index.open(path, 0, 1024));
    for (int i = 1; i <= 4; ++i) index.append(i * 10, static_cast<uint32_t>(i * 100));
    ASSERT_TRUE(index.persist());
    ASSERT_TRUE(index.truncate_from(20));
    EXPECT_EQ(file_size_of(path), 8u);
    index.append(25, 250);
    ASSERT_TRUE(index.persist());
    offset_index reread;
    ASSERT_TRUE(reread.open(path, 0, 1024));
    ASSERT_TRUE(reread.load(1000));
    ASSERT_EQ(reread.entry_count(), 2u);
    EXPECT_EQ(reread.last_entry()->offset, 25);
}

// reset() empties a file that was never loaded (recovery rebuilding a
// segment whose index did not check out): stale bytes must not survive
// behind the rebuilt entries.
TEST(offset_index, reset_clears_file_not_loaded) {
    testing::temp_dir dir;
    const auto path = dir.path() / "a.index";
    std::ofstream(path, std::ios::binary) << std::string(40, '\7');
    offset_index index;
    ASSERT_TRUE(index.open(path, 0, 1024));
    ASSERT_TRUE(index.reset());
    index.append(10, 100);
    ASSERT_TRUE(index.persist());
    EXPECT_EQ(file_size_of(path), 8u);
}

// sync() of an index whose file was already deleted (a segment dropped by
// retention while a flush was in flight) has nothing to make durable.
TEST(offset_index, sync_of_deleted_file_succeeds) {
    testing::temp_dir dir;
    const auto path = dir.path() / "a.index";
    offset_index index;
    ASSERT_TRUE(index.open(path, 0, 1024));
    ASSERT_TRUE(index.sync());
    std::filesystem::remove(path);
    EXPECT_TRUE(index.sync());
}

TEST(time_index, persist_writes_only_new_entries) {
    testing::temp_dir dir;
    const auto path = dir.path() / "a.timeindex";
    time_index index;
    ASSERT_TRUE(index.open(path, 100, 1200));
    index.maybe_append(1000, 110);
    ASSERT_TRUE(index.persist());
    index.maybe_append(2000, 130);
    EXPECT_EQ(file_size_of(path), 12u);
    ASSERT_TRUE(index.persist());
    EXPECT_EQ(file_size_of(path), 24u);
    ASSERT_TRUE(index.truncate_from(130));
    EXPECT_EQ(file_size_of(path), 12u);

    time_index reread;
    ASSERT_TRUE(reread.open(path, 100, 1200));
    ASSERT_TRUE(reread.load());
    ASSERT_EQ(reread.entry_count(), 1u);
    EXPECT_EQ(reread.last_entry()->timestamp, 1000);
    EXPECT_EQ(reread.last_entry()->offset, 110);
}

TEST(offset_index, last_entry_within_respects_both_bounds) {
    testing::temp_dir dir;
    offset_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.index", 0, 1024));
    index.append(10, 100);
    index.append(20, 200);
    index.append(30, 300);
    EXPECT_FALSE(index.last_entry_within(99, 100).has_value());
    EXPECT_EQ(index.last_entry_within(250, 100)->offset, 20);
    EXPECT_EQ(index.last_entry_within(1000, 30)->offset, 20);
    EXPECT_EQ(index.last_entry_within(1000, 31)->offset, 30);
}

}  // namespace
}  // namespace sluice::log
