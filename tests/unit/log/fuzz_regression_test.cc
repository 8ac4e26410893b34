// Inputs the fuzzers of tests/fuzz/ found, one named test each. The same
// inputs are in tests/fuzz/regressions/segment_recovery/, which `make test`
// replays under the fuzzer too.
#include <gtest/gtest.h>

#include <fstream>
#include <limits>

#include "log/format.h"
#include "log/partition_log.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using protocol::error_code;
using namespace testing;

constexpr int64_t int64_max = std::numeric_limits<int64_t>::max();

void write_file(const std::filesystem::path& p, const protocol::bytes& data) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
}

class segment_fuzz_regression : public ::testing::Test {
protected:
    std::filesystem::path log_dir() const { return dir_.path() / "t-0"; }
    std::filesystem::path segment(std::string_view suffix) const { return segment_file(log_dir(), 0, suffix); }
    std::unique_ptr<partition_log> open(bool clean_shutdown) {
        error_code error;
        auto log = partition_log::open(log_dir(), {"t", 0}, log_config{}, clean_shutdown, error);
        EXPECT_EQ(error, error_code::none);
        return log;
    }

    temp_dir dir_;
};

// recovery-last-offset-overflow: a header at the start of a crashed
// segment with base offset INT64_MAX and last offset delta 0x636300.
// Recovery computed last_offset() (base + delta) before checking the CRC:
// a signed overflow. Such a header is now implausible, and cut.
TEST_F(segment_fuzz_regression, recovery_cuts_batch_whose_last_offset_overflows) {
    const protocol::bytes log_bytes = {
        0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x31,
        0x00, 0x00, 0x00, 0x02, 0x02, 0xa8, 0x13, 0xe5, 0x68, 0x61, 0x63, 0x00,
        0x63, 0x63, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x63, 0x00, 0x63,
        0x63, 0x00, 0x63, 0x00, 0x63, 0x63, 0x00, 0x00, 0x30, 0x63, 0x63, 0x63,
        0x63, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x63, 0x2e, 0x74, 0x6d, 0x70,
        0x00,
    };
    std::filesystem::create_directories(log_dir());
    write_file(segment(format::log_suffix), log_bytes);

    auto log = open(false);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->log_end_offset(), 0);
    EXPECT_EQ(log->recovery().bytes_truncated, log_bytes.size());
}

// trusted-last-offset-overflow (the fuzzer's input is a whole segment; this
// is its shape): after a clean shutdown, a segment whose last batch ends at
// offset INT64_MAX. Loading it trusted computed the log end as
// last_offset() + 1: a signed overflow. The batch is now implausible, so
// the segment is recovered and the batch cut.
TEST_F(segment_fuzz_regression, trusted_load_refuses_batch_ending_at_int64_max) {
    std::filesystem::create_directories(log_dir());
    protocol::bytes batch = make_batch(1, 1000);
    protocol::set_base_offset(batch.data(), int64_max);
    write_file(segment(format::log_suffix), batch);
    write_file(segment(format::offset_index_suffix), {});
    write_file(segment(format::time_index_suffix), {});

    auto log = open(true);
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->log_end_offset(), 0);
    EXPECT_TRUE(log->recovered());
    EXPECT_EQ(log->recovery().bytes_truncated, batch.size());
}

}  // namespace
}  // namespace sluice::log
