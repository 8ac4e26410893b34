// protocol::visit_records / for_each_record: the zero-copy record walk.
#include <gtest/gtest.h>

#include "protocol/compression.h"
#include "protocol/record_batch.h"

namespace sluice::protocol {
namespace {

std::vector<record> sample_records() {
    std::vector<record> records;
    for (int i = 0; i < 5; ++i) {
        record r;
        r.offset = 100 + i;
        r.timestamp = 5000 + i * 3;
        r.key = bytes{static_cast<uint8_t>('k'), static_cast<uint8_t>(i)};
        if (i != 2) r.value = bytes(static_cast<size_t>(i * 10), static_cast<uint8_t>(i));
        r.headers.emplace_back("h", bytes{1, 2});
        records.push_back(std::move(r));
    }
    return records;
}

class record_visitor_test : public ::testing::TestWithParam<compression> {};

TEST_P(record_visitor_test, sees_what_decode_records_sees) {
    auto records = sample_records();
    batch_builder_options options;
    options.base_offset = 100;
    options.codec = GetParam();
    bytes batch = build_batch(records, options);
    std::vector<record> decoded;
    ASSERT_EQ(decode_records(batch, decoded), error_code::none);
    size_t i = 0;
    bytes encoded_all;
    auto ec = for_each_record(batch, [&](const record_view& v) {
        ASSERT_LT(i, decoded.size());
        EXPECT_EQ(v.offset, decoded[i].offset);
        EXPECT_EQ(v.timestamp, decoded[i].timestamp);
        EXPECT_EQ(bytes(v.key->begin(), v.key->end()), *decoded[i].key);
        EXPECT_EQ(v.value.has_value(), decoded[i].value.has_value());
        if (v.value) {
            EXPECT_EQ(bytes(v.value->begin(), v.value->end()), *decoded[i].value);
        }
        EXPECT_EQ(v.header_count, 1);
        encoded_all.insert(encoded_all.end(), v.encoded.begin(), v.encoded.end());
        ++i;
    });
    EXPECT_EQ(ec, error_code::none);
    EXPECT_EQ(i, records.size());
    // The encoded views, back to back, are exactly the records section.
    bytes section;
    if (GetParam() == compression::none) {
        section.assign(batch.begin() + batch_header_size, batch.end());
    } else {
        ASSERT_EQ(decompress(GetParam(), bytes_view(batch).subspan(batch_header_size), section, 1 << 20),
                  error_code::none);
    }
    EXPECT_EQ(encoded_all, section);
}

// validate_each_record: the producer's validation, seeing the same records
// as for_each_record in the same walk.
TEST_P(record_visitor_test, validating_walk_sees_what_for_each_record_sees) {
    std::vector<record> records;
    for (int i = 0; i < 4; ++i) {
        record r;
        r.offset = 100 + i;  // offset deltas 0..3, as a producer sends them
        r.timestamp = 7000 - i;
        if (i != 1) r.key = bytes{static_cast<uint8_t>('k'), static_cast<uint8_t>(i)};
        if (i != 3) r.value = bytes(static_cast<size_t>(i * 7), 'v');
        records.push_back(std::move(r));
    }
    batch_builder_options options;
    options.base_offset = 100;
    options.codec = GetParam();
    bytes batch = build_batch(records, options);

    std::vector<std::pair<int64_t, bytes>> visited, validated;
    auto collect = [](std::vector<std::pair<int64_t, bytes>>& into) {
        return [&into](const record_view& v) {
            into.emplace_back(v.offset, bytes(v.encoded.begin(), v.encoded.end()));
            EXPECT_EQ(v.timestamp, 7000 - (v.offset - 100));
        };
    };
    ASSERT_EQ(for_each_record(batch, collect(visited)), error_code::none);
    record_facts facts;
    ASSERT_EQ(validate_each_record(batch, facts, collect(validated)), error_code::none);
    EXPECT_EQ(validated, visited);
    EXPECT_EQ(validated.size(), records.size());
}

INSTANTIATE_TEST_SUITE_P(codecs, record_visitor_test,
                         ::testing::Values(compression::none, compression::gzip, compression::snappy,
                                           compression::lz4, compression::zstd));

TEST(record_visitor, rejects_truncated_batch) {
    bytes batch = build_batch(sample_records(), {});
    batch.resize(batch.size() - 3);
    int seen = 0;
    EXPECT_NE(for_each_record(batch, [&](const record_view&) { ++seen; }), error_code::none);
}

TEST(record_visitor, validating_walk_keeps_validate_batch_verdicts) {
    // The CRC is checked before any record is shown.
    bytes batch = build_batch(sample_records(), {.base_offset = 100});
    bytes bad_crc = batch;
    bad_crc[batch_header_size + 2] ^= 0x01;
    int seen = 0;
    record_facts facts;
    EXPECT_EQ(validate_each_record(bad_crc, facts, [&](const record_view&) { ++seen; }), error_code::corrupt_message);
    EXPECT_EQ(seen, 0);
    // sample_records() has no offset gaps but starts at delta 0: valid.
    EXPECT_EQ(validate_each_record(batch, facts, [&](const record_view&) { ++seen; }), validate_batch(batch));
    EXPECT_EQ(seen, 5);
}

}  // namespace
}  // namespace sluice::protocol
