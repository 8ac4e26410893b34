// read_for_fetch without wait_for_disk, and lookups by timestamp with a
// `cold` out-parameter: batches come only from the page cache. A header or
// batch that is not resident makes the read stop with the range to read in
// (`cold`) instead of waiting for the disk on the owner.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "log/partition_log.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using namespace testing;
namespace fs = std::filesystem;

// Drops the .log files' pages from the page cache (written back first), as
// a dropped cache or memory pressure leaves old segments.
bool evict(const fs::path& dir) {
    bool ok = true;
    for (const auto& item : fs::directory_iterator(dir)) {
        if (item.path().extension() != ".log") continue;
        int fd = ::open(item.path().c_str(), O_RDONLY);
        if (fd < 0) return false;
        ok = ::fdatasync(fd) == 0 && ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0 && ok;
        ::close(fd);
    }
    return ok;
}

struct cold_fetch_read_test : ::testing::Test {
    temp_dir dir;
    std::unique_ptr<partition_log> log;

    void SetUp() override {
        protocol::error_code error;
        partition_log::open_options options;
        options.clean_shutdown = true;
        options.now_ms = 1000;
        log = partition_log::open(dir.path() / "t-0", {"t", 0}, small_config(), options, error);
        ASSERT_NE(log, nullptr);
        // Batches of 64 KiB, so each lives on its own pages.
        for (int b = 0; b < 8; ++b) {
            ASSERT_EQ(append_copy(*log, make_batch(4, 1000 + 100 * b, 16 * 1024), 2000).error,
                      protocol::error_code::none);
        }
        log->set_high_watermark(log->log_end_offset());
    }
};

TEST_F(cold_fetch_read_test, a_cold_header_is_reported_not_read) {
    ASSERT_TRUE(evict(log->dir()));
    auto cold = log->read_for_fetch(8, 1 << 20, log->log_end_offset(), true, /*wait_for_disk=*/false);
    ASSERT_EQ(cold.error, protocol::error_code::none);
    ASSERT_TRUE(cold.cold.has_value()) << "the header was not in the page cache: the read must not wait for it";
    EXPECT_TRUE(cold.slices.empty());
    EXPECT_GT(cold.cold->length, 0u);
    EXPECT_NE(cold.cold->keepalive, nullptr);

    // Read in (what the page cache warmer does), then asked again; a read
    // that goes on into the next segment may find that one cold too.
    auto warm = cold;
    int rounds = 0;
    while (warm.cold && rounds++ < 8) {
        std::vector<uint8_t> buffer(warm.cold->length);
        ASSERT_EQ(::pread(warm.cold->fd, buffer.data(), buffer.size(), static_cast<off_t>(warm.cold->offset)),
                  static_cast<ssize_t>(buffer.size()));
        warm = log->read_for_fetch(8, 1 << 20, log->log_end_offset(), true, /*wait_for_disk=*/false);
    }
    EXPECT_FALSE(warm.cold.has_value());
    auto waited = log->read_for_fetch(8, 1 << 20, log->log_end_offset(), true);
    ASSERT_FALSE(warm.slices.empty());
    EXPECT_EQ(warm.bytes, waited.bytes);
    EXPECT_EQ(warm.slices[0].offset, waited.slices[0].offset);
}

TEST_F(cold_fetch_read_test, waiting_reads_are_unchanged_on_cold_data) {
    ASSERT_TRUE(evict(log->dir()));
    auto read = log->read_for_fetch(8, 1 << 20, log->log_end_offset(), true);
    EXPECT_FALSE(read.cold.has_value());
    ASSERT_FALSE(read.slices.empty());
    EXPECT_EQ(read.error, protocol::error_code::none);
}

TEST_F(cold_fetch_read_test, warm_data_reads_the_same_either_way) {
    auto nowait = log->read_for_fetch(12, 100 * 1024, log->log_end_offset(), true, false);
    auto waited = log->read_for_fetch(12, 100 * 1024, log->log_end_offset(), true);
    EXPECT_FALSE(nowait.cold.has_value());
    EXPECT_EQ(nowait.bytes, waited.bytes);
    EXPECT_EQ(nowait.first_batch_cut, waited.first_batch_cut);
    ASSERT_EQ(nowait.slices.size(), waited.slices.size());
}

// Reads in what a lookup reported (the page cache warmer's job) and asks
// again, until it needs nothing more.
template <typename Lookup>
auto warm_until_answered(Lookup lookup, int& rounds) {
    std::optional<protocol::file_slice> cold;
    auto found = lookup(&cold);
    while (cold && rounds < 8) {
        ++rounds;
        std::vector<uint8_t> buffer(cold->length);
        EXPECT_EQ(::pread(cold->fd, buffer.data(), buffer.size(), static_cast<off_t>(cold->offset)),
                  static_cast<ssize_t>(buffer.size()));
        cold.reset();
        found = lookup(&cold);
    }
    EXPECT_FALSE(cold.has_value());
    return found;
}

TEST_F(cold_fetch_read_test, a_cold_timestamp_lookup_is_reported_not_read) {
    const auto waited = log->offset_for_timestamp(1502);
    ASSERT_TRUE(waited.has_value());
    EXPECT_EQ(waited->offset, 22);  // batch 5, its third record
    ASSERT_TRUE(evict(log->dir()));
    std::optional<protocol::file_slice> cold;
    EXPECT_FALSE(log->offset_for_timestamp(1502, &cold).has_value());
    ASSERT_TRUE(cold.has_value()) << "the batch was not in the page cache: the lookup must not wait for it";
    EXPECT_GT(cold->length, 0u);
    EXPECT_NE(cold->keepalive, nullptr);

    int rounds = 0;
    auto found = warm_until_answered([&](auto* c) { return log->offset_for_timestamp(1502, c); }, rounds);
    EXPECT_GE(rounds, 1);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->offset, waited->offset);
    EXPECT_EQ(found->timestamp, waited->timestamp);
}

TEST_F(cold_fetch_read_test, a_cold_max_timestamp_lookup_is_reported_not_read) {
    const auto waited = log->max_timestamp();
    ASSERT_TRUE(waited.has_value());
    EXPECT_EQ(waited->offset, 31);
    ASSERT_TRUE(evict(log->dir()));
    int rounds = 0;
    auto found = warm_until_answered([&](auto* c) { return log->max_timestamp(c); }, rounds);
    EXPECT_GE(rounds, 1);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->offset, waited->offset);
    EXPECT_EQ(found->timestamp, waited->timestamp);
}

TEST_F(cold_fetch_read_test, warm_timestamp_lookups_need_nothing_read_in) {
    for (int64_t t : {int64_t{0}, int64_t{1000}, int64_t{1350}, int64_t{1703}, int64_t{1704}}) {
        std::optional<protocol::file_slice> cold;
        auto nowait = log->offset_for_timestamp(t, &cold);
        EXPECT_FALSE(cold.has_value()) << t;
        auto waited = log->offset_for_timestamp(t);
        ASSERT_EQ(nowait.has_value(), waited.has_value()) << t;
        if (waited) {
            EXPECT_EQ(nowait->offset, waited->offset) << t;
        }
    }
}

}  // namespace
}  // namespace sluice::log
