#include "log/partition_log.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "log_test_util.h"

namespace sluice::log {
namespace {

using protocol::error_code;
using namespace testing;

TEST(partition_log, new_log_is_empty) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->log_start_offset(), 0);
    EXPECT_EQ(log->log_end_offset(), 0);
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_TRUE(std::filesystem::exists(segment_file(log->dir(), 0, ".log")));
    auto result = log->read(0, 1000, INT64_MAX);
    EXPECT_EQ(result.error, error_code::none);
    EXPECT_TRUE(result.slices.empty());
}

TEST(partition_log, append_then_read_round_trips_bytes) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    protocol::bytes batch = make_batch(3, 5000);
    protocol::bytes appended = batch;
    auto result = log->append(appended, 7, 6000);
    ASSERT_EQ(result.error, error_code::none);
    EXPECT_EQ(result.base_offset, 0);
    EXPECT_EQ(result.last_offset, 2);
    EXPECT_EQ(result.log_append_time_ms, -1);
    EXPECT_EQ(log->log_end_offset(), 3);

    auto read = log->read(0, 1 << 20, INT64_MAX);
    ASSERT_EQ(read.error, error_code::none);
    EXPECT_EQ(read.bytes, batch.size());
    EXPECT_EQ(slice_bytes(read), appended);  // stored exactly as rewritten in place
    auto headers = read_headers(read);
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_EQ(headers[0].partition_leader_epoch, 7);
    std::vector<protocol::record> records;
    ASSERT_EQ(protocol::decode_records(appended, records), error_code::none);
    EXPECT_EQ(records[2].offset, 2);
}

TEST(partition_log, offsets_are_contiguous_across_batches_and_segments) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", small_config(), true);
    int64_t expected = 0;
    for (int i = 0; i < 100; ++i) {
        auto result = append_copy(*log, make_batch(1 + i % 7, 1000 + i), 2000);
        ASSERT_EQ(result.error, error_code::none);
        EXPECT_EQ(result.base_offset, expected);
        expected = result.last_offset + 1;
    }
    EXPECT_GT(log->segment_count(), 3u);
    int64_t next = 0;
    for (const auto& h : all_batches(*log)) {
        EXPECT_EQ(h.base_offset, next);
        next = h.last_offset() + 1;
    }
    EXPECT_EQ(next, log->log_end_offset());
    for (const auto& seg : log->segments()) EXPECT_LE(seg->size(), 4096u);
}

TEST(partition_log, several_batches_in_one_append) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    protocol::bytes buffer;
    for (int count : {2, 5, 1}) {
        auto b = make_batch(count, 100);
        buffer.insert(buffer.end(), b.begin(), b.end());
    }
    auto result = log->append(buffer, 0, 200);
    ASSERT_EQ(result.error, error_code::none);
    EXPECT_EQ(result.base_offset, 0);
    EXPECT_EQ(result.last_offset, 7);
    auto headers = all_batches(*log);
    ASSERT_EQ(headers.size(), 3u);
    EXPECT_EQ(headers[1].base_offset, 2);
    EXPECT_EQ(headers[2].base_offset, 7);
}

TEST(partition_log, rolls_when_segment_bytes_reached) {
    temp_dir dir;
    auto batch = make_batch(5, 100);
    log_config config;
    config.segment_bytes = static_cast<int64_t>(batch.size() * 4 + batch.size() / 2);  // room for 4
    auto log = open_log(dir.path() / "t-0", config, true);
    for (int i = 0; i < 4; ++i) append_copy(*log, batch, 200);
    EXPECT_EQ(log->segment_count(), 1u);
    append_copy(*log, batch, 200);
    ASSERT_EQ(log->segment_count(), 2u);
    EXPECT_EQ(log->segments()[1]->base_offset(), 20);
    EXPECT_TRUE(std::filesystem::exists(segment_file(log->dir(), 20, ".log")));
    EXPECT_TRUE(std::filesystem::exists(segment_file(log->dir(), 20, ".index")));
    EXPECT_TRUE(std::filesystem::exists(segment_file(log->dir(), 20, ".timeindex")));
}

