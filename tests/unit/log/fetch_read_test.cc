// partition_log::read_for_fetch: Kafka's fetch read (LogSegment.read), the
// log's bytes from the batch holding the offset, cut at the byte limit even
// inside a batch, never past the high watermark.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "log/partition_log.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using protocol::error_code;
using namespace testing;

protocol::bytes whole_log(const partition_log& log) { return slice_bytes(log.read(0, SIZE_MAX, INT64_MAX)); }

TEST(fetch_read, min_one_batch_returns_a_first_batch_larger_than_the_limit) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    auto batch = make_batch(2, 100, 500);
    for (int i = 0; i < 3; ++i) append_copy(*log, batch, 200);
    auto read = log->read_for_fetch(2, 10, INT64_MAX, /*min_one_batch=*/true);
    ASSERT_EQ(read.error, error_code::none);
    EXPECT_FALSE(read.first_batch_cut);
    auto headers = read_headers(read);
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_EQ(headers[0].base_offset, 2);
}

TEST(fetch_read, without_min_one_batch_the_first_batch_is_cut) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    auto batch = make_batch(2, 100, 500);
    for (int i = 0; i < 3; ++i) append_copy(*log, batch, 200);
    auto read = log->read_for_fetch(0, 10, INT64_MAX, /*min_one_batch=*/false);
    EXPECT_TRUE(read.first_batch_cut);
    EXPECT_EQ(read.bytes, 10u);
    auto log_bytes = whole_log(*log);
    EXPECT_EQ(slice_bytes(read), protocol::bytes(log_bytes.begin(), log_bytes.begin() + 10));

    auto none = log->read_for_fetch(0, 0, INT64_MAX, false);
    EXPECT_TRUE(none.first_batch_cut);
    EXPECT_TRUE(none.slices.empty());
}

TEST(fetch_read, a_later_batch_is_cut_at_the_limit) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    auto batch = make_batch(2, 100, 500);
    for (int i = 0; i < 3; ++i) append_copy(*log, batch, 200);
    const size_t limit = batch.size() * 2 + 7;
    for (bool min_one : {false, true}) {
        auto read = log->read_for_fetch(0, limit, INT64_MAX, min_one);
        EXPECT_FALSE(read.first_batch_cut);
        EXPECT_EQ(read.bytes, limit);
        auto log_bytes = whole_log(*log);
        EXPECT_EQ(slice_bytes(read), protocol::bytes(log_bytes.begin(), log_bytes.begin() + limit));
    }
}

TEST(fetch_read, stops_before_the_batch_holding_the_high_watermark) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    auto batch = make_batch(5, 100);
    for (int i = 0; i < 4; ++i) append_copy(*log, batch, 200);
    EXPECT_EQ(log->read_for_fetch(0, 1 << 20, 10, true).bytes, batch.size() * 2);
    // A batch straddling the high watermark is not served, even as the first.
    EXPECT_EQ(log->read_for_fetch(0, 1 << 20, 12, true).bytes, batch.size() * 2);
    EXPECT_TRUE(log->read_for_fetch(10, 1 << 20, 12, true).slices.empty());
    EXPECT_TRUE(log->read_for_fetch(10, 1 << 20, 10, true).slices.empty());
}

TEST(fetch_read, starts_at_the_batch_holding_the_offset) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    auto batch = make_batch(5, 100);
    for (int i = 0; i < 2; ++i) append_copy(*log, batch, 200);
    auto headers = read_headers(log->read_for_fetch(7, 1 << 20, INT64_MAX, true));
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_EQ(headers[0].base_offset, 5);
}

TEST(fetch_read, offsets_outside_the_log_are_out_of_range) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    append_copy(*log, make_batch(3, 100), 200);
    EXPECT_EQ(log->read_for_fetch(4, 100, INT64_MAX, true).error, error_code::offset_out_of_range);
    EXPECT_EQ(log->read_for_fetch(-1, 100, INT64_MAX, true).error, error_code::offset_out_of_range);
    auto at_end = log->read_for_fetch(3, 100, INT64_MAX, true);
    EXPECT_EQ(at_end.error, error_code::none);
    EXPECT_TRUE(at_end.slices.empty());
    EXPECT_FALSE(at_end.first_batch_cut);
}

