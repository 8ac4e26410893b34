// One named test per way a batch can be wrong, then a fixed-seed mutation
// loop. Each checks the error code Kafka clients expect.
#include <gtest/gtest.h>

#include <random>

#include "protocol/compression.h"
#include "protocol/crc32c.h"
#include "protocol/record_batch.h"
#include "unit/protocol/batch_test_util.h"

namespace sluice::protocol {
namespace {
using namespace sluice::protocol::test_util;

bytes valid_batch(compression codec = compression::none) {
    return build_batch(sample_records(0), {.codec = codec});
}

TEST(batch_corruption, bad_crc_over_records) {
    bytes b = valid_batch();
    b[b.size() - 3] ^= 0x10;
    EXPECT_EQ(validate_batch(b), error_code::corrupt_message);
    EXPECT_EQ(check_batch_crc(b), error_code::corrupt_message);
}

TEST(batch_corruption, bad_crc_field) {
    bytes b = valid_batch();
    b[17] ^= 0x01;
    EXPECT_EQ(validate_batch(b), error_code::corrupt_message);
    EXPECT_EQ(check_batch_crc(b), error_code::corrupt_message);
}

TEST(batch_corruption, crc_covers_attributes) {
    bytes b = valid_batch();
    b[22] |= 0x10;  // transactional bit
    EXPECT_EQ(validate_batch(b), error_code::corrupt_message);
}

TEST(batch_corruption, truncated_header) {
    bytes b = valid_batch();
    for (size_t n : {size_t{0}, size_t{11}, size_t{16}, size_t{17}, size_t{40}, size_t{60}}) {
        bytes t(b.begin(), b.begin() + static_cast<ptrdiff_t>(n));
        EXPECT_EQ(validate_batch(t), error_code::corrupt_message) << n;
        EXPECT_EQ(check_batch_crc(t), error_code::corrupt_message) << n;
        std::vector<record> out;
        EXPECT_EQ(decode_records(t, out), error_code::corrupt_message) << n;
    }
}

TEST(batch_corruption, batch_length_larger_than_buffer) {
    bytes b = valid_batch();
    b.pop_back();
    EXPECT_EQ(validate_batch(b), error_code::corrupt_message);
    EXPECT_EQ(check_batch_crc(b), error_code::corrupt_message);
}

TEST(batch_corruption, batch_length_smaller_than_buffer) {
    bytes b = valid_batch();
    b.push_back(0);
    EXPECT_EQ(validate_batch(b), error_code::corrupt_message);
    EXPECT_EQ(check_batch_crc(b), error_code::corrupt_message);
}

TEST(batch_corruption, batch_length_negative) {
    bytes b = valid_batch();
    store_be32(b.data() + 8, 0xfffffff0u);
    EXPECT_EQ(validate_batch(b), error_code::corrupt_message);
}

TEST(batch_corruption, batch_length_below_header) {
    bytes b = valid_batch();
    b.resize(batch_header_size - 1);
    store_be32(b.data() + 8, static_cast<uint32_t>(b.size() - 12));
    EXPECT_EQ(validate_batch(b), error_code::corrupt_message);
}

TEST(batch_corruption, record_length_too_long) {
    bytes b = raw_batch(concat({raw_record(0, 2, 2, 0), raw_record(1, 2, 2, 0, +1)}), 2, 1);
    EXPECT_EQ(validate_batch(b), error_code::corrupt_message);
}

TEST(batch_corruption, record_length_too_short) {
    bytes b = raw_batch(concat({raw_record(0, 2, 2, 0, -1), raw_record(1, 2, 2, 0)}), 2, 1);
    EXPECT_EQ(validate_batch(b), error_code::corrupt_message);
}

TEST(batch_corruption, record_length_negative) {
    bytes rec = raw_record(0, 2, 2, 0);
    rec[0] = 0x01;  // zigzag -1
    EXPECT_EQ(validate_batch(raw_batch(rec, 1, 0)), error_code::corrupt_message);
}

TEST(batch_corruption, record_length_beyond_batch) {
    writer w;
    w.write_varint(1 << 30);
    w.write_raw(raw_record(0, 1, 1, 0));
    EXPECT_EQ(validate_batch(raw_batch(w.buffer(), 1, 0)), error_code::corrupt_message);
}

TEST(batch_corruption, key_length_negative) {
    EXPECT_EQ(validate_batch(raw_batch(raw_record(0, -2, 2, 0), 1, 0)), error_code::corrupt_message);
}

TEST(batch_corruption, value_length_negative) {
    EXPECT_EQ(validate_batch(raw_batch(raw_record(0, 2, -5, 0), 1, 0)), error_code::corrupt_message);
}

TEST(batch_corruption, key_length_beyond_record) {
    bytes rec = raw_record(0, 2, 2, 0);
    rec[4] = 2 * 40;  // key length varint (zigzag 40) after len, attrs, ts, offset
    EXPECT_EQ(validate_batch(raw_batch(rec, 1, 0)), error_code::corrupt_message);
}

TEST(batch_corruption, header_count_negative) {
    EXPECT_EQ(validate_batch(raw_batch(raw_record(0, 1, 1, -1), 1, 0)), error_code::corrupt_message);
}

TEST(batch_corruption, header_count_beyond_record) {
    EXPECT_EQ(validate_batch(raw_batch(raw_record(0, 1, 1, 1000000), 1, 0)), error_code::corrupt_message);
}

TEST(batch_corruption, header_value_length_lies) {
    writer h;
    h.write_varint(1);
    h.write_raw(to_bytes("k"));
    h.write_varint(50);  // only 1 byte follows
    h.write_raw(to_bytes("v"));
    EXPECT_EQ(validate_batch(raw_batch(raw_record(0, 1, 1, 1, 0, h.buffer()), 1, 0)), error_code::corrupt_message);
}

TEST(batch_corruption, header_key_null) {
    writer h;
    h.write_varint(-1);
    h.write_varint(-1);
    EXPECT_EQ(validate_batch(raw_batch(raw_record(0, 1, 1, 1, 0, h.buffer()), 1, 0)), error_code::invalid_record);
}

TEST(batch_corruption, headers_fewer_than_claimed_bytes_left) {
    writer h;
    h.write_varint(1);
    h.write_raw(to_bytes("k"));
    h.write_varint(-1);
    h.write_raw(bytes{0, 0});  // two stray bytes inside the record
    EXPECT_EQ(validate_batch(raw_batch(raw_record(0, 1, 1, 1, 0, h.buffer()), 1, 0)), error_code::corrupt_message);
}

TEST(batch_corruption, too_many_records_claimed) {
    bytes recs = concat({raw_record(0, 1, 1, 0), raw_record(1, 1, 1, 0)});
    EXPECT_EQ(validate_batch(raw_batch(recs, 3, 2)), error_code::corrupt_message);
}

TEST(batch_corruption, huge_record_count_claimed) {
    bytes recs = concat({raw_record(0, 1, 1, 0), raw_record(1, 1, 1, 0)});
    EXPECT_EQ(validate_batch(raw_batch(recs, INT32_MAX, INT32_MAX - 1)), error_code::corrupt_message);
    std::vector<record> out;
    EXPECT_EQ(decode_records(raw_batch(recs, INT32_MAX, INT32_MAX - 1), out), error_code::corrupt_message);
}

TEST(batch_corruption, too_few_records_claimed) {
    bytes recs = concat({raw_record(0, 1, 1, 0), raw_record(1, 1, 1, 0)});
    EXPECT_EQ(validate_batch(raw_batch(recs, 1, 0)), error_code::corrupt_message);
}

TEST(batch_corruption, record_count_negative) {
    EXPECT_EQ(validate_batch(raw_batch({}, -1, 0)), error_code::invalid_record);
}

TEST(batch_corruption, last_offset_delta_mismatch) {
    bytes recs = concat({raw_record(0, 1, 1, 0), raw_record(1, 1, 1, 0)});
    EXPECT_EQ(validate_batch(raw_batch(recs, 2, 2)), error_code::invalid_record);
    EXPECT_EQ(validate_batch(raw_batch(recs, 2, 0)), error_code::invalid_record);
}

TEST(batch_corruption, offset_deltas_skip) {
    bytes recs = concat({raw_record(0, 1, 1, 0), raw_record(2, 1, 1, 0)});
    EXPECT_EQ(validate_batch(raw_batch(recs, 2, 1)), error_code::invalid_record);
}

TEST(batch_corruption, offset_deltas_out_of_order) {
    bytes recs = concat({raw_record(1, 1, 1, 0), raw_record(0, 1, 1, 0)});
    EXPECT_EQ(validate_batch(raw_batch(recs, 2, 1)), error_code::invalid_record);
}

TEST(batch_corruption, empty_batch_with_trailing_bytes) {
    EXPECT_EQ(validate_batch(raw_batch(bytes{0, 0, 0}, 0, 0)), error_code::corrupt_message);
}

TEST(batch_corruption, unknown_codec) {
    for (int16_t codec : {5, 6, 7}) {
        bytes b = raw_batch(raw_record(0, 1, 1, 0), 1, 0, codec);
        EXPECT_EQ(validate_batch(b), error_code::unsupported_compression_type) << codec;
        std::vector<record> out;
        EXPECT_EQ(decode_records(b, out), error_code::unsupported_compression_type) << codec;
    }
}

TEST(batch_corruption, magic_0_and_1) {
    for (uint8_t magic : {0, 1}) {
        bytes b = valid_batch();
        b[16] = magic;
        EXPECT_EQ(validate_batch(b), error_code::unsupported_for_message_format);
        // A legacy message set is smaller than a v2 header and need not be
        // exactly one message; the magic alone decides.
        b.resize(30);
        EXPECT_EQ(validate_batch(b), error_code::unsupported_for_message_format);
    }
}

TEST(batch_corruption, magic_unknown) {
    for (uint8_t magic : {3, 0x80, 0xff}) {
        bytes b = valid_batch();
        b[16] = magic;
        EXPECT_EQ(validate_batch(b), error_code::corrupt_message) << int(magic);
    }
}

bytes compressed_batch(compression codec, const bytes& payload, int32_t count) {
    return raw_batch(payload, count, count - 1, static_cast<int16_t>(codec));
}

TEST(batch_corruption, gzip_bomb_bounded) {
    bytes zeros(max_decompressed_batch_size + 1024, 0);
    bytes bomb;
    ASSERT_EQ(compress(compression::gzip, zeros, bomb), error_code::none);
    zeros = bytes();
    ASSERT_LT(bomb.size(), 200u * 1024);
    EXPECT_EQ(validate_batch(compressed_batch(compression::gzip, bomb, 1)), error_code::message_too_large);
}

TEST(batch_corruption, zstd_bomb_bounded) {
    bytes zeros(max_decompressed_batch_size + 1, 0);
    bytes bomb;
    ASSERT_EQ(compress(compression::zstd, zeros, bomb), error_code::none);
    zeros = bytes();
    EXPECT_EQ(validate_batch(compressed_batch(compression::zstd, bomb, 1)), error_code::message_too_large);
}

TEST(batch_corruption, garbage_compressed_payload) {
    std::mt19937 rng(11);
    bytes garbage(300);
    for (auto& b : garbage) b = static_cast<uint8_t>(rng());
    for (auto codec : {compression::gzip, compression::snappy, compression::lz4, compression::zstd}) {
        EXPECT_EQ(validate_batch(compressed_batch(codec, garbage, 1)), error_code::corrupt_message)
            << static_cast<int>(codec);
    }
}

TEST(batch_corruption, truncated_compressed_payload) {
    for (auto codec : {compression::gzip, compression::snappy, compression::lz4, compression::zstd}) {
        bytes b = build_batch(sample_records(0), {.codec = codec});
        b.resize(b.size() - 5);
        reseal(b);
        EXPECT_EQ(validate_batch(b), error_code::corrupt_message) << static_cast<int>(codec);
    }
}

TEST(batch_corruption, compressed_records_framing_still_checked) {
    bytes recs = concat({raw_record(0, 1, 1, 0), raw_record(1, 1, 1, 0, +1)});
    for (auto codec : {compression::gzip, compression::snappy, compression::lz4, compression::zstd}) {
        bytes packed;
        ASSERT_EQ(compress(codec, recs, packed), error_code::none);
        EXPECT_EQ(validate_batch(compressed_batch(codec, packed, 2)), error_code::corrupt_message);
    }
}

// Fixed-seed mutations of valid batches. With the CRC resealed half of the
// time the mutations reach the record parser and the decompressors; the
// point is that nothing crashes or over-reads (ASan builds run this).
TEST(batch_corruption, random_mutations_never_crash) {
    std::mt19937 rng(20240601);
    std::vector<bytes> seeds;
    for (auto codec : {compression::none, compression::gzip, compression::snappy, compression::lz4, compression::zstd}) {
        seeds.push_back(build_batch(sample_records(0), {.codec = codec}));
    }
    int accepted = 0;
    for (int i = 0; i < 20000; ++i) {
        bytes b = seeds[static_cast<size_t>(i) % seeds.size()];
        int flips = 1 + static_cast<int>(rng() % 4);
        for (int f = 0; f < flips; ++f) {
            size_t at = 21 + rng() % (b.size() - 21);
            b[at] = (rng() % 2) ? static_cast<uint8_t>(rng()) : static_cast<uint8_t>(b[at] ^ (1u << (rng() % 8)));
        }
        if (rng() % 8 == 0) b.resize(batch_header_size + rng() % (b.size() - batch_header_size));
        if (rng() % 2 == 0) reseal(b);
        if (validate_batch(b) == error_code::none) ++accepted;
        std::vector<record> out;
        (void)decode_records(b, out);
        batch_iterator it(b);
        while (it.next()) {
        }
    }
    // Some mutations land in values and stay valid; most must not.
    EXPECT_LT(accepted, 20000 / 2);
}

}  // namespace
}  // namespace sluice::protocol
