#include "protocol/record_batch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "protocol/crc32c.h"
#include "unit/protocol/batch_test_util.h"

namespace sluice::protocol {
namespace {
using namespace sluice::protocol::test_util;

// ---- round trips ----

class round_trip : public ::testing::TestWithParam<compression> {};

TEST_P(round_trip, build_validate_decode) {
    auto records = sample_records(1000);
    batch_builder_options opts;
    opts.base_offset = 1000;
    opts.codec = GetParam();
    opts.producer_id = 42;
    opts.producer_epoch = 3;
    opts.base_sequence = 7;
    bytes batch = build_batch(records, opts);
    ASSERT_FALSE(batch.empty());
    EXPECT_EQ(validate_batch(batch), error_code::none);
    EXPECT_EQ(check_batch_crc(batch), error_code::none);

    auto h = read_batch_header(batch);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->base_offset, 1000);
    EXPECT_EQ(h->total_size(), batch.size());
    EXPECT_EQ(h->codec(), GetParam());
    EXPECT_EQ(h->record_count, 6);
    EXPECT_EQ(h->last_offset_delta, 5);
    EXPECT_EQ(h->last_offset(), 1005);
    EXPECT_EQ(h->base_timestamp, records[0].timestamp);
    EXPECT_EQ(h->max_timestamp, 1700000000000 + 50);
    EXPECT_EQ(h->producer_id, 42);
    EXPECT_EQ(h->producer_epoch, 3);
    EXPECT_EQ(h->base_sequence, 7);

