// The cleaner's building blocks: key map bounds, throttler arithmetic,
// failure isolation between logs, the thread pool.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <future>

#include "compaction/cleaner_pool.h"
#include "compaction/key_map.h"
#include "compaction/throttler.h"
#include "unit/compaction/compaction_test_util.h"

namespace sluice::compaction {
namespace {

using namespace testing;

key_hash hash_of(int i) {
    std::string k = "key-" + std::to_string(i);
    return hash_key(protocol::bytes_view(reinterpret_cast<const uint8_t*>(k.data()), k.size()));
}

TEST(key_map, memory_stays_within_budget) {
    for (size_t budget : {size_t{0}, size_t{23}, size_t{24}, size_t{1000}, size_t{1} << 20}) {
        key_map map(budget, 0.9);
        EXPECT_LE(map.allocated_bytes(), budget);
        EXPECT_LE(static_cast<double>(map.max_entries()), 0.9 * static_cast<double>(map.slots()));
        size_t inserted = 0;
        for (int i = 0; i < 100000; ++i) {
            auto r = map.put(hash_of(i), i);
            if (r == key_map::put_result::full) break;
            ++inserted;
        }
        EXPECT_EQ(inserted, map.max_entries());
        EXPECT_LE(map.allocated_bytes(), budget);
    }
}

TEST(key_map, latest_offset_per_key_and_misses) {
    key_map map(24 * 1000, 0.9);
    for (int i = 0; i < 500; ++i) ASSERT_EQ(map.put(hash_of(i % 100), i), i < 100 ? key_map::put_result::inserted
                                                                                 : key_map::put_result::updated);
    EXPECT_EQ(map.size(), 100u);
    for (int k = 0; k < 100; ++k) EXPECT_EQ(map.get(hash_of(k)), 400 + k);
    EXPECT_EQ(map.get(hash_of(12345)), -1);
    map.clear();
    EXPECT_EQ(map.get(hash_of(1)), -1);
    EXPECT_EQ(map.size(), 0u);
}

TEST(throttler, sleeps_exactly_to_hold_the_rate) {
    int64_t now = 0;
    int64_t slept = 0;
    throttler t(1000.0 /* B/s */, 0.1, [&] { return now; }, [&](int64_t ns) { slept += ns; now += ns; });
    EXPECT_EQ(t.acquire(100), 0);  // the burst (0.1 s worth) is free
    EXPECT_EQ(t.acquire(500), 500'000'000);  // 500 B in debt at 1000 B/s
    EXPECT_EQ(slept, 500'000'000);
    // Steady state: 10 x 1000 B take 10 s.
    slept = 0;
    for (int i = 0; i < 10; ++i) t.acquire(1000);
    EXPECT_NEAR(static_cast<double>(slept), 10e9, 1e6);
    // Idle time refills at most the burst.
    now += 60'000'000'000;
    EXPECT_EQ(t.acquire(100), 0);
    EXPECT_GT(t.acquire(1), 0);
}

TEST(throttler, unlimited_never_sleeps) {
    throttler t(std::numeric_limits<double>::infinity());
    EXPECT_TRUE(t.unlimited());
    EXPECT_EQ(t.acquire(uint64_t{1} << 40), 0);
    EXPECT_TRUE(throttler(0).unlimited());
}

TEST(failure_isolation, corrupt_segment_fails_only_its_log) {
    temp_dir dir;
    protocol::error_code error;
    log::partition_log::open_options options;
    options.now_ms = 1000;
    auto bad = log::partition_log::open(dir.path() / "bad-0", {"bad", 0}, compact_config(), options, error);
    auto good = log::partition_log::open(dir.path() / "good-0", {"good", 0}, compact_config(), options, error);
    for (auto* log : {bad.get(), good.get()}) {
        append_segment(*log, {{"a", "a1"}, {"b", "b1"}}, 1000);
        append_segment(*log, {{"a", "a2"}}, 2000);
        append(*log, {{"x", "x"}}, 3000);
    }
    // Flip a byte inside the first batch's records: its CRC no longer matches.
    int fd = ::open(bad->segments()[0]->log_path().c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    uint8_t byte = 0;
    ASSERT_EQ(::pread(fd, &byte, 1, 70), 1);
    byte ^= 0xff;
    ASSERT_EQ(::pwrite(fd, &byte, 1, 70), 1);
    ::close(fd);

    log_cleaner lc(small_cleaner_config());
    cleaner worker(small_cleaner_config(), nullptr);
    EXPECT_EQ(clean_once(lc, worker, *bad, 5000), commit_outcome::failed);
    EXPECT_TRUE(lc.failed({"bad", 0}));
    EXPECT_EQ(clean_once(lc, worker, *good, 5000), commit_outcome::committed);
    EXPECT_FALSE(lc.failed({"good", 0}));
    EXPECT_EQ(read_all(*good).size(), 3u);
    // Backing off, then retried (and failing again: the data is still bad).
    EXPECT_FALSE(lc.plan(*bad, 5500).has_value());
    EXPECT_EQ(clean_once(lc, worker, *bad, 5000 + 1000), commit_outcome::failed);
    EXPECT_EQ(count_files_with(bad->dir(), ".cleaned"), 0u);
}

TEST(cleaner_pool, runs_tasks_off_thread_and_commit_on_owner) {
    temp_dir dir;
    auto log = open_log(dir.path(), compact_config());
    append_segment(*log, {{"a", "a1"}}, 1000);
    append_segment(*log, {{"a", "a2"}}, 2000);
    append(*log, {{"x", "x"}}, 3000);
    auto config = small_cleaner_config();
    config.threads = 2;
    log_cleaner lc(config);
    cleaner_pool pool(config);
    pool.start();
    std::promise<clean_result> done;
    auto task = lc.plan(*log, 5000);
    ASSERT_TRUE(task.has_value());
    pool.submit(std::move(*task), [&](clean_result r) { done.set_value(std::move(r)); });
    clean_result result = done.get_future().get();  // "posted back to the owner"
    EXPECT_EQ(lc.commit(*log, result, 5000), commit_outcome::committed);
    EXPECT_EQ(read_all(*log).size(), 2u);
    pool.stop();
}

}  // namespace
}  // namespace sluice::compaction