TEST(fetch_read, unlimited_read_is_the_whole_log_across_segments) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", small_config(), true);
    for (int i = 0; i < 100; ++i) append_copy(*log, make_batch(3, 100), 200);
    ASSERT_GT(log->segment_count(), 2u);
    auto read = log->read_for_fetch(0, SIZE_MAX, INT64_MAX, false);
    EXPECT_EQ(read.slices.size(), log->segment_count());
    EXPECT_EQ(slice_bytes(read), whole_log(*log));
}

// Every start, limit, high watermark and min_one_batch against a model built
// from the whole log's bytes, on a log of several segments.
TEST(fetch_read, matches_the_byte_model_everywhere) {
    temp_dir dir;
    log_config config = small_config();
    auto log = open_log(dir.path() / "t-0", config, true);
    for (int i = 0; i < 40; ++i) append_copy(*log, make_batch(1 + i % 4, 100, 10 + i * 37 % 400), 200);
    ASSERT_GT(log->segment_count(), 2u);
    const auto log_bytes = whole_log(*log);
    const auto batches = all_batches(*log);
    std::vector<uint64_t> positions;
    uint64_t at = 0;
    for (const auto& b : batches) {
        positions.push_back(at);
        at += b.total_size();
    }
    // Where the batch holding `offset` starts (the end of the log if none).
    auto position_of = [&](int64_t offset) {
        for (size_t i = 0; i < batches.size(); ++i) {
            if (batches[i].last_offset() >= offset) return std::pair{positions[i], i};
        }
        return std::pair{uint64_t{log_bytes.size()}, batches.size()};
    };

    for (int64_t offset = 0; offset <= log->log_end_offset(); offset += 2) {
        for (size_t limit : {0ul, 1ul, 150ul, 1000ul, 5000ul, 20000ul}) {
            for (int64_t hw : {int64_t{30}, int64_t{61}, INT64_MAX}) {
                for (bool min_one : {false, true}) {
                    auto got = log->read_for_fetch(offset, limit, hw, min_one);
                    ASSERT_EQ(got.error, error_code::none);
                    uint64_t start = 0, end = 0;
                    bool cut = false;
                    if (offset < std::min(hw, log->log_end_offset())) {
                        auto [first, index] = position_of(offset);
                        size_t max = limit;
                        if (min_one) max = std::max<size_t>(max, batches[index].total_size());
                        cut = max < batches[index].total_size();
                        start = first;
                        end = std::min<uint64_t>(position_of(hw).first, start + max);
                        end = std::max(end, start);
                    }
                    EXPECT_EQ(got.first_batch_cut, cut) << offset << " " << limit << " " << hw << " " << min_one;
                    EXPECT_EQ(slice_bytes(got), protocol::bytes(log_bytes.begin() + static_cast<ptrdiff_t>(start),
                                                                 log_bytes.begin() + static_cast<ptrdiff_t>(end)))
                        << offset << " " << limit << " " << hw << " " << min_one;
                }
            }
        }
    }
}

// Reads at and near the end start from the batches the segment remembers
// appending, not from a scan from the last index entry; either way they must
// start at the batch holding the offset, also after a truncation.
TEST(fetch_read, every_offset_is_found_in_its_batch_near_the_end_and_after_a_truncation) {
    temp_dir dir;
    log_config config;
    config.index_interval_bytes = 1 << 20;  // no index entries: everything rests on the scan or the memory
    auto log = open_log(dir.path() / "t-0", config, true);
    auto check = [&] {
        std::vector<protocol::batch_header> all = read_headers(log->read(0, SIZE_MAX, INT64_MAX));
        ASSERT_FALSE(all.empty());
        for (const auto& expected : all) {
            for (int64_t o = expected.base_offset; o <= expected.last_offset(); ++o) {
                auto read = log->read_for_fetch(o, 1 << 20, INT64_MAX, true);
                auto got = read_headers(read);
                ASSERT_FALSE(got.empty()) << o;
                EXPECT_EQ(got.front().base_offset, expected.base_offset) << o;
                EXPECT_EQ(got.back().last_offset(), log->log_end_offset() - 1) << o;
            }
        }
    };
    for (int i = 0; i < 40; ++i) append_copy(*log, make_batch(3, 100), 200);  // more than it remembers
    check();
    log->truncate_to(60);
    for (int i = 0; i < 5; ++i) append_copy(*log, make_batch(2, 300), 400);
    ASSERT_EQ(log->log_end_offset(), 70);
    check();
}

}  // namespace
}  // namespace sluice::log