    std::vector<record> decoded;
    ASSERT_EQ(decode_records(batch, decoded), error_code::none);
    expect_same(decoded, records);
}

TEST_P(round_trip, large_batch_spans_compression_blocks) {
    std::vector<record> records;
    std::mt19937 rng(5);
    for (int i = 0; i < 3000; ++i) {
        record r;
        r.offset = i;
        r.timestamp = 5;
        r.value = bytes(100);
        for (auto& b : *r.value) b = static_cast<uint8_t>(rng() % 4);  // compressible
        records.push_back(std::move(r));
    }
    bytes batch = build_batch(records, {.codec = GetParam()});
    EXPECT_EQ(validate_batch(batch), error_code::none);
    std::vector<record> decoded;
    ASSERT_EQ(decode_records(batch, decoded), error_code::none);
    expect_same(decoded, records);
}

std::string codec_name(const ::testing::TestParamInfo<compression>& info) {
    static const char* const names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    return names[static_cast<int>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(codecs, round_trip,
                         ::testing::Values(compression::none, compression::gzip, compression::snappy,
                                           compression::lz4, compression::zstd),
                         codec_name);

TEST(record_batch, empty_batch_is_valid) {
    bytes batch = build_batch({}, {});
    EXPECT_EQ(batch.size(), batch_header_size);
    EXPECT_EQ(validate_batch(batch), error_code::none);
    std::vector<record> decoded;
    EXPECT_EQ(decode_records(batch, decoded), error_code::none);
    EXPECT_TRUE(decoded.empty());
}

TEST(record_batch, attributes_from_options) {
    batch_builder_options opts;
    opts.transactional = true;
    opts.control = true;
    opts.partition_leader_epoch = 9;
    bytes batch = build_batch(sample_records(0), opts);
    auto h = read_batch_header(batch);
    ASSERT_TRUE(h);
    EXPECT_TRUE(h->is_transactional());
    EXPECT_TRUE(h->is_control());
    EXPECT_FALSE(h->log_append_time());
    EXPECT_EQ(h->partition_leader_epoch, 9);
}

TEST(record_batch, decode_appends_and_keeps_output_on_error) {
    bytes batch = build_batch(sample_records(0), {});
    std::vector<record> out(2);
    ASSERT_EQ(decode_records(batch, out), error_code::none);
    EXPECT_EQ(out.size(), 8u);
    bytes bad = raw_batch(concat({raw_record(0, 1, 1, 0), raw_record(1, 1, 1, 0, 1)}), 2, 1);
    EXPECT_NE(decode_records(bad, out), error_code::none);
    EXPECT_EQ(out.size(), 8u);
}

// Compacted logs have offset gaps: decode accepts them, producer rules do not.
TEST(record_batch, gapped_offsets_decode_but_fail_producer_rules) {
    auto records = sample_records(100);
    records.erase(records.begin() + 2);
    bytes batch = build_batch(records, {.base_offset = 100, .last_offset_delta = 9});
    EXPECT_EQ(read_batch_header(batch)->last_offset(), 109);
    EXPECT_EQ(check_batch_crc(batch), error_code::none);
    EXPECT_EQ(validate_batch(batch), error_code::invalid_record);
    std::vector<record> decoded;
    ASSERT_EQ(decode_records(batch, decoded), error_code::none);
    expect_same(decoded, records);
}

// What produce learns from the validating walk: gaps in the offset deltas
// (which a producer's batch may have: Kafka rewrites such a batch) and the
// largest timestamp, whatever the header claims.
TEST(record_batch, validation_reports_gaps_and_the_max_timestamp) {
    auto records = sample_records(0);
    for (compression codec : {compression::none, compression::lz4}) {
        bytes batch = build_batch(records, {.codec = codec});
        record_facts facts;
        ASSERT_EQ(validate_batch(batch, facts), error_code::none);
        EXPECT_TRUE(facts.offsets_consecutive);
        int64_t max = 0;
        for (const auto& r : records) max = std::max(max, r.timestamp);
        EXPECT_EQ(read_batch_header(batch)->base_timestamp + facts.max_timestamp_delta, max);

        auto gapped = records;
        gapped.erase(gapped.begin() + 2);
        bytes with_gap = build_batch(gapped, {.codec = codec, .last_offset_delta = 4});
        record_facts gap_facts;
        EXPECT_EQ(validate_batch(with_gap), error_code::invalid_record);  // the strict call refuses
        ASSERT_EQ(validate_batch(with_gap, gap_facts), error_code::none);
        EXPECT_FALSE(gap_facts.offsets_consecutive);
    }
}

TEST(record_batch, rebuild_renumbers_recompresses_and_keeps_the_producer) {
    auto records = sample_records(500);
    records.erase(records.begin() + 3);
    bytes source = build_batch(records, {.base_offset = 500,
                                         .codec = compression::none,
                                         .producer_id = 77,
                                         .producer_epoch = 2,
                                         .base_sequence = 40,
                                         .transactional = true,
                                         .last_offset_delta = 4});
    for (compression codec : {compression::zstd, compression::none, compression::gzip}) {
        bytes out;
        ASSERT_EQ(rebuild_batch(source, codec, out), error_code::none);
        record_facts facts;
        ASSERT_EQ(validate_batch(out, facts), error_code::none);
        EXPECT_TRUE(facts.offsets_consecutive);
        auto h = read_batch_header(out);
        EXPECT_EQ(h->codec(), codec);
        EXPECT_EQ(h->base_offset, 500);
        EXPECT_EQ(h->last_offset_delta, 4);
        EXPECT_EQ(h->producer_id, 77);
        EXPECT_EQ(h->producer_epoch, 2);
        EXPECT_EQ(h->base_sequence, 40);
        EXPECT_TRUE(h->is_transactional());
        std::vector<record> decoded;
        ASSERT_EQ(decode_records(out, decoded), error_code::none);
        auto expected = records;
        for (size_t i = 0; i < expected.size(); ++i) expected[i].offset = 500 + static_cast<int64_t>(i);
        expect_same(decoded, expected);
    }
    bytes garbage(80, 0x5a);
    bytes out;
    EXPECT_NE(rebuild_batch(garbage, compression::none, out), error_code::none);
}

TEST(record_batch, set_max_timestamp_keeps_crc_valid) {
    bytes batch = build_batch(sample_records(0), {.codec = compression::snappy});
    set_max_timestamp(batch.data(), batch.size(), 1800000000000);
    EXPECT_EQ(read_batch_header(batch)->max_timestamp, 1800000000000);
    EXPECT_EQ(check_batch_crc(batch), error_code::none);
    EXPECT_EQ(validate_batch(batch), error_code::none);
}

TEST(record_batch, read_header_needs_61_bytes) {
    bytes batch = build_batch(sample_records(0), {});
    EXPECT_FALSE(read_batch_header(bytes_view(batch).first(60)));
    EXPECT_TRUE(read_batch_header(bytes_view(batch).first(61)));
}

// ---- in-place edits ----

TEST(record_batch, set_log_append_time_keeps_crc_valid) {
    for (auto codec : {compression::none, compression::zstd}) {
        bytes batch = build_batch(sample_records(0), {.codec = codec});
        set_log_append_time(batch.data(), batch.size(), 1234567);
        EXPECT_EQ(validate_batch(batch), error_code::none);
        auto h = read_batch_header(batch);
        EXPECT_TRUE(h->log_append_time());
        EXPECT_EQ(h->max_timestamp, 1234567);
        EXPECT_EQ(h->crc, crc32c(batch.data() + 21, batch.size() - 21));
        EXPECT_EQ(h->codec(), codec);
        std::vector<record> decoded;
        ASSERT_EQ(decode_records(batch, decoded), error_code::none);
        for (const auto& r : decoded) EXPECT_EQ(r.timestamp, 1234567);
    }
}

TEST(record_batch, set_log_append_time_twice) {
    bytes batch = build_batch(sample_records(0), {.log_append_time = true});
    set_log_append_time(batch.data(), batch.size(), 1);
    set_log_append_time(batch.data(), batch.size(), 2);
    EXPECT_EQ(validate_batch(batch), error_code::none);
    EXPECT_EQ(read_batch_header(batch)->max_timestamp, 2);
}

TEST(record_batch, set_log_append_time_does_not_launder_corruption) {
    bytes batch = build_batch(sample_records(0), {});
    batch.back() ^= 1;
    set_log_append_time(batch.data(), batch.size(), 99);
    EXPECT_EQ(validate_batch(batch), error_code::corrupt_message);
}

TEST(record_batch, offset_and_epoch_edits_outside_crc) {
    bytes batch = build_batch(sample_records(0), {});
    set_base_offset(batch.data(), 1LL << 40);
    set_partition_leader_epoch(batch.data(), 77);
    EXPECT_EQ(validate_batch(batch), error_code::none);
    auto h = read_batch_header(batch);
    EXPECT_EQ(h->base_offset, 1LL << 40);
    EXPECT_EQ(h->partition_leader_epoch, 77);
    std::vector<record> decoded;
    ASSERT_EQ(decode_records(batch, decoded), error_code::none);
    EXPECT_EQ(decoded[3].offset, (1LL << 40) + 3);
}

// ---- batch_iterator ----

TEST(batch_iterator, splits_and_stops_at_partial) {
    bytes a = build_batch(sample_records(0), {});
    bytes b = build_batch(sample_records(6), {.base_offset = 6, .codec = compression::lz4});
    bytes all = concat({a, b, bytes(a.begin(), a.begin() + 30)});
    batch_iterator it(all);
    auto first = it.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->size(), a.size());
    auto second = it.next();
    ASSERT_TRUE(second);
    EXPECT_EQ(validate_batch(*second), error_code::none);
    EXPECT_FALSE(it.next());
    EXPECT_EQ(it.consumed(), a.size() + b.size());
}

TEST(batch_iterator, stops_at_garbled_length) {
    bytes a = build_batch(sample_records(0), {});
    bytes all = concat({a, a});
    store_be32(all.data() + a.size() + 8, 3);  // shorter than any header
    batch_iterator it(all);
    EXPECT_TRUE(it.next());
    EXPECT_FALSE(it.next());
    store_be32(all.data() + a.size() + 8, 0x80000000u);  // negative
    batch_iterator it2(all);
    EXPECT_TRUE(it2.next());
    EXPECT_FALSE(it2.next());
    EXPECT_EQ(it2.consumed(), a.size());
}

TEST(batch_iterator, empty_input) {
    batch_iterator it(bytes_view{});
    EXPECT_FALSE(it.next());
    EXPECT_EQ(it.consumed(), 0u);
}

}  // namespace
}  // namespace sluice::protocol
