// A partition whose index files are not what the log last wrote: left
// preallocated and zero-filled by a crash (as Kafka's mmap'd indexes are),
// overwritten with garbage, cut by a truncation, or taken away while the
// log is open. Each must end with reads that find every batch, never a
// crash; and the memory the indexes take must not grow with the log.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "log/index_block_cache.h"
#include "log/partition_log.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using protocol::error_code;
using namespace testing;

uint64_t size_of(const std::filesystem::path& p) { return std::filesystem::file_size(p); }

class index_recovery : public ::testing::Test {
protected:
    std::filesystem::path log_dir() const { return dir_.path() / "t-0"; }
    std::filesystem::path index_file() const { return segment_file(log_dir(), 0, ".index"); }
    std::filesystem::path time_file() const { return segment_file(log_dir(), 0, ".timeindex"); }

    static log_config dense_config() {
        log_config config;
        config.index_interval_bytes = 1;  // an entry for (nearly) every batch
        return config;
    }

    // 200 batches of 4 records, timestamps 1000 + 10 i.
    static void write_batches(partition_log& log, int batches = 200) {
        for (int i = 0; i < batches; ++i) {
            ASSERT_EQ(append_copy(log, make_batch(4, 1000 + i * 10), 5000).error, error_code::none);
        }
    }

    // Every offset reads back as the batch holding it, and time lookups agree.
    static void expect_every_offset_found(const partition_log& log) {
        for (int64_t offset = 0; offset < log.log_end_offset(); ++offset) {
            auto headers = read_headers(log.read(offset, 1, INT64_MAX));
            ASSERT_EQ(headers.size(), 1u) << offset;
            EXPECT_EQ(headers[0].base_offset, offset / 4 * 4) << offset;
        }
        EXPECT_EQ(log.offset_for_timestamp(1000 + 10 * 123), (offset_and_timestamp{4 * 123, 1000 + 10 * 123}));
    }

    static void pad_with_zeros(const std::filesystem::path& path, uint64_t size) {
        std::filesystem::resize_file(path, size);
    }

    temp_dir dir_;
};

// A crash leaves the index files of the active segment preallocated and
// zero-filled past their entries (Kafka's files after a kill, or what a
// broker that preallocates left): recovery rebuilds them to their real size.
TEST_F(index_recovery, preallocated_zero_tail_after_unclean_shutdown_is_rebuilt) {
    size_t entries = 0;
    {
        auto log = open_log(log_dir(), dense_config(), true);
        write_batches(*log);
        log->flush();
        entries = log->segments()[0]->offsets().entry_count();
    }  // crash
    ASSERT_GT(entries, 100u);
    pad_with_zeros(index_file(), 10 << 20);
    pad_with_zeros(time_file(), 12 * ((10 << 20) / 12));
    auto log = open_log(log_dir(), dense_config(), false);
    EXPECT_TRUE(log->recovered());
    EXPECT_EQ(log->segments()[0]->offsets().entry_count(), entries);
    EXPECT_EQ(size_of(index_file()), 8 * entries);
    EXPECT_EQ(size_of(time_file()), 12 * log->segments()[0]->times().entry_count());
    expect_every_offset_found(*log);
}

// The same files behind a clean-shutdown marker: the sanity check rejects
// them and the segment is rebuilt instead of trusted.
TEST_F(index_recovery, preallocated_zero_tail_after_clean_shutdown_is_rebuilt) {
    size_t entries = 0;
    {
        auto log = open_log(log_dir(), dense_config(), true);
        write_batches(*log);
        log->close();
        entries = log->segments()[0]->offsets().entry_count();
    }
    pad_with_zeros(index_file(), 10 << 20);
    auto log = open_log(log_dir(), dense_config(), true);
    EXPECT_EQ(log->recovery().indexes_rebuilt, 1u);
    EXPECT_EQ(size_of(index_file()), 8 * entries);
    expect_every_offset_found(*log);
}

