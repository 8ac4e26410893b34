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

INSTANTIATE_TEST_SUITE_P(codecs, record_visitor_test,
                         ::testing::Values(compression::none, compression::gzip, compression::snappy,
                                           compression::lz4, compression::zstd));

TEST(record_visitor, rejects_truncated_batch) {
    bytes batch = build_batch(sample_records(), {});
    batch.resize(batch.size() - 3);
    int seen = 0;
    EXPECT_NE(for_each_record(batch, [&](const record_view&) { ++seen; }), error_code::none);
}

}  // namespace
}  // namespace sluice::protocol