TEST(partition_log, rolls_when_segment_ms_passed) {
    temp_dir dir;
    log_config config;
    config.segment_ms = 1000;
    auto log = open_log(dir.path() / "t-0", config, true);
    append_copy(*log, make_batch(1, 0), 10'000);
    log->roll_if_due(10'999);
    EXPECT_EQ(log->segment_count(), 1u);
    append_copy(*log, make_batch(1, 0), 10'500);
    EXPECT_EQ(log->segment_count(), 1u);
    log->roll_if_due(11'000);
    EXPECT_EQ(log->segment_count(), 2u);
    log->roll_if_due(50'000);  // the new segment is empty: nothing to roll
    EXPECT_EQ(log->segment_count(), 2u);
    append_copy(*log, make_batch(1, 0), 50'000);
    append_copy(*log, make_batch(1, 0), 51'000);  // due at append time
    EXPECT_EQ(log->segment_count(), 3u);
}

TEST(partition_log, segment_recovered_after_a_crash_still_rolls_by_segment_ms) {
    temp_dir dir;
    log_config config;
    config.segment_ms = 1000;
    {
        auto log = open_log(dir.path() / "t-0", config, true);
        append_copy(*log, make_batch(2, 10'000), 10'000);
    }
    auto log = open_log(dir.path() / "t-0", config, false);  // unclean: the segment is rescanned
    ASSERT_EQ(log->log_end_offset(), 2);
    log->roll_if_due(10'999);
    EXPECT_EQ(log->segment_count(), 1u);
    log->roll_if_due(11'001);
    EXPECT_EQ(log->segment_count(), 2u);
}

TEST(partition_log, rolls_when_index_full) {
    temp_dir dir;
    log_config config;
    config.index_interval_bytes = 1;
    config.segment_index_bytes = 8 * 3;  // three offset index entries
    auto log = open_log(dir.path() / "t-0", config, true);
    // One timestamp: the time index stays at one entry, the offset index fills.
    for (int i = 0; i < 5; ++i) append_copy(*log, make_batch(1, 100), 200);
    EXPECT_EQ(log->segment_count(), 2u);
    EXPECT_EQ(log->segments()[0]->offsets().entry_count(), 3u);
}

TEST(partition_log, index_entries_name_batch_last_offsets) {
    temp_dir dir;
    log_config config;
    config.index_interval_bytes = 100;
    auto log = open_log(dir.path() / "t-0", config, true);
    auto batch = make_batch(4, 100);  // > 100 bytes: every batch after the first is indexed
    for (int i = 0; i < 10; ++i) append_copy(*log, batch, 200);
    const auto& index = log->segments()[0]->offsets();
    EXPECT_EQ(index.entry_count(), 9u);
    EXPECT_EQ(index.lookup(4).offset, 0);  // below the first entry: scan from the start
    EXPECT_EQ(index.lookup(4).position, 0u);
    EXPECT_EQ(index.lookup(7).offset, 7);
    EXPECT_EQ(index.lookup(10).offset, 7);
    EXPECT_EQ(index.lookup(7).position, batch.size());
}

TEST(partition_log, read_at_every_offset_returns_containing_batch) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", small_config(), true);
    for (int i = 0; i < 40; ++i) append_copy(*log, make_batch(1 + i % 5, 100), 200);
    for (int64_t offset = 0; offset < log->log_end_offset(); ++offset) {
        auto read = log->read(offset, 1, INT64_MAX);
        auto headers = read_headers(read);
        ASSERT_EQ(headers.size(), 1u) << offset;
        EXPECT_LE(headers[0].base_offset, offset);
        EXPECT_GE(headers[0].last_offset(), offset);
    }
}

TEST(partition_log, read_out_of_range) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    append_copy(*log, make_batch(3, 100), 200);
    EXPECT_EQ(log->read(4, 100, INT64_MAX).error, error_code::offset_out_of_range);
    EXPECT_EQ(log->read(-1, 100, INT64_MAX).error, error_code::offset_out_of_range);
    auto at_end = log->read(3, 100, INT64_MAX);
    EXPECT_EQ(at_end.error, error_code::none);
    EXPECT_TRUE(at_end.slices.empty());
}

TEST(partition_log, max_bytes_returns_whole_batches_only) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    auto batch = make_batch(2, 100);
    for (int i = 0; i < 5; ++i) append_copy(*log, batch, 200);
    auto read = log->read(0, batch.size() * 3 - 1, INT64_MAX);
    EXPECT_EQ(read_headers(read).size(), 2u);
    EXPECT_EQ(read.bytes, batch.size() * 2);
    read = log->read(0, batch.size() * 3, INT64_MAX);
    EXPECT_EQ(read_headers(read).size(), 3u);
}

TEST(partition_log, first_batch_returned_even_if_larger_than_max_bytes) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    auto batch = make_batch(2, 100);
    for (int i = 0; i < 3; ++i) append_copy(*log, batch, 200);
    auto read = log->read(2, 10, INT64_MAX);
    auto headers = read_headers(read);
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_EQ(headers[0].base_offset, 2);
    auto strict = log->read(2, 10, INT64_MAX, /*min_one_batch=*/false);
    EXPECT_TRUE(strict.slices.empty());
}

TEST(partition_log, reads_span_segments) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", small_config(), true);
    for (int i = 0; i < 100; ++i) append_copy(*log, make_batch(3, 100), 200);
    ASSERT_GT(log->segment_count(), 2u);
    auto read = log->read(0, SIZE_MAX, INT64_MAX);
    EXPECT_EQ(read.slices.size(), log->segment_count());
    EXPECT_EQ(read.bytes, log->size_bytes());
    EXPECT_EQ(read_headers(read).size(), 100u);
}

TEST(partition_log, high_watermark_limits_reads) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    for (int i = 0; i < 4; ++i) append_copy(*log, make_batch(5, 100), 200);
    auto read = log->read(0, 1 << 20, 10);
    auto headers = read_headers(read);
    ASSERT_EQ(headers.size(), 2u);
    EXPECT_EQ(headers.back().last_offset(), 9);
    // A batch straddling the limit is not served.
    EXPECT_EQ(read_headers(log->read(0, 1 << 20, 12)).size(), 2u);
    EXPECT_TRUE(log->read(10, 1 << 20, 10).slices.empty());
    log->set_high_watermark(1000);
    EXPECT_EQ(log->high_watermark(), 20);
}

TEST(partition_log, log_append_time_stamps_batches) {
    temp_dir dir;
    log_config config;
    config.log_append_time = true;
    auto log = open_log(dir.path() / "t-0", config, true);
    auto result = append_copy(*log, make_batch(3, 100), 777'000);
    EXPECT_EQ(result.log_append_time_ms, 777'000);
    auto headers = all_batches(*log);  // CRCs still valid
    ASSERT_EQ(headers.size(), 1u);
    EXPECT_TRUE(headers[0].log_append_time());
    EXPECT_EQ(headers[0].max_timestamp, 777'000);
    EXPECT_EQ(log->offset_for_timestamp(777'000), (offset_and_timestamp{0, 777'000}));
    EXPECT_EQ(log->max_timestamp(), (offset_and_timestamp{0, 777'000}));
}

TEST(partition_log, offset_for_timestamp_finds_first_record) {
    temp_dir dir;
    log_config config = small_config();
    auto log = open_log(dir.path() / "t-0", config, true);
    // Batch i holds timestamps 1000 + 10 i .. 1000 + 10 i + 4 at offsets 5 i .. 5 i + 4.
    for (int i = 0; i < 80; ++i) append_copy(*log, make_batch(5, 1000 + 10 * i), 200);
    ASSERT_GT(log->segment_count(), 2u);
    EXPECT_EQ(log->offset_for_timestamp(0), (offset_and_timestamp{0, 1000}));
    EXPECT_EQ(log->offset_for_timestamp(1000), (offset_and_timestamp{0, 1000}));
    EXPECT_EQ(log->offset_for_timestamp(1003), (offset_and_timestamp{3, 1003}));
    EXPECT_EQ(log->offset_for_timestamp(1005), (offset_and_timestamp{5, 1010}));
    for (int i = 0; i < 80; ++i) {
        EXPECT_EQ(log->offset_for_timestamp(1000 + 10 * i + 2), (offset_and_timestamp{5 * i + 2, 1000 + 10 * i + 2}));
    }
    EXPECT_FALSE(log->offset_for_timestamp(1000 + 10 * 79 + 5).has_value());
}

TEST(partition_log, offset_for_timestamp_with_out_of_order_timestamps) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", small_config(), true);
    append_copy(*log, make_batch_with_timestamps({500, 900, 100}), 200);  // offsets 0-2
    append_copy(*log, make_batch_with_timestamps({300, 400}), 200);       // offsets 3-4
    append_copy(*log, make_batch_with_timestamps({950, 960}), 200);       // offsets 5-6
    EXPECT_EQ(log->offset_for_timestamp(600), (offset_and_timestamp{1, 900}));
    EXPECT_EQ(log->offset_for_timestamp(910), (offset_and_timestamp{5, 950}));
    EXPECT_EQ(log->max_timestamp(), (offset_and_timestamp{6, 960}));
}

TEST(partition_log, max_timestamp_is_exact_record) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", small_config(), true);
    EXPECT_FALSE(log->max_timestamp().has_value());
    append_copy(*log, make_batch_with_timestamps({10, 20}), 200);
    append_copy(*log, make_batch_with_timestamps({5, 99, 7}), 200);
    append_copy(*log, make_batch_with_timestamps({30}), 200);
    EXPECT_EQ(log->max_timestamp(), (offset_and_timestamp{3, 99}));
}

TEST(partition_log, delete_records_before_raises_log_start) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", small_config(), true);
    for (int i = 0; i < 60; ++i) append_copy(*log, make_batch(3, 100), 200);
    log->set_high_watermark(log->log_end_offset());
    size_t segments = log->segment_count();
    EXPECT_EQ(log->delete_records_before(log->log_end_offset() + 1), error_code::offset_out_of_range);
    ASSERT_EQ(log->delete_records_before(100), error_code::none);
    EXPECT_EQ(log->log_start_offset(), 100);
    EXPECT_EQ(log->read(99, 100, INT64_MAX).error, error_code::offset_out_of_range);
    EXPECT_EQ(read_headers(log->read(100, 1, INT64_MAX)).front().base_offset, 99);
    auto removed = log->apply_retention(0);
    EXPECT_FALSE(removed.empty());
    EXPECT_EQ(log->segment_count(), segments - removed.size());
    EXPECT_LE(log->segments().front()->base_offset(), 100);
    EXPECT_EQ(log->log_start_offset(), 100);
    for (const auto& seg : removed) {
        EXPECT_LE(seg->next_offset(), 100);
        EXPECT_TRUE(seg->remove_files());
        EXPECT_FALSE(std::filesystem::exists(seg->log_path()));
    }
    ASSERT_EQ(log->delete_records_before(50), error_code::none);  // never moves back
    EXPECT_EQ(log->log_start_offset(), 100);
}

TEST(partition_log, retention_by_time_keeps_active_segment) {
    temp_dir dir;
    log_config config = small_config();
    config.retention_ms = 1000;
    auto log = open_log(dir.path() / "t-0", config, true);
    // Timestamps 10'000 + i: every segment's largest timestamp is below 20'000.
    for (int i = 0; i < 60; ++i) append_copy(*log, make_batch(3, 10'000 + i), 200);
    log->set_high_watermark(log->log_end_offset());  // what the broker does after each append
    size_t segments = log->segment_count();
    EXPECT_TRUE(log->apply_retention(10'000).empty());
    auto removed = log->apply_retention(20'000);
    EXPECT_EQ(removed.size(), segments - 1);
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_EQ(log->log_start_offset(), log->segments().front()->base_offset());
    EXPECT_EQ(log->read(0, 100, INT64_MAX).error, error_code::offset_out_of_range);
}

TEST(partition_log, retention_by_time_stops_at_first_young_segment) {
    temp_dir dir;
    log_config config = small_config();
    config.retention_ms = 1000;
    auto log = open_log(dir.path() / "t-0", config, true);
    for (int i = 0; i < 30; ++i) append_copy(*log, make_batch(3, 10'000), 200);
    log->roll(200);
    for (int i = 0; i < 30; ++i) append_copy(*log, make_batch(3, 50'000), 200);
    log->roll(200);
    append_copy(*log, make_batch(3, 10'000), 200);
    log->set_high_watermark(log->log_end_offset());
    auto removed = log->apply_retention(40'000);
    ASSERT_FALSE(removed.empty());
    for (const auto& seg : removed) EXPECT_LT(seg->largest_timestamp(), 39'000);
    EXPECT_EQ(log->segments().front()->max_timestamp(), 50'000 + 2);
}

TEST(partition_log, retention_by_bytes) {
    temp_dir dir;
    log_config config = small_config();
    config.retention_ms = -1;
    config.retention_bytes = 10'000;
    auto log = open_log(dir.path() / "t-0", config, true);
    for (int i = 0; i < 200; ++i) append_copy(*log, make_batch(3, 100), 200);
    log->set_high_watermark(log->log_end_offset());
    uint64_t before = log->size_bytes();
    auto removed = log->apply_retention(1'000'000);
    ASSERT_FALSE(removed.empty());
    EXPECT_GE(log->size_bytes(), 10'000u);
    EXPECT_LT(log->size_bytes() - log->segments().front()->size(), 10'000u);
    uint64_t removed_bytes = 0;
    for (const auto& seg : removed) removed_bytes += seg->size();
    EXPECT_EQ(before, log->size_bytes() + removed_bytes);
    EXPECT_TRUE(log->apply_retention(1'000'000).empty());
}

TEST(partition_log, retention_off_for_compacted_topics) {
    temp_dir dir;
    log_config config = small_config();
    config.retention_ms = 1;
    config.retention_bytes = 1;
    config.delete_retention = false;
    auto log = open_log(dir.path() / "t-0", config, true);
    for (int i = 0; i < 60; ++i) append_copy(*log, make_batch(3, 100), 200);
    log->set_high_watermark(log->log_end_offset());
    EXPECT_TRUE(log->apply_retention(1'000'000).empty());
}

TEST(partition_log, retention_never_passes_high_watermark) {
    temp_dir dir;
    log_config config = small_config();
    config.retention_ms = 0;
    auto log = open_log(dir.path() / "t-0", config, true);
    for (int i = 0; i < 60; ++i) append_copy(*log, make_batch(3, 100), 200);
    log->set_high_watermark(0);
    EXPECT_TRUE(log->apply_retention(1'000'000).empty());
}

TEST(partition_log, truncate_to_drops_tail_batches_and_segments) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", small_config(), true);
    for (int i = 0; i < 60; ++i) append_copy(*log, make_batch(3, 1000 + i), 200, i < 30 ? 1 : 2);
    ASSERT_EQ(log->leader_epochs().entries().size(), 2u);
    auto doomed = log->segments().back()->log_path();
    ASSERT_GT(log->segments().back()->base_offset(), 50);
    log->truncate_to(50);  // inside batch [48..50]: the whole batch goes
    EXPECT_EQ(log->log_end_offset(), 48);
    EXPECT_FALSE(std::filesystem::exists(doomed));
    EXPECT_EQ(log->leader_epochs().entries().size(), 1u);
    EXPECT_EQ(all_batches(*log).back().last_offset(), 47);
    auto result = append_copy(*log, make_batch(2, 5000), 200, 3);
    EXPECT_EQ(result.base_offset, 48);
    EXPECT_EQ(log->max_timestamp()->timestamp, 5001);
    log->truncate_to(0);
    EXPECT_EQ(log->log_end_offset(), 0);
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_TRUE(all_batches(*log).empty());
}

TEST(partition_log, leader_epoch_checkpoint_written_by_flush) {
    temp_dir dir;
    auto log = open_log(dir.path() / "t-0", log_config{}, true);
    append_copy(*log, make_batch(2, 100), 200, 0);
    append_copy(*log, make_batch(2, 100), 200, 0);
    append_copy(*log, make_batch(2, 100), 200, 5);
    auto file = log->dir() / "leader-epoch-checkpoint";
    EXPECT_FALSE(std::filesystem::exists(file));  // the append path never writes it
    log->flush();
    EXPECT_EQ(read_epoch_checkpoint(file), (std::vector<epoch_entry>{{0, 0}, {5, 4}}));
    EXPECT_EQ(log->recovery_point(), 6);
}

TEST(partition_log, flush_due_by_messages_and_time) {
    temp_dir dir;
    log_config config;
    config.flush_messages = 10;
    config.flush_ms = 5000;
    auto log = open_log(dir.path() / "t-0", config, true);  // last flush at 1000
    EXPECT_FALSE(log->flush_due(100'000));  // nothing to flush
    append_copy(*log, make_batch(5, 100), 200);
    EXPECT_FALSE(log->flush_due(2000));
    EXPECT_TRUE(log->flush_due(6000));
    append_copy(*log, make_batch(5, 100), 200);
    EXPECT_TRUE(log->flush_due(2000));
    auto job = log->prepare_flush();
    partition_log::run_flush(job);  // may run on any thread
    log->complete_flush(job, 2000);
    EXPECT_EQ(log->recovery_point(), 10);
    EXPECT_FALSE(log->flush_due(2000));
}

size_t open_descriptor_count() {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
    return n;
}

// One descriptor per segment (its .log): the indexes are opened only to be
// read or written, which is what lets 10,000 partitions fit in a process.
TEST(partition_log, holds_one_descriptor_per_segment) {
    temp_dir dir;
    log_config config = small_config();
    config.index_interval_bytes = 1;
    size_t before = open_descriptor_count();
    auto log = open_log(dir.path() / "t-0", config, true);
    for (int i = 0; i < 200; ++i) append_copy(*log, make_batch(3, 100 + i), 200);
    ASSERT_GT(log->segment_count(), 2u);
    ASSERT_GT(log->segments().back()->offsets().entry_count(), 0u);
    EXPECT_EQ(open_descriptor_count() - before, log->segment_count());
}

// A flush writes the active segment's index entries before syncing, so a
// reopen after a crash can trust everything below the recovery point.
TEST(partition_log, flush_persists_active_segment_indexes) {
    temp_dir dir;
    log_config config;
    config.index_interval_bytes = 1;
    auto log = open_log(dir.path() / "t-0", config, true);
    for (int i = 0; i < 5; ++i) append_copy(*log, make_batch(2, 100 + i * 10), 200);
    auto index_path = segment_file(log->dir(), 0, ".index");
    auto time_path = segment_file(log->dir(), 0, ".timeindex");
    EXPECT_EQ(std::filesystem::file_size(index_path), 0u);
    log->flush();
    EXPECT_EQ(std::filesystem::file_size(index_path), 8u * log->segments()[0]->offsets().entry_count());
    EXPECT_EQ(std::filesystem::file_size(time_path), 12u * log->segments()[0]->times().entry_count());
    EXPECT_GT(log->segments()[0]->offsets().entry_count(), 0u);
}

TEST(partition_log, slices_keep_removed_segments_readable) {
    temp_dir dir;
    log_config config = small_config();
    config.retention_ms = 0;
    auto log = open_log(dir.path() / "t-0", config, true);
    for (int i = 0; i < 60; ++i) append_copy(*log, make_batch(3, 100), 200);
    log->set_high_watermark(log->log_end_offset());
    auto read = log->read(0, 1000, INT64_MAX);
    auto expected = slice_bytes(read);
    auto removed = log->apply_retention(1'000'000);
    ASSERT_FALSE(removed.empty());
    for (const auto& seg : removed) seg->remove_files();
    removed.clear();
    EXPECT_EQ(slice_bytes(read), expected);
}

}  // namespace
}  // namespace sluice::log

namespace sluice::log {
namespace {

using namespace testing;

// Reads that jump through the index must still end on batch boundaries and
// respect both limits, for every start, budget and high watermark.
TEST(partition_log, indexed_reads_match_header_walks) {
    temp_dir dir;
    log_config config;
    config.index_interval_bytes = 300;
    auto log = open_log(dir.path() / "t-0", config, true);
    std::vector<protocol::batch_header> batches;
    for (int i = 0; i < 60; ++i) append_copy(*log, make_batch(1 + i % 4, 100, 10 + i * 7 % 90), 200);
    batches = all_batches(*log);
    for (int64_t offset = 0; offset < log->log_end_offset(); offset += 3) {
        for (size_t budget : {1ul, 500ul, 2000ul, 7000ul}) {
            for (int64_t limit : {int64_t{40}, int64_t{90}, INT64_MAX}) {
                auto got = read_headers(log->read(offset, budget, limit));
                // The expected answer, from the full list of batches.
                std::vector<int64_t> expected;
                size_t bytes = 0;
                for (const auto& b : batches) {
                    if (b.last_offset() < offset) continue;
                    if (b.last_offset() >= limit) break;
                    if (bytes + b.total_size() > budget && !expected.empty()) break;
                    expected.push_back(b.base_offset);
                    bytes += b.total_size();
                }
                std::vector<int64_t> got_offsets;
                for (const auto& b : got) got_offsets.push_back(b.base_offset);
                EXPECT_EQ(got_offsets, expected) << offset << " " << budget << " " << limit;
            }
        }
    }
}

}  // namespace
}  // namespace sluice::log

namespace sluice::log {
namespace {

using namespace testing;

uint64_t allocated_bytes(const std::filesystem::path& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0);
    return static_cast<uint64_t>(st.st_blocks) * 512;
}

// The active segment keeps disk space reserved past its end (fallocate with
// KEEP_SIZE): the file size is exactly what was appended, reads and a reopen
// see only that, and a segment that stops being active gives the rest back.
TEST(partition_log, reserved_space_is_invisible_and_released_at_roll) {
    temp_dir dir;
    log_config config;
    config.segment_bytes = 512 * 1024;
    auto log = open_log(dir.path() / "t-0", config, true);
    for (int i = 0; i < 40; ++i) append_copy(*log, make_batch(10, 100 + i, 1000), 200);
    ASSERT_EQ(log->segment_count(), 1u);
    const auto active = segment_file(log->dir(), 0, ".log");
    const uint64_t appended = log->segments()[0]->size();
    EXPECT_EQ(std::filesystem::file_size(active), appended);
    EXPECT_GE(allocated_bytes(active), appended);

    while (log->segment_count() < 2) append_copy(*log, make_batch(10, 500, 1000), 200);
    const auto rolled = log->segments()[0];
    EXPECT_EQ(std::filesystem::file_size(rolled->log_path()), rolled->size());
    // Whole blocks only: nothing reserved past the end survives the roll.
    EXPECT_LE(allocated_bytes(rolled->log_path()), (rolled->size() + 4095) / 4096 * 4096 + 4096);

    int64_t end = log->log_end_offset();
    log->close();
    log.reset();
    auto reopened = open_log(dir.path() / "t-0", config, true);
    EXPECT_EQ(reopened->log_end_offset(), end);
    EXPECT_EQ(all_batches(*reopened).size(), static_cast<size_t>(end / 10));
}

}  // namespace
}  // namespace sluice::log
