// partition_log::append_as_follower, truncate_to and
// truncate_fully_and_start_at as a follower replica uses them: batches kept
// byte for byte, one named test per refusal shape, rolls, epochs, crashes.
#include <gtest/gtest.h>

#include <fstream>

#include "log/format.h"
#include "log/partition_log.h"
#include "log_test_util.h"

namespace sluice::log {
namespace {

using protocol::error_code;
using namespace testing;

// A batch as a leader would have stored it: its own base offset and epoch,
// CRC valid.
protocol::bytes leader_batch(int64_t base, int count, int32_t epoch, int64_t first_timestamp = 1000,
                             size_t value_size = 16) {
    std::vector<protocol::record> records;
    for (int i = 0; i < count; ++i) {
        protocol::record r;
        r.offset = base + i;
        r.timestamp = first_timestamp + i;
        r.key = protocol::bytes{static_cast<uint8_t>('k'), static_cast<uint8_t>(i)};
        r.value = protocol::bytes(value_size, static_cast<uint8_t>('a' + i % 26));
        records.push_back(std::move(r));
    }
    protocol::batch_builder_options options;
    options.base_offset = base;
    options.partition_leader_epoch = epoch;
    return protocol::build_batch(records, options);
}

protocol::bytes concat(std::initializer_list<protocol::bytes> parts) {
    protocol::bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// Everything a refused append must leave as it was.
struct log_state {
    int64_t log_end_offset, log_start_offset, high_watermark;
    uint64_t size_bytes;
    size_t segment_count;
    std::vector<epoch_entry> epochs;
    protocol::bytes data;