// Garbage of a plausible size (whole entries) in either index.
TEST_F(index_recovery, garbage_indexes_are_rebuilt) {
    {
        auto log = open_log(log_dir(), dense_config(), true);
        write_batches(*log);
        log->close();
    }
    std::mt19937 rng(11);
    for (const auto& [path, size] : {std::pair{index_file(), size_t{8 * 300}}, std::pair{time_file(), size_t{12 * 300}}}) {
        std::string garbage(size, '\0');
        for (auto& c : garbage) c = static_cast<char>(rng());
        std::ofstream(path, std::ios::binary | std::ios::trunc) << garbage;
    }
    auto log = open_log(log_dir(), dense_config(), true);
    EXPECT_EQ(log->recovery().indexes_rebuilt, 1u);
    expect_every_offset_found(*log);
}

// A truncation (replication) cuts the index files with the log; the next
// clean open trusts them as they are.
TEST_F(index_recovery, truncation_keeps_index_files_trusted) {
    {
        auto log = open_log(log_dir(), dense_config(), true);
        write_batches(*log);
        log->truncate_to(4 * 150 + 2);  // inside batch 150: it goes too
        EXPECT_EQ(log->log_end_offset(), 4 * 150);
        EXPECT_EQ(log->segments()[0]->offsets().last_entry()->offset, 4 * 150 - 1);
        write_batches(*log, 50);
        log->close();
    }
    auto log = open_log(log_dir(), dense_config(), true);
    EXPECT_FALSE(log->recovered());
    EXPECT_EQ(log->recovery().indexes_rebuilt, 0u);
    EXPECT_EQ(log->log_end_offset(), 800);
    for (int64_t offset = 0; offset < 800; offset += 3) {
        EXPECT_EQ(read_headers(log->read(offset, 1, INT64_MAX)).at(0).base_offset, offset / 4 * 4) << offset;
    }
}

// Index files removed while the log is open (by hand, a broken disk):
// reads scan from the segment start and still find every batch.
TEST_F(index_recovery, index_files_removed_under_an_open_log) {
    auto log = open_log(log_dir(), dense_config(), true);
    write_batches(*log);
    log->flush();
    std::filesystem::remove(index_file());
    std::filesystem::remove(time_file());
    expect_every_offset_found(*log);
    write_batches(*log, 10);
    EXPECT_EQ(read_headers(log->read(4 * 205, 1, INT64_MAX)).at(0).base_offset, 4 * 205);
}

// Reading a log whose indexes are far larger than the cache: the cache
// stays within its capacity and nothing else keeps index entries.
TEST_F(index_recovery, index_memory_is_bounded_by_the_cache) {
    const size_t capacity = index_block_cache::min_blocks * index_block_cache::block_bytes;
    struct restore {
        size_t old = index_block_cache::capacity();
        ~restore() { index_block_cache::set_capacity(old); }
    } guard;
    index_block_cache::set_capacity(0);  // the minimum
    log_config config = dense_config();
    config.segment_bytes = 256 << 10;  // several closed segments
    {
        auto log = open_log(log_dir(), config, true);
        for (int i = 0; i < 5'000; ++i) {
            ASSERT_EQ(append_copy(*log, make_batch(1, 1000 + i, 8), 5000).error, error_code::none);
        }
        log->close();
    }
    auto log = open_log(log_dir(), config, true);
    ASSERT_FALSE(log->recovered());
    size_t entries = 0;
    for (const auto& seg : log->segments()) entries += seg->offsets().entry_count();
    EXPECT_GT(entries * 8, 2 * capacity);
    for (int64_t offset = 0; offset < log->log_end_offset(); ++offset) {
        ASSERT_EQ(read_headers(log->read(offset, 1, INT64_MAX)).at(0).base_offset, offset);
        ASSERT_LE(index_block_cache::local().bytes(), capacity);
    }
}

}  // namespace
}  // namespace sluice::log
