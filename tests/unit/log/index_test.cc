#include <gtest/gtest.h>

#include <fstream>

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
    ASSERT_TRUE(index.append(110, 1000));
    ASSERT_TRUE(index.append(130, 3000));
    ASSERT_TRUE(index.append(170, 9000));
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
    ASSERT_TRUE(index.append(0x102, 0x01020304));
    std::ifstream in(dir.path() / "a.index", std::ios::binary);
    std::vector<uint8_t> raw((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(raw, (std::vector<uint8_t>{0, 0, 0, 0x102 - 100, 1, 2, 3, 4}));
}

TEST(offset_index, reload_and_truncate) {
    temp_dir dir;
    {
        offset_index index;
        ASSERT_TRUE(index.open(dir.path() / "a.index", 0, 1024));
        for (int i = 1; i <= 5; ++i) ASSERT_TRUE(index.append(i * 10, static_cast<uint32_t>(i * 100)));
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
        ASSERT_TRUE(index.append(5, 5000));
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
    ASSERT_TRUE(index.append(1, 10));
    EXPECT_FALSE(index.is_full());
    ASSERT_TRUE(index.append(2, 20));
    EXPECT_TRUE(index.is_full());
}

TEST(time_index, lookup_gives_last_entry_below_target) {
    temp_dir dir;
    time_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.timeindex", 100, 1200));
    ASSERT_TRUE(index.maybe_append(1000, 110));
    ASSERT_TRUE(index.maybe_append(1000, 120));  // same timestamp: skipped
    ASSERT_TRUE(index.maybe_append(900, 125));   // older timestamp: skipped
    ASSERT_TRUE(index.maybe_append(2000, 130));
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
        ASSERT_TRUE(index.maybe_append(10, 1));
        ASSERT_TRUE(index.maybe_append(20, 2));
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

TEST(offset_index, last_entry_within_respects_both_bounds) {
    testing::temp_dir dir;
    offset_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.index", 0, 1024));
    ASSERT_TRUE(index.append(10, 100));
    ASSERT_TRUE(index.append(20, 200));
    ASSERT_TRUE(index.append(30, 300));
    EXPECT_FALSE(index.last_entry_within(99, 100).has_value());
    EXPECT_EQ(index.last_entry_within(250, 100)->offset, 20);
    EXPECT_EQ(index.last_entry_within(1000, 30)->offset, 20);
    EXPECT_EQ(index.last_entry_within(1000, 31)->offset, 30);
}

}  // namespace
}  // namespace sluice::log
