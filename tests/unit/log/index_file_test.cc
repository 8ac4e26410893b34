// The index files as the log reads them now: on disk, through a bounded
// per-thread block cache. One test per way that could go wrong: memory
// growing with the index, stale cached blocks after a cut or an append, and
// an index file damaged or removed under a loaded index.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "log/index_block_cache.h"
#include "log/index_file.h"
#include "log/offset_index.h"
#include "log/time_index.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using testing::temp_dir;

// Sets the cache capacity for one test.
class cache_capacity {
public:
    explicit cache_capacity(size_t bytes) : old_(index_block_cache::capacity()) {
        index_block_cache::set_capacity(bytes);
    }
    ~cache_capacity() { index_block_cache::set_capacity(old_); }

private:
    size_t old_;
};

// Entry i (from 1): offset base + 3i, position 100i.
void fill(offset_index& index, int64_t base, int count) {
    for (int i = 1; i <= count; ++i) index.append(base + 3 * i, static_cast<uint32_t>(100 * i));
}

// A large index looked up at random, through a cache of a few blocks: right
// answers, and the cache never holds more than it is allowed.
TEST(index_block_cache, lookups_stay_within_capacity) {
    temp_dir dir;
    const size_t capacity = 8 * index_block_cache::block_bytes;
    cache_capacity guard(capacity);
    const int count = 100'000;  // 800 KB of entries, 196 blocks
    {
        offset_index index;
        ASSERT_TRUE(index.open(dir.path() / "a.index", 1000, 10 << 20));
        fill(index, 1000, count);
        ASSERT_TRUE(index.persist());
    }
    offset_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.index", 1000, 10 << 20));
    ASSERT_TRUE(index.load(UINT32_MAX));
    ASSERT_EQ(index.entry_count(), static_cast<size_t>(count));
    std::mt19937_64 rng(5);
    for (int probe = 0; probe < 2000; ++probe) {
        int64_t target = 1000 + static_cast<int64_t>(rng() % (3 * count + 10));
        int64_t i = std::min<int64_t>((target - 1000) / 3, count);
        auto found = index.lookup(target);
        EXPECT_EQ(found.position, static_cast<uint32_t>(100 * i)) << target;
        EXPECT_EQ(found.offset, i == 0 ? 1000 : 1000 + 3 * i) << target;
        ASSERT_LE(index_block_cache::local().bytes(), capacity);
    }
    EXPECT_EQ(index.last_entry_within(100 * 500 + 50, INT64_MAX)->offset, 1000 + 3 * 500);
    EXPECT_EQ(index.last_entry_within(UINT32_MAX, 1000 + 3 * 700)->offset, 1000 + 3 * 699);
}

