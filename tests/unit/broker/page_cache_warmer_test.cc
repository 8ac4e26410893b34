// page_residency and page_cache_warmer on a real file whose pages were
// dropped with posix_fadvise(DONTNEED): a dropped range reads as missing, a
// warmed one as resident, and the warmer hands its answer (and the slices'
// keepalives) back on the executor it was given.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "broker/net/page_cache_warmer.h"
#include "broker/net/page_residency.h"
#include "unit/temp_dir.h"

namespace sluice::broker {
namespace {

constexpr uint64_t mib = 1024 * 1024;

class dropped_file : public ::testing::Test {
protected:
    void SetUp() override {
        path_ = dir_.path() / "segment.log";
        fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT, 0644);
        ASSERT_GE(fd_, 0);
        std::vector<uint8_t> chunk(mib, 0x5a);
        for (int i = 0; i < 4; ++i) ASSERT_EQ(::write(fd_, chunk.data(), chunk.size()), ssize_t(mib));
        // Only clean pages can be dropped.
        ASSERT_EQ(::fdatasync(fd_), 0);
    }
    void TearDown() override { ::close(fd_); }

    // Drops [offset, offset + length); skips the test where the file system
    // keeps its pages regardless (tmpfs). Ranges are 2 MiB-aligned: a page
    // cache of large folios drops only whole folios.
    void drop(uint64_t offset, uint64_t length) {
        ASSERT_EQ(::posix_fadvise(fd_, off_t(offset), off_t(length), POSIX_FADV_DONTNEED), 0);
        if (page_residency(fd_, offset, length) != residency::missing) {
            GTEST_SKIP() << "the file system of /tmp keeps pages after DONTNEED";
        }
    }

    protocol::file_slice slice(uint64_t offset, uint32_t length, std::shared_ptr<const void> keepalive = {}) {
        return protocol::file_slice{fd_, offset, length, std::move(keepalive)};
    }

    testing::temp_dir dir_{"sluice-warmer"};
    std::filesystem::path path_;
    int fd_ = -1;
};

TEST_F(dropped_file, a_written_file_is_resident) {
    EXPECT_EQ(page_residency(fd_, 0, 4 * mib), residency::resident);
    EXPECT_EQ(page_residency_mincore(fd_, 0, 4 * mib), residency::resident);
}

TEST_F(dropped_file, dropped_pages_are_missing_for_both_checks) {
    drop(0, 4 * mib);
    if (IsSkipped()) return;
    EXPECT_EQ(page_residency(fd_, 0, 4 * mib), residency::missing);
    EXPECT_EQ(page_residency_mincore(fd_, 0, 4 * mib), residency::missing);
    EXPECT_EQ(page_residency(fd_, 100, 1), residency::missing);
}

TEST_F(dropped_file, one_dropped_page_makes_the_range_missing) {
    drop(2 * mib, 2 * mib);
    if (IsSkipped()) return;
    EXPECT_EQ(page_residency(fd_, 0, 2 * mib), residency::resident);
    EXPECT_EQ(page_residency(fd_, 0, 2 * mib + 1), residency::missing);
    EXPECT_EQ(page_residency_mincore(fd_, 0, 2 * mib), residency::resident);
    EXPECT_EQ(page_residency_mincore(fd_, 1, 2 * mib), residency::missing);
}

TEST_F(dropped_file, empty_range_is_resident_and_a_bad_fd_unknown) {
    EXPECT_EQ(page_residency(fd_, 0, 0), residency::resident);
    EXPECT_EQ(page_residency(-1, 0, 4096), residency::unknown);
    EXPECT_EQ(page_residency_mincore(-1, 0, 4096), residency::unknown);
}

TEST_F(dropped_file, warming_makes_a_dropped_range_resident) {
    drop(0, 4 * mib);
    if (IsSkipped()) return;
    // Two slices in one job, with a hole between them that stays cold.
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    auto keepalive = std::make_shared<int>(0);
    std::weak_ptr<int> watch = keepalive;
    std::thread::id ran_on;
    bool done = false;
    page_cache_warmer warmer;
    warmer.warm({slice(4096, uint32_t(mib), keepalive), slice(3 * mib, uint32_t(mib) - 1, keepalive)},
                io.get_executor(), [&] {
                    done = true;
                    ran_on = std::this_thread::get_id();
                    work.reset();
                });
    keepalive.reset();
    io.run();  // until `done` has run

    ASSERT_TRUE(done);
    EXPECT_EQ(ran_on, std::this_thread::get_id());
    EXPECT_TRUE(watch.expired()) << "the slices are released with the answer, on the executor";
    EXPECT_EQ(page_residency(fd_, 4096, mib), residency::resident);
    EXPECT_EQ(page_residency(fd_, 3 * mib, mib - 1), residency::resident);
    EXPECT_EQ(page_residency_mincore(fd_, 4096, mib), residency::resident);
    // Warming reads the slices, not the whole file: the kernel's readahead
    // may spill past a slice's end, but not back to the file's first page.
    EXPECT_EQ(page_residency(fd_, 0, 4096), residency::missing);
}

TEST_F(dropped_file, jobs_finish_in_the_order_given) {
    drop(0, 4 * mib);
    if (IsSkipped()) return;
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    std::vector<int> order;
    page_cache_warmer warmer;
    for (int i = 0; i < 4; ++i) {
        warmer.warm({slice(uint64_t(i) * mib, uint32_t(mib))}, io.get_executor(), [&, i] {
            order.push_back(i);
            if (i == 3) work.reset();
        });
    }
    io.run();
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST_F(dropped_file, stop_drops_queued_jobs_without_answering) {
    boost::asio::io_context io;
    int answered = 0;
    page_cache_warmer warmer;
    warmer.stop();
    warmer.warm({slice(0, 4096)}, io.get_executor(), [&] { ++answered; });
    io.run();
    EXPECT_EQ(answered, 0);
}

TEST_F(dropped_file, a_slice_past_the_end_of_the_file_does_not_hang) {
    drop(0, 4 * mib);
    if (IsSkipped()) return;
    boost::asio::io_context io;
    auto work = boost::asio::make_work_guard(io);
    bool done = false;
    page_cache_warmer warmer;
    // The file was truncated under a fetch: the send reports it, the warmer
    // only has to come back.
    warmer.warm({slice(3 * mib, uint32_t(4 * mib))}, io.get_executor(), [&] {
        done = true;
        work.reset();
    });
    io.run();
    EXPECT_TRUE(done);
}

}  // namespace
}  // namespace sluice::broker