    explicit log_state(const partition_log& log)
        : log_end_offset(log.log_end_offset()),
          log_start_offset(log.log_start_offset()),
          high_watermark(log.high_watermark()),
          size_bytes(log.size_bytes()),
          segment_count(log.segment_count()),
          epochs(log.leader_epochs().entries()),
          data(slice_bytes(log.read(log.log_start_offset(), SIZE_MAX, INT64_MAX))) {}
};

void expect_unchanged(const partition_log& log, const log_state& before) {
    log_state now(log);
    EXPECT_EQ(now.log_end_offset, before.log_end_offset);
    EXPECT_EQ(now.log_start_offset, before.log_start_offset);
    EXPECT_EQ(now.high_watermark, before.high_watermark);
    EXPECT_EQ(now.size_bytes, before.size_bytes);
    EXPECT_EQ(now.segment_count, before.segment_count);
    EXPECT_EQ(now.epochs, before.epochs);
    EXPECT_EQ(now.data, before.data);
}

class follower_append : public ::testing::Test {
protected:
    std::unique_ptr<partition_log> open(const log_config& config = log_config{}, bool clean = true) {
        return open_log(dir_.path() / "t-0", config, clean);
    }
    // A log holding offsets 0..2 (epoch 1), then the refused buffer.
    void expect_refused(const protocol::bytes& buffer, error_code expected) {
        auto log = open();
        ASSERT_EQ(log->append_as_follower(leader_batch(0, 3, 1), 2000).error, error_code::none);
        log->set_high_watermark(2);
        log_state before(*log);
        auto result = log->append_as_follower(buffer, 2000);
        EXPECT_EQ(result.error, expected);
        expect_unchanged(*log, before);
        // Also after a restart: nothing reached the files.
        log->close();
        log.reset();
        log = open();
        EXPECT_EQ(log->log_end_offset(), 3);
        EXPECT_EQ(slice_bytes(log->read(0, SIZE_MAX, INT64_MAX)), before.data);
    }
    temp_dir dir_;
};

TEST_F(follower_append, round_trip_keeps_bytes_offsets_epochs_and_crcs) {
    log_config config;
    config.index_interval_bytes = 100;  // index entries inside the buffer too
    auto log = open(config);
    const auto a = leader_batch(0, 3, 1, 5000);
    const auto b = leader_batch(3, 2, 1, 5003);
    const auto c = leader_batch(5, 4, 2, 4000);  // an older timestamp: max stays with b
    const auto buffer = concat({a, b, c});
    auto result = log->append_as_follower(buffer, 9000);
    ASSERT_EQ(result.error, error_code::none);
    EXPECT_EQ(result.base_offset, 0);
    EXPECT_EQ(result.last_offset, 8);
    EXPECT_EQ(result.log_append_time_ms, -1);
    EXPECT_EQ(log->log_end_offset(), 9);
    EXPECT_EQ(log->high_watermark(), 0) << "a follower's append leaves the high watermark alone";

    EXPECT_EQ(slice_bytes(log->read(0, SIZE_MAX, INT64_MAX)), buffer);
    auto headers = read_headers(log->read(0, SIZE_MAX, INT64_MAX));
    ASSERT_EQ(headers.size(), 3u);
    EXPECT_EQ(headers[0].partition_leader_epoch, 1);
    EXPECT_EQ(headers[2].partition_leader_epoch, 2);
    EXPECT_EQ(headers[2].base_offset, 5);
    EXPECT_EQ(headers[1].crc, protocol::read_batch_header(b)->crc);
    // Reads from the middle find the right batch through the index.
    EXPECT_EQ(slice_bytes(log->read(6, SIZE_MAX, INT64_MAX)), c);
    EXPECT_EQ(slice_bytes(log->read(4, b.size(), INT64_MAX)), b);
    auto max = log->max_timestamp();
    ASSERT_TRUE(max);
    EXPECT_EQ(*max, (offset_and_timestamp{4, 5004}));
    EXPECT_EQ(log->offset_for_timestamp(4002), (offset_and_timestamp{0, 5000}));

    // Byte-identical after a clean restart too.
    log->close();
    log.reset();
    log = open(config);
    EXPECT_EQ(log->log_end_offset(), 9);
    EXPECT_EQ(slice_bytes(log->read(0, SIZE_MAX, INT64_MAX)), buffer);
}

TEST_F(follower_append, follows_on_across_calls) {
    auto log = open();
    ASSERT_EQ(log->append_as_follower(leader_batch(0, 2, 0), 1000).error, error_code::none);
    auto result = log->append_as_follower(leader_batch(2, 5, 0), 1000);
    ASSERT_EQ(result.error, error_code::none);
    EXPECT_EQ(result.base_offset, 2);
    EXPECT_EQ(result.last_offset, 6);
    EXPECT_EQ(log->log_end_offset(), 7);
    // A leader-path append goes on from there.
    auto produced = append_copy(*log, make_batch(1, 3000), 3000, 0);
    EXPECT_EQ(produced.base_offset, 7);
}

TEST_F(follower_append, epoch_cache_from_replicated_batches_answers_like_kafka) {
    auto log = open();
    ASSERT_EQ(log->append_as_follower(concat({leader_batch(0, 3, 1), leader_batch(3, 2, 1), leader_batch(5, 4, 2)}),
                                      1000)
                  .error,
              error_code::none);
    ASSERT_EQ(log->append_as_follower(concat({leader_batch(9, 1, 4), leader_batch(10, 2, 4)}), 1000).error,
              error_code::none);
    EXPECT_EQ(log->leader_epochs().entries(), (std::vector<epoch_entry>{{1, 0}, {2, 5}, {4, 9}}));
    const auto& epochs = log->leader_epochs();
    const int64_t leo = log->log_end_offset();
    ASSERT_EQ(leo, 12);
    EXPECT_EQ(epochs.end_offset_for(1, leo), (epoch_entry{1, 5}));
    EXPECT_EQ(epochs.end_offset_for(2, leo), (epoch_entry{2, 9}));
    EXPECT_EQ(epochs.end_offset_for(3, leo), (epoch_entry{2, 9})) << "an epoch with no batches: the one before it";
    EXPECT_EQ(epochs.end_offset_for(4, leo), (epoch_entry{4, 12}));
    EXPECT_EQ(epochs.end_offset_for(5, leo), (epoch_entry{-1, -1}));
    EXPECT_EQ(epochs.end_offset_for(0, leo), (epoch_entry{0, 0})) << "older than all: the first epoch's start";
    // The checkpoint is written by flush, like the leader path's.
    log->flush();
    EXPECT_EQ(read_epoch_checkpoint(log->dir() / format::leader_epoch_file),
              (std::vector<epoch_entry>{{1, 0}, {2, 5}, {4, 9}}));
}

TEST_F(follower_append, refuses_bad_crc) {
    auto bad = leader_batch(4, 2, 1);
    bad.back() ^= 0x01;  // a record byte, covered by the CRC
    // After a good batch: the good one is not written either.
    expect_refused(concat({leader_batch(3, 1, 1), bad}), error_code::corrupt_message);
}

TEST_F(follower_append, refuses_first_offset_below_log_end) {
    expect_refused(leader_batch(2, 3, 1), error_code::offset_out_of_range);
}

TEST_F(follower_append, refuses_gap_after_log_end_on_uncompacted_log) {
    expect_refused(leader_batch(4, 3, 1), error_code::offset_out_of_range);
}

TEST_F(follower_append, refuses_gap_between_batches_on_uncompacted_log) {
    expect_refused(concat({leader_batch(3, 2, 1), leader_batch(6, 1, 1)}), error_code::invalid_record);
}

TEST_F(follower_append, refuses_non_increasing_offsets) {
    // The second batch overlaps the first.
    expect_refused(concat({leader_batch(3, 3, 1), leader_batch(5, 2, 1)}), error_code::invalid_record);
}

TEST_F(follower_append, refuses_repeated_batch) {
    const auto b = leader_batch(3, 2, 1);
    expect_refused(concat({b, b}), error_code::invalid_record);
}

TEST_F(follower_append, refuses_legacy_magic) {
    auto legacy = leader_batch(3, 2, 1);
    legacy[16] = 1;  // magic is not covered by the CRC
    expect_refused(legacy, error_code::unsupported_for_message_format);
}

TEST_F(follower_append, refuses_unknown_magic) {
    auto future = leader_batch(4, 2, 1);
    future[16] = 3;
    expect_refused(concat({leader_batch(3, 1, 1), future}), error_code::corrupt_message);
}

TEST_F(follower_append, refuses_batch_too_short_for_its_header) {
    // batch_length 30: whole in the buffer, but less than a v2 header.
    auto shorty = leader_batch(3, 2, 1);
    format::store_be32(shorty.data() + 8, 30);
    shorty.resize(30 + 12);
    expect_refused(concat({shorty, leader_batch(3, 1, 1)}), error_code::corrupt_message);
}

TEST_F(follower_append, refuses_size_field_below_any_record) {
    auto garbled = leader_batch(3, 2, 1);
    format::store_be32(garbled.data() + 8, 5);
    expect_refused(garbled, error_code::corrupt_message);
}

TEST_F(follower_append, refuses_negative_last_offset_delta) {
    protocol::batch_builder_options options;
    options.base_offset = 3;
    options.partition_leader_epoch = 1;
    options.last_offset_delta = -1;
    protocol::record r;
    r.offset = 3;
    r.value = protocol::bytes{1};
    expect_refused(protocol::build_batch({r}, options), error_code::corrupt_message);
}

TEST_F(follower_append, partial_trailing_batch_is_dropped) {
    const auto a = leader_batch(0, 3, 1);
    const auto b = leader_batch(3, 2, 1);
    const auto c = leader_batch(5, 4, 1);
    for (size_t cut : {size_t{1}, size_t{11}, size_t{12}, size_t{40}, size_t{61}, c.size() - 1}) {
        temp_dir dir;
        auto log = open_log(dir.path() / "t-0", log_config{}, true);
        auto buffer = concat({a, b});
        buffer.insert(buffer.end(), c.begin(), c.begin() + static_cast<ptrdiff_t>(cut));
        auto result = log->append_as_follower(buffer, 1000);
        ASSERT_EQ(result.error, error_code::none) << cut;
        EXPECT_EQ(result.last_offset, 4) << cut;
        EXPECT_EQ(log->log_end_offset(), 5) << cut;
        EXPECT_EQ(slice_bytes(log->read(0, SIZE_MAX, INT64_MAX)), concat({a, b})) << cut;
        // The next fetch brings the whole batch.
        ASSERT_EQ(log->append_as_follower(c, 1000).error, error_code::none) << cut;
        EXPECT_EQ(log->log_end_offset(), 9) << cut;
    }
}

TEST_F(follower_append, only_a_partial_batch_appends_nothing) {
    auto log = open();
    ASSERT_EQ(log->append_as_follower(leader_batch(0, 3, 1), 1000).error, error_code::none);
    log_state before(*log);
    auto partial = leader_batch(3, 2, 2);
    partial.resize(partial.size() / 2);
    auto result = log->append_as_follower(partial, 1000);
    EXPECT_EQ(result.error, error_code::none);
    EXPECT_EQ(result.base_offset, -1);
    EXPECT_EQ(result.last_offset, -1);
    expect_unchanged(*log, before);
    EXPECT_EQ(log->append_as_follower({}, 1000).error, error_code::none);
    expect_unchanged(*log, before);
}

TEST_F(follower_append, rolls_on_segment_bytes_within_one_buffer) {
    auto log = open(small_config());  // segment.bytes 4096
    protocol::bytes buffer;
    std::vector<int64_t> bases;
    int64_t next = 0;
    for (int i = 0; i < 40; ++i) {
        bases.push_back(next);
        auto b = leader_batch(next, 1 + i % 4, 3, 1000 + i, 100);
        buffer.insert(buffer.end(), b.begin(), b.end());
        next += 1 + i % 4;
    }
    ASSERT_GT(buffer.size(), 3 * 4096u);
    auto result = log->append_as_follower(buffer, 1000);
    ASSERT_EQ(result.error, error_code::none);
    EXPECT_EQ(result.last_offset, next - 1);
    EXPECT_GE(log->segment_count(), 4u);
    for (const auto& seg : log->segments()) {
        EXPECT_LE(seg->size(), 4096u);
        EXPECT_NE(std::find(bases.begin(), bases.end(), seg->base_offset()), bases.end())
            << "segments start at a batch's base offset";
        EXPECT_FALSE(seg->empty());
    }
    EXPECT_EQ(slice_bytes(log->read(0, SIZE_MAX, INT64_MAX)), buffer);
}

TEST_F(follower_append, rolls_on_segment_ms) {
    log_config config;
    config.segment_ms = 1000;
    auto log = open(config);
    ASSERT_EQ(log->append_as_follower(leader_batch(0, 2, 0), 10'000).error, error_code::none);
    ASSERT_EQ(log->append_as_follower(leader_batch(2, 2, 0), 10'500).error, error_code::none);
    EXPECT_EQ(log->segment_count(), 1u);
    ASSERT_EQ(log->append_as_follower(leader_batch(4, 2, 0), 11'000).error, error_code::none);
    ASSERT_EQ(log->segment_count(), 2u);
    EXPECT_EQ(log->segments().back()->base_offset(), 4);
}

// A batch spanning nearly 2^31 offsets (a compacted leader's survivor): two
// of them cannot share a segment's 4-byte relative offsets.
protocol::bytes wide_batch(int64_t base, int32_t epoch) {
    protocol::record first, last;
    first.offset = base;
    first.value = protocol::bytes{1};
    last.offset = base + 2'000'000'000;
    last.value = protocol::bytes{2};
    protocol::batch_builder_options options;
    options.base_offset = base;
    options.partition_leader_epoch = epoch;
    return protocol::build_batch({first, last}, options);
}

TEST_F(follower_append, rolls_when_relative_offsets_would_overflow) {
    auto log = open();
    const auto a = wide_batch(0, 1);
    const auto b = wide_batch(2'000'000'001, 1);
    const auto c = leader_batch(4'000'000'002, 2, 1);
    auto result = log->append_as_follower(concat({a, b, c}), 1000);
    ASSERT_EQ(result.error, error_code::none);
    EXPECT_EQ(log->log_end_offset(), 4'000'000'004);
    ASSERT_EQ(log->segment_count(), 2u);
    EXPECT_EQ(log->segments()[1]->base_offset(), 2'000'000'001);
    for (const auto& seg : log->segments()) {
        EXPECT_LE(seg->next_offset() - 1 - seg->base_offset(), INT32_MAX);
    }
    EXPECT_EQ(slice_bytes(log->read(4'000'000'002, SIZE_MAX, INT64_MAX)), c);
    // Recovery re-validates both segments the same way.
    log.reset();  // crash
    log = open(log_config{}, false);
    EXPECT_EQ(log->log_end_offset(), 4'000'000'004);
    EXPECT_EQ(slice_bytes(log->read(0, SIZE_MAX, INT64_MAX)), concat({a, b, c}));
}

TEST_F(follower_append, compacted_log_takes_gaps) {
    log_config config;
    config.compact = true;
    auto log = open(config);
    ASSERT_EQ(log->append_as_follower(leader_batch(0, 3, 1), 1000).error, error_code::none);
    const auto buffer = concat({leader_batch(10, 2, 1), leader_batch(20, 1, 2)});
    auto result = log->append_as_follower(buffer, 1000);
    ASSERT_EQ(result.error, error_code::none);
    EXPECT_EQ(result.base_offset, 10);
    EXPECT_EQ(log->log_end_offset(), 21);
    EXPECT_EQ(log->leader_epochs().entries(), (std::vector<epoch_entry>{{1, 0}, {2, 20}}));
    // Still no overlap.
    EXPECT_EQ(log->append_as_follower(leader_batch(20, 1, 2), 1000).error, error_code::offset_out_of_range);
}

TEST_F(follower_append, gap_past_relative_offsets_into_empty_segment) {
    log_config config;
    config.compact = true;
    auto log = open(config);
    const auto far = leader_batch(int64_t{5} << 32, 2, 1);
    ASSERT_EQ(log->append_as_follower(far, 1000).error, error_code::none);
    EXPECT_EQ(log->log_end_offset(), (int64_t{5} << 32) + 2);
    EXPECT_EQ(log->segments().back()->base_offset(), int64_t{5} << 32);
    EXPECT_EQ(slice_bytes(log->read(int64_t{5} << 32, SIZE_MAX, INT64_MAX)), far);
    log.reset();  // crash
    log = open(config, false);
    EXPECT_EQ(log->log_end_offset(), (int64_t{5} << 32) + 2);
    EXPECT_EQ(slice_bytes(log->read(int64_t{5} << 32, SIZE_MAX, INT64_MAX)), far);
}

TEST_F(follower_append, flush_messages_counts_replicated_records) {
    log_config config;
    config.flush_messages = 5;
    auto log = open(config);
    ASSERT_EQ(log->append_as_follower(leader_batch(0, 3, 0), 1000).error, error_code::none);
    EXPECT_FALSE(log->flush_due(1000));
    ASSERT_EQ(log->append_as_follower(leader_batch(3, 3, 0), 1000).error, error_code::none);
    EXPECT_TRUE(log->flush_due(1000));
    log->flush();
    EXPECT_EQ(log->recovery_point(), 6);
    EXPECT_FALSE(log->flush_due(1000));
}

TEST_F(follower_append, recovery_after_crash_keeps_replicated_batches) {
    auto log = open(small_config());
    protocol::bytes all;
    int64_t next = 0;
    for (int i = 0; i < 30; ++i) {
        auto b = leader_batch(next, 2 + i % 3, i < 15 ? 4 : 6, 1000 + i, 200);
        ASSERT_EQ(log->append_as_follower(b, 1000).error, error_code::none);
        all.insert(all.end(), b.begin(), b.end());
        next += 2 + i % 3;
    }
    ASSERT_GT(log->segment_count(), 2u);
    const auto epochs = log->leader_epochs().entries();
    log.reset();  // crash: no flush, no checkpoint
    log = open(small_config(), false);
    EXPECT_EQ(log->log_end_offset(), next);
    EXPECT_EQ(slice_bytes(log->read(0, SIZE_MAX, INT64_MAX)), all);
    EXPECT_EQ(log->leader_epochs().entries(), epochs);
    EXPECT_GT(log->recovery().segments_scanned, 0u);

    // A torn tail: the last batch loses its end; recovery cuts it.
    const auto last_seg = log->segments().back()->log_path();
    log.reset();
    const auto size = std::filesystem::file_size(last_seg);
    std::filesystem::resize_file(last_seg, size - 10);
    log = open(small_config(), false);
    EXPECT_LT(log->log_end_offset(), next);
    EXPECT_EQ(slice_bytes(log->read(0, SIZE_MAX, INT64_MAX)),
              protocol::bytes(all.begin(), all.begin() + static_cast<ptrdiff_t>(log->size_bytes())));
    // And the follower goes on from the new end.
    auto again = leader_batch(log->log_end_offset(), 2, 6);
    EXPECT_EQ(log->append_as_follower(again, 1000).error, error_code::none);
}

// --- truncation ---

class follower_truncate : public follower_append {
protected:
    // Epoch 1 at 0, epoch 2 at 30, epoch 3 at 60; 3-record batches of ~700
    // bytes, 5 to a 4 KiB segment: segments of 15 offsets.
    std::unique_ptr<partition_log> filled() {
        auto log = open(small_config());
        for (int64_t base = 0; base < 90; base += 3) {
            int32_t epoch = base < 30 ? 1 : base < 60 ? 2 : 3;
            EXPECT_EQ(log->append_as_follower(leader_batch(base, 3, epoch, 1000 + base, 200), 1000).error,
                      error_code::none);
        }
        log->set_high_watermark(log->log_end_offset());
        return log;
    }
};

TEST_F(follower_truncate, truncate_to_across_segments_with_epochs_and_high_watermark) {
    auto log = filled();
    ASSERT_GT(log->segment_count(), 4u);
    log->flush();  // the epoch checkpoint on disk holds all three epochs
    const auto segments_before = log->segment_count();
    auto result = log->truncate_to(46);  // inside batch [45..47], epoch 2
    ASSERT_TRUE(result.done);
    EXPECT_EQ(log->log_end_offset(), 45);
    EXPECT_EQ(log->high_watermark(), 45);
    EXPECT_EQ(log->recovery_point(), 45);
    EXPECT_LT(log->segment_count(), segments_before);
    EXPECT_EQ(log->leader_epochs().entries(), (std::vector<epoch_entry>{{1, 0}, {2, 30}}));
    // Persisted at once, not at the next flush.
    EXPECT_EQ(read_epoch_checkpoint(log->dir() / format::leader_epoch_file),
              (std::vector<epoch_entry>{{1, 0}, {2, 30}}));
    ASSERT_FALSE(result.deleted_files.empty());
    for (const auto& path : result.deleted_files) {
        EXPECT_TRUE(path.string().ends_with(".deleted")) << path;
        EXPECT_TRUE(std::filesystem::exists(path)) << path;
        std::filesystem::remove(path);
    }
    for (const auto& h : all_batches(*log)) EXPECT_LT(h.last_offset(), 45);

    // The new leader's batches go on from there with a newer epoch.
    ASSERT_EQ(log->append_as_follower(leader_batch(45, 3, 5), 1000).error, error_code::none);
    EXPECT_EQ(log->leader_epochs().entries(), (std::vector<epoch_entry>{{1, 0}, {2, 30}, {5, 45}}));
    EXPECT_EQ(log->leader_epochs().end_offset_for(3, log->log_end_offset()), (epoch_entry{2, 45}));
}

TEST_F(follower_truncate, truncate_to_below_first_segment_empties_the_log) {
    auto log = filled();
    auto result = log->truncate_to(0);
    ASSERT_TRUE(result.done);
    EXPECT_EQ(log->log_end_offset(), 0);
    EXPECT_EQ(log->high_watermark(), 0);
    EXPECT_EQ(log->segment_count(), 1u);
    EXPECT_TRUE(log->leader_epochs().entries().empty());
    EXPECT_EQ(read_epoch_checkpoint(log->dir() / format::leader_epoch_file), std::vector<epoch_entry>{});
}

TEST_F(follower_truncate, epochs_after_truncation_survive_a_crash) {
    auto log = filled();
    log->flush();  // checkpoint: {1@0, 2@30, 3@60}, recovery point 90
    log->truncate_to(40);  // inside [39..41]: end 39
    ASSERT_EQ(log->log_end_offset(), 39);
    // A new leader (epoch 7) had 39.. in its own epoch.
    for (int64_t base = 39; base < 75; base += 3) {
        ASSERT_EQ(log->append_as_follower(leader_batch(base, 3, 7, 1000, 200), 1000).error, error_code::none);
    }
    const auto epochs = log->leader_epochs().entries();
    ASSERT_EQ(epochs, (std::vector<epoch_entry>{{1, 0}, {2, 30}, {7, 39}}));
    log.reset();  // crash before any flush
    // 39: the recovery point checkpointed after the truncation; 90: the
    // older one still in the file (segments below it are trusted).
    for (int64_t recovery_point : {int64_t{39}, int64_t{90}}) {
        partition_log::open_options options;
        options.recovery_point = recovery_point;
        options.now_ms = 1000;
        error_code error;
        log = partition_log::open(dir_.path() / "t-0", topic_partition{"t", 0}, small_config(), options, error);
        ASSERT_TRUE(log);
        EXPECT_EQ(log->log_end_offset(), 75) << recovery_point;
        EXPECT_EQ(log->leader_epochs().entries(), epochs) << recovery_point;
        EXPECT_EQ(log->leader_epochs().end_offset_for(3, 75), (epoch_entry{2, 39})) << recovery_point;
        log.reset();  // crash again
    }
}

TEST_F(follower_truncate, truncate_to_refused_during_segment_swap) {
    auto log = filled();
    log_state before(*log);
    log->begin_segment_swap();
    auto result = log->truncate_to(10);
    EXPECT_FALSE(result.done);
    EXPECT_TRUE(result.deleted_files.empty());
    expect_unchanged(*log, before);
    log->end_segment_swap();
    EXPECT_TRUE(log->truncate_to(10).done);
    EXPECT_EQ(log->log_end_offset(), 9);
}

TEST_F(follower_truncate, truncate_fully_and_start_at) {
    auto log = filled();
    log->flush();
    const auto old_files = log->segments().size();
    auto result = log->truncate_fully_and_start_at(protocol::offset(500));
    ASSERT_TRUE(result.done);
    // .log, .index, .timeindex each, and the producer snapshots of the rolls.
    EXPECT_EQ(result.deleted_files.size(), old_files * 3 + (old_files - 1));
    for (const auto& path : result.deleted_files) std::filesystem::remove(path);
    EXPECT_EQ(log->log_start_offset(), 500);
    EXPECT_EQ(log->log_end_offset(), 500);
    EXPECT_EQ(log->high_watermark(), 500);
    EXPECT_EQ(log->recovery_point(), 500);
    ASSERT_EQ(log->segment_count(), 1u);
    EXPECT_EQ(log->segments()[0]->base_offset(), 500);
    EXPECT_TRUE(log->leader_epochs().entries().empty());
    EXPECT_EQ(read_epoch_checkpoint(log->dir() / format::leader_epoch_file), std::vector<epoch_entry>{});
    EXPECT_EQ(log->read(0, 100, INT64_MAX).error, error_code::offset_out_of_range);
    size_t files = 0;
    for (const auto& item : std::filesystem::directory_iterator(log->dir())) {
        auto stem = format::parse_file_stem(item.path().stem().string());
        if (stem) {
            EXPECT_EQ(*stem, 500) << item.path();
            ++files;
        }
    }
    EXPECT_EQ(files, 3u);

    const auto b = leader_batch(500, 4, 9);
    ASSERT_EQ(log->append_as_follower(b, 1000).error, error_code::none);
    EXPECT_EQ(log->leader_epochs().entries(), (std::vector<epoch_entry>{{9, 500}}));
    log.reset();  // crash
    partition_log::open_options options;
    options.log_start_offset = 500;
    options.now_ms = 1000;
    error_code error;
    log = partition_log::open(dir_.path() / "t-0", topic_partition{"t", 0}, small_config(), options, error);
    ASSERT_TRUE(log);
    EXPECT_EQ(log->log_start_offset(), 500);
    EXPECT_EQ(log->log_end_offset(), 504);
    EXPECT_EQ(slice_bytes(log->read(500, SIZE_MAX, INT64_MAX)), b);
}

TEST_F(follower_truncate, truncate_fully_below_the_log_and_refused_during_swap) {
    auto log = filled();
    log_state before(*log);
    log->begin_segment_swap();
    EXPECT_FALSE(log->truncate_fully_and_start_at(protocol::offset(5)).done);
    expect_unchanged(*log, before);
    log->end_segment_swap();
    ASSERT_TRUE(log->truncate_fully_and_start_at(protocol::offset(5)).done);
    EXPECT_EQ(log->log_start_offset(), 5);
    EXPECT_EQ(log->log_end_offset(), 5);
}

TEST_F(follower_truncate, empty_follower_whose_first_batch_straddles_its_start) {
    // Kafka's one exception to "first offset >= log end": the leader's log
    // start (DeleteRecords) fell inside a batch. The caller restarts the log
    // at that batch's base and appends again.
    auto log = open();
    ASSERT_TRUE(log->truncate_fully_and_start_at(protocol::offset(12)).done);
    const auto straddling = leader_batch(10, 5, 3);  // 10..14
    EXPECT_EQ(log->append_as_follower(straddling, 1000).error, error_code::offset_out_of_range);
    EXPECT_EQ(log->log_end_offset(), 12);
    ASSERT_TRUE(log->truncate_fully_and_start_at(protocol::offset(10)).done);
    ASSERT_EQ(log->append_as_follower(straddling, 1000).error, error_code::none);
    EXPECT_EQ(log->log_end_offset(), 15);
    EXPECT_EQ(log->log_start_offset(), 10);
}

}  // namespace
}  // namespace sluice::log