// Readers near the end (tailing consumers) touch one block, not log2(n).
TEST(index_block_cache, lookups_near_the_end_read_one_block) {
    temp_dir dir;
    offset_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.index", 0, 10 << 20));
    fill(index, 0, 50'000);
    ASSERT_TRUE(index.persist());
    auto& cache = index_block_cache::local();
    EXPECT_EQ(index.lookup(3 * 50'000).offset, 3 * 50'000);
    uint64_t misses = cache.misses();
    for (int i = 49'900; i <= 50'000; ++i) EXPECT_EQ(index.lookup(3 * i).position, static_cast<uint32_t>(100 * i));
    EXPECT_EQ(cache.misses(), misses);
}

// Appended entries are written in small pieces: what waits in memory stays
// under a fixed limit however many entries the segment gets.
TEST(index_file, pending_entries_stay_bounded) {
    temp_dir dir;
    const auto path = dir.path() / "a.index";
    offset_index index;
    ASSERT_TRUE(index.open(path, 0, 10 << 20));
    for (int i = 1; i <= 10'000; ++i) {
        index.append(3 * i, static_cast<uint32_t>(100 * i));
        ASSERT_LT(index.entry_count() * 8 - std::filesystem::file_size(path), index_file::pending_limit_bytes);
    }
    EXPECT_EQ(index.lookup(3 * 5'000 + 1).position, 100u * 5'000);
    ASSERT_TRUE(index.persist());
    EXPECT_EQ(std::filesystem::file_size(path), 10'000u * 8);
}

// A cut below what the file holds must not leave blocks of the old content
// to be found again when new entries take their place.
TEST(index_file, truncation_drops_cached_blocks) {
    temp_dir dir;
    offset_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.index", 0, 10 << 20));
    fill(index, 0, 4'000);
    ASSERT_TRUE(index.persist());
    for (int i = 1; i <= 4'000; i += 7) ASSERT_EQ(index.lookup(3 * i).position, static_cast<uint32_t>(100 * i));
    ASSERT_TRUE(index.truncate_from(3 * 1'000));
    EXPECT_EQ(index.entry_count(), 999u);
    EXPECT_EQ(index.last_entry()->offset, 3 * 999);
    // New entries after the cut name other positions.
    for (int i = 1'000; i <= 4'000; ++i) index.append(3 * i, static_cast<uint32_t>(100 * i + 1));
    ASSERT_TRUE(index.persist());
    EXPECT_EQ(index.lookup(3 * 999).position, 100u * 999);
    EXPECT_EQ(index.lookup(3 * 2'500).position, 100u * 2'500 + 1);
    EXPECT_EQ(index.lookup(3 * 4'000).position, 100u * 4'000 + 1);
}

// A block cached while it was the partial last one is re-read once the
// file holds more of it.
TEST(index_file, lookups_see_entries_written_after_a_block_was_cached) {
    temp_dir dir;
    offset_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.index", 0, 10 << 20));
    fill(index, 0, 10);
    ASSERT_TRUE(index.persist());
    EXPECT_EQ(index.lookup(1'000).offset, 30);
    for (int i = 11; i <= 20; ++i) index.append(3 * i, static_cast<uint32_t>(100 * i));
    ASSERT_TRUE(index.persist());
    EXPECT_EQ(index.lookup(1'000).offset, 60);
    EXPECT_EQ(index.lookup(3 * 15).position, 1500u);
}

// The sanity check reads every entry: one going backwards in the middle of
// an otherwise good file is found.
TEST(index_file, load_rejects_entry_going_backwards_in_the_middle) {
    temp_dir dir;
    const auto path = dir.path() / "a.index";
    {
        offset_index index;
        ASSERT_TRUE(index.open(path, 0, 10 << 20));
        fill(index, 0, 20'000);
        ASSERT_TRUE(index.persist());
    }
    {
        std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
        f.seekp(8 * 12'345);
        const char backwards[8] = {0, 0, 0, 1, 0, 0, 0, 2};
        f.write(backwards, 8);
    }
    offset_index index;
    ASSERT_TRUE(index.open(path, 0, 10 << 20));
    EXPECT_FALSE(index.load(UINT32_MAX));
    EXPECT_EQ(index.entry_count(), 0u);
    EXPECT_FALSE(index.last_entry().has_value());
}

// What a Kafka-style preallocated index leaves after a crash: good entries,
// then zeros up to the preallocated size.
TEST(index_file, load_rejects_preallocated_zero_tail) {
    temp_dir dir;
    const auto path = dir.path() / "a.index";
    {
        offset_index index;
        ASSERT_TRUE(index.open(path, 0, 10 << 20));
        fill(index, 0, 100);
        ASSERT_TRUE(index.persist());
    }
    std::filesystem::resize_file(path, 10 << 20);
    offset_index index;
    ASSERT_TRUE(index.open(path, 0, 10 << 20));
    EXPECT_FALSE(index.load(UINT32_MAX));

    const auto time_path = dir.path() / "a.timeindex";
    {
        time_index times;
        ASSERT_TRUE(times.open(time_path, 0, 10 << 20));
        for (int i = 1; i <= 100; ++i) times.maybe_append(1000 + i, 3 * i);
        ASSERT_TRUE(times.persist());
    }
    std::filesystem::resize_file(time_path, 12 * 1000);
    time_index times;
    ASSERT_TRUE(times.open(time_path, 0, 10 << 20));
    EXPECT_FALSE(times.load());
}

// An index file cut or removed after it was loaded (by hand, a broken
// disk): lookups answer as if there were no entry there (the caller scans
// from further back), never crash, never name a position they did not read.
TEST(index_file, file_damaged_under_a_loaded_index_degrades_to_a_scan) {
    temp_dir dir;
    const auto path = dir.path() / "a.index";
    const auto time_path = dir.path() / "a.timeindex";
    {
        offset_index index;
        ASSERT_TRUE(index.open(path, 500, 10 << 20));
        fill(index, 500, 3'000);
        ASSERT_TRUE(index.persist());
        time_index times;
        ASSERT_TRUE(times.open(time_path, 500, 10 << 20));
        for (int i = 1; i <= 3'000; ++i) times.maybe_append(1000 + i, 500 + 3 * i);
        ASSERT_TRUE(times.persist());
    }
    offset_index index;
    ASSERT_TRUE(index.open(path, 500, 10 << 20));
    ASSERT_TRUE(index.load(UINT32_MAX));
    time_index times;
    ASSERT_TRUE(times.open(time_path, 500, 10 << 20));
    ASSERT_TRUE(times.load());

    std::filesystem::resize_file(path, 13);
    std::filesystem::remove(time_path);
    for (int64_t target : {int64_t{500}, int64_t{501}, int64_t{500 + 3 * 1'500}, int64_t{500 + 3 * 3'000}, INT64_MAX}) {
        auto found = index.lookup(target);
        EXPECT_TRUE(found.position == 0 || found.position == 100) << target;
        EXPECT_FALSE(times.last_entry_before(1000 + 2'000).has_value());
    }
    EXPECT_FALSE(index.last_entry_within(UINT32_MAX, INT64_MAX).has_value());
    // Cutting an index that cannot be read empties it.
    EXPECT_TRUE(index.truncate_from(500 + 3 * 100));
    EXPECT_EQ(index.entry_count(), 0u);
    EXPECT_EQ(std::filesystem::file_size(path), 0u);
}

TEST(time_index, lookups_through_a_small_cache) {
    temp_dir dir;
    cache_capacity guard(0);  // the minimum: a few blocks
    time_index index;
    ASSERT_TRUE(index.open(dir.path() / "a.timeindex", 0, 10 << 20));
    for (int i = 1; i <= 30'000; ++i) index.maybe_append(10 * i, 2 * i);
    ASSERT_TRUE(index.persist());
    std::mt19937_64 rng(9);
    for (int probe = 0; probe < 1000; ++probe) {
        int64_t ts = static_cast<int64_t>(rng() % 300'020);
        auto found = index.last_entry_before(ts);
        int64_t i = (ts - 1) / 10;  // the last entry with 10i < ts
        if (i < 1) {
            EXPECT_FALSE(found.has_value()) << ts;
        } else {
            i = std::min<int64_t>(i, 30'000);
            ASSERT_TRUE(found.has_value()) << ts;
            EXPECT_EQ(found->timestamp, 10 * i);
            EXPECT_EQ(found->offset, 2 * i);
        }
        ASSERT_LE(index_block_cache::local().bytes(), index_block_cache::min_blocks * index_block_cache::block_bytes);
    }
    ASSERT_TRUE(index.truncate_from(2 * 20'000));
    EXPECT_EQ(index.last_entry()->offset, 2 * 19'999);
    EXPECT_EQ(index.last_entry_before(INT64_MAX)->timestamp, 10 * 19'999);
}

}  // namespace
}  // namespace sluice::log
