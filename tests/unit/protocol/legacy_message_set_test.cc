// The legacy (magic 0/1) message set reader and its conversion to a v2
// batch: each codec and magic, offsets inside wrappers, then one named test
// per malformed shape with the error Kafka answers, and a fixed-seed
// mutation loop that must never crash.
#include <gtest/gtest.h>
#include <snappy.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdint>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "protocol/compression.h"
#include "protocol/legacy_convert.h"
#include "protocol/legacy_message_set.h"
#include "protocol/record_batch.h"
#include "unit/protocol/legacy_test_util.h"

namespace sluice::protocol {
namespace {
using namespace sluice::protocol::test_util;

constexpr int32_t no_limit = 1 << 30;

// Three messages of one magic, offsets as a magic 1 wrapper wants them
// (relative, from 0).
bytes three_messages(int8_t magic) {
    bytes out;
    for (int i = 0; i < 3; ++i) {
        std::optional<std::string> key;
        if (i != 1) key = "k" + std::to_string(i);
        std::optional<std::string> value = i == 2 ? std::optional<std::string>{} : "value-" + std::to_string(i);
        out = concat(
            {out, legacy_message({.key = key, .value = value, .magic = magic, .timestamp = 1000 + i, .offset = i})});
    }
    return out;
}

void expect_three(const legacy_set& s, int8_t magic) {
    ASSERT_EQ(s.entries.size(), 3u);
    EXPECT_EQ(s.magic, magic);
    EXPECT_EQ(as_string(*s.entries[0].key), "k0");
    EXPECT_FALSE(s.entries[1].key);
    EXPECT_EQ(as_string(*s.entries[1].value), "value-1");
    EXPECT_FALSE(s.entries[2].value);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(s.entries[static_cast<size_t>(i)].timestamp, magic == 0 ? -1 : 1000 + i);
}

bytes compressed(compression codec, const bytes& inner) {
    bytes out;
    EXPECT_EQ(compress(codec, inner, out), error_code::none);
    return out;
}

bytes wrapper_of(compression codec, const bytes& payload, int8_t magic, int64_t offset = 0, uint8_t extra = 0,
                 int64_t timestamp = 5) {
    return legacy_message({.value = std::string(payload.begin(), payload.end()),
                           .magic = magic,
                           .attributes = static_cast<uint8_t>(static_cast<uint8_t>(codec) | extra),
                           .timestamp = timestamp,
                           .offset = offset});
}

// Kafka's pre-0.10 LZ4 header checksum: xxh32 over the frame's magic
// number and descriptor rather than the descriptor alone.
bytes with_kafka_v0_lz4_checksum(bytes frame) {
    const size_t descriptor = 2 + ((frame[4] & 0x08) ? 8 : 0) + ((frame[4] & 0x01) ? 4 : 0);
    frame[4 + descriptor] = static_cast<uint8_t>((XXH32(frame.data(), 4 + descriptor, 0) >> 8) & 0xFF);
    return frame;
}

bytes one_v2_batch() {
    record r;
    r.timestamp = 1;
    r.key = bytes{1};
    r.value = bytes{2};
    return build_batch({r}, {});
}

error_code read(bytes_view set, legacy_set& out, int32_t max = no_limit) {
    return read_legacy_message_set(set, max, out);
}

error_code read(bytes_view set) {
    legacy_set out;
    return read(set, out);
}

// ---- reading ----

TEST(legacy_reader, magic_0_uncompressed) {
    legacy_set s;
    const bytes set = three_messages(0);  // the entries are views into it
    ASSERT_EQ(read(set, s), error_code::none);
    expect_three(s, 0);
    EXPECT_EQ(s.codec, compression::none);
}

TEST(legacy_reader, magic_1_uncompressed_keeps_timestamps) {
    legacy_set s;
    const bytes set = three_messages(1);  // the entries are views into it
    ASSERT_EQ(read(set, s), error_code::none);
    expect_three(s, 1);
}

TEST(legacy_reader, outer_offsets_carry_no_meaning) {
    bytes set = concat({legacy_message({.key = "a", .value = "1", .offset = 77}),
                        legacy_message({.key = "b", .value = "2", .offset = 3})});
    legacy_set s;
    ASSERT_EQ(read(set, s), error_code::none);
    EXPECT_EQ(s.entries.size(), 2u);
}

TEST(legacy_reader, every_codec_for_both_magics) {
    for (int8_t magic : {0, 1}) {
        for (compression codec : {compression::gzip, compression::snappy, compression::lz4}) {
            bytes payload = compressed(codec, three_messages(magic));
            if (codec == compression::lz4 && magic == 0) payload = with_kafka_v0_lz4_checksum(payload);
            legacy_set s;
            ASSERT_EQ(read(wrapper_of(codec, payload, magic, magic == 1 ? 2 : 0), s), error_code::none)
                << int(magic) << " " << int(codec);
            expect_three(s, magic);
            EXPECT_EQ(s.codec, codec);
        }
    }
}

TEST(legacy_reader, raw_snappy_as_librdkafka_writes_it) {
    std::string raw;
    bytes inner = three_messages(0);
    snappy::Compress(reinterpret_cast<const char*>(inner.data()), inner.size(), &raw);
    legacy_set s;
    ASSERT_EQ(read(wrapper_of(compression::snappy, bytes(raw.begin(), raw.end()), 0), s), error_code::none);
    expect_three(s, 0);
}

// Kafka checks the LZ4 header checksum of magic 1 frames, never of magic 0.
TEST(legacy_reader, lz4_header_checksum_by_magic) {
    bytes good = compressed(compression::lz4, three_messages(0));
    EXPECT_EQ(read(wrapper_of(compression::lz4, good, 0)), error_code::none);
    bytes good1 = compressed(compression::lz4, three_messages(1));
    EXPECT_EQ(read(wrapper_of(compression::lz4, with_kafka_v0_lz4_checksum(good1), 1, 2)), error_code::corrupt_message);
}

TEST(legacy_reader, magic_1_log_append_time_wrapper_stamps_its_messages) {
    legacy_set s;
    bytes set = wrapper_of(compression::gzip, compressed(compression::gzip, three_messages(1)), 1, 2, 0x8, 4242);
    ASSERT_EQ(read(set, s), error_code::none);
    for (const auto& e : s.entries) {
        EXPECT_EQ(e.timestamp, 4242);
        EXPECT_TRUE(e.log_append_time);
    }
}

TEST(legacy_reader, magic_1_wrapper_offsets) {
    bytes payload = compressed(compression::gzip, three_messages(1));
    // The absolute offset of the last inner message, or 0 as librdkafka sends.
    for (int64_t wrapper_offset : {0, 2, 1002}) {
        EXPECT_EQ(read(wrapper_of(compression::gzip, payload, 1, wrapper_offset)), error_code::none) << wrapper_offset;
    }
    EXPECT_EQ(read(wrapper_of(compression::gzip, payload, 1, 1)), error_code::invalid_record);
    // Magic 0 wrappers carry absolute offsets Kafka never checks.
    EXPECT_EQ(read(wrapper_of(compression::gzip, compressed(compression::gzip, three_messages(0)), 0, 1)),
              error_code::none);
}

TEST(legacy_reader, partial_trailing_outer_message_is_dropped) {
    bytes second = legacy_message({.key = "b", .value = "2"});
    for (size_t cut : {size_t{1}, size_t{11}, size_t{12}, second.size() - 1}) {
        bytes set = concat({legacy_message({.key = "a", .value = "1"}),
                            bytes(second.begin(), second.begin() + static_cast<ptrdiff_t>(cut))});
        legacy_set s;
        ASSERT_EQ(read(set, s), error_code::none) << cut;
        EXPECT_EQ(s.entries.size(), 1u);
    }
}

TEST(legacy_reader, partial_trailing_inner_message_is_dropped) {
    bytes inner = three_messages(0);
    inner.resize(inner.size() - 2);
    legacy_set s;
    ASSERT_EQ(read(wrapper_of(compression::gzip, compressed(compression::gzip, inner), 0), s), error_code::none);
    EXPECT_EQ(s.entries.size(), 2u);
}

// ---- malformed sets, one per shape ----

TEST(legacy_malformed, bad_outer_crc) {
    EXPECT_EQ(read(legacy_message({.key = "k", .value = "v", .crc = 1})), error_code::corrupt_message);
    bytes m = legacy_message({.key = "k", .value = "v"});
    m.back() ^= 1;
    EXPECT_EQ(read(m), error_code::corrupt_message);
}

TEST(legacy_malformed, bad_inner_crc) {
    bytes inner = legacy_message({.key = "k", .value = "v", .crc = 7});
    EXPECT_EQ(read(wrapper_of(compression::gzip, compressed(compression::gzip, inner), 0)),
              error_code::corrupt_message);
}

TEST(legacy_malformed, only_a_partial_message) {
    bytes m = legacy_message({.key = "k", .value = "v"});
    m.pop_back();
    EXPECT_EQ(read(m), error_code::corrupt_message);
    EXPECT_EQ(read(bytes{}), error_code::corrupt_message);
}

TEST(legacy_malformed, size_below_the_smallest_message) {
    writer w;
    w.write_int64(0);
    w.write_int32(13);
    w.write_raw(bytes(13, 0));
    EXPECT_EQ(read(w.buffer()), error_code::corrupt_message);
    EXPECT_EQ(read(wrapper_of(compression::gzip, compressed(compression::gzip, w.buffer()), 0)),
              error_code::corrupt_message);
    writer negative;
    negative.write_int64(0);
    negative.write_int32(-5);
    negative.write_raw(bytes(20, 0));
    EXPECT_EQ(read(negative.buffer()), error_code::corrupt_message);
}

// A length that does not fit the message, under a right CRC.
TEST(legacy_malformed, key_or_value_length_past_the_message) {
    for (size_t at : {size_t{18}, size_t{23}}) {  // key length, value length (magic 0, key "k")
        for (int32_t length : {99, -2}) {
            bytes m = legacy_message({.key = "k", .value = "v"});
            for (int i = 0; i < 4; ++i)
                m[at + static_cast<size_t>(i)] = static_cast<uint8_t>(length >> (24 - 8 * i));
            uint32_t crc = legacy_crc(bytes_view(m).subspan(16));
            for (int i = 0; i < 4; ++i)
                m[12 + static_cast<size_t>(i)] = static_cast<uint8_t>(crc >> (24 - 8 * i));
            EXPECT_EQ(read(m), error_code::corrupt_message) << at << " " << length;
        }
    }
}

TEST(legacy_malformed, garbage_compressed_payload) {
    for (compression codec : {compression::gzip, compression::snappy, compression::lz4}) {
        bytes garbage(64, 0xEE);
        EXPECT_EQ(read(wrapper_of(codec, garbage, 0)), error_code::corrupt_message) << int(codec);
    }
}

TEST(legacy_malformed, garbage_after_decompression) {
    bytes inner(40, 0x00);  // a message of size 0
    EXPECT_EQ(read(wrapper_of(compression::gzip, compressed(compression::gzip, inner), 0)),
              error_code::corrupt_message);
}

TEST(legacy_malformed, unknown_codec) {
    for (uint8_t codec : {5, 6, 7}) {
        EXPECT_EQ(read(legacy_message({.value = "x", .attributes = codec})), error_code::unsupported_compression_type);
    }
}

TEST(legacy_malformed, zstd_wrapper) {
    EXPECT_EQ(read(wrapper_of(compression::zstd, compressed(compression::zstd, three_messages(1)), 1, 2)),
              error_code::invalid_record);
}

TEST(legacy_malformed, null_valued_wrapper) {
    EXPECT_EQ(read(legacy_message({.attributes = 1})), error_code::invalid_record);
}

TEST(legacy_malformed, empty_inner_set) {
    EXPECT_EQ(read(wrapper_of(compression::gzip, compressed(compression::gzip, {}), 0)), error_code::invalid_record);
}

TEST(legacy_malformed, inner_magic_differs_from_wrapper) {
    bytes set = wrapper_of(compression::gzip, compressed(compression::gzip, three_messages(0)), 1, 2);
    EXPECT_EQ(read(set), error_code::invalid_record);
    bytes v2 = one_v2_batch();
    EXPECT_EQ(read(wrapper_of(compression::gzip, compressed(compression::gzip, v2), 1)), error_code::invalid_record);
}

// Kafka refuses the set at a bad CRC at once, but only after the records
// before it; a magic mismatch is noted and the walk goes on.
TEST(legacy_malformed, bad_crc_wins_over_an_earlier_magic_mismatch) {
    bytes inner = concat({legacy_message({.key = "a", .value = "1", .magic = 0}),
                          legacy_message({.key = "b", .value = "2", .magic = 1, .offset = 1, .crc = 3})});
    EXPECT_EQ(read(wrapper_of(compression::gzip, compressed(compression::gzip, inner), 1, 1)),
              error_code::corrupt_message);
}

TEST(legacy_malformed, compressed_inner_message) {
    bytes nested = wrapper_of(compression::gzip, compressed(compression::gzip, three_messages(0)), 0);
    EXPECT_EQ(read(wrapper_of(compression::gzip, compressed(compression::gzip, nested), 0)),
              error_code::invalid_record);
}

TEST(legacy_malformed, two_wrappers) {
    bytes one = wrapper_of(compression::gzip, compressed(compression::gzip, three_messages(0)), 0);
    EXPECT_EQ(read(concat({one, one})), error_code::invalid_record);
    // A compressed wrapper after a plain message makes the set compressed too.
    EXPECT_EQ(read(concat({legacy_message({.key = "a", .value = "1"}), one})), error_code::invalid_record);
}

TEST(legacy_malformed, mixed_magics) {
    bytes set = concat({legacy_message({.key = "a", .value = "1", .magic = 0}),
                        legacy_message({.key = "b", .value = "2", .magic = 1})});
    EXPECT_EQ(read(set), error_code::invalid_record);
}

TEST(legacy_malformed, v2_batch_after_legacy_messages) {
    bytes v2 = one_v2_batch();
    EXPECT_EQ(read(concat({legacy_message({.key = "a", .value = "1"}), v2})), error_code::invalid_record);
    v2.back() ^= 1;  // its CRC-32C is checked first
    EXPECT_EQ(read(concat({legacy_message({.key = "a", .value = "1"}), v2})), error_code::corrupt_message);
}

TEST(legacy_malformed, unknown_magic_after_legacy_messages) {
    bytes other = legacy_message({.key = "b", .value = "2"});
    other[16] = 3;
    EXPECT_EQ(read(concat({legacy_message({.key = "a", .value = "1"}), other})), error_code::corrupt_message);
}

TEST(legacy_malformed, message_above_max_message_bytes) {
    bytes m = legacy_message({.key = "k", .value = std::string(100, 'x')});
    legacy_set s;
    EXPECT_EQ(read(m, s, static_cast<int32_t>(m.size()) - 1), error_code::message_too_large);
    EXPECT_EQ(read(m, s, static_cast<int32_t>(m.size())), error_code::none);
}

TEST(legacy_malformed, decompression_bomb) {
    bytes zeros(max_decompressed_batch_size + 1, 0);
    EXPECT_EQ(read(wrapper_of(compression::gzip, compressed(compression::gzip, zeros), 0)),
              error_code::message_too_large);
}

// Random byte flips over valid sets (fixed seed): any answer but a crash.
TEST(legacy_malformed, mutations_never_crash) {
    std::mt19937 rng(20261207);
    std::vector<bytes> seeds = {three_messages(0), three_messages(1),
                                wrapper_of(compression::gzip, compressed(compression::gzip, three_messages(1)), 1, 2),
                                wrapper_of(compression::lz4, compressed(compression::lz4, three_messages(1)), 1, 2),
                                wrapper_of(compression::snappy, compressed(compression::snappy, three_messages(0)), 0)};
    int refused = 0;
    for (int round = 0; round < 4000; ++round) {
        bytes m = seeds[static_cast<size_t>(round) % seeds.size()];
        for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; --flips) {
            m[rng() % m.size()] ^= static_cast<uint8_t>(1 + rng() % 255);
        }
        if (round % 7 == 0) m.resize(rng() % m.size());
        bytes out;
        if (convert_legacy_message_set(m, {}, out) != error_code::none) ++refused;
    }
    EXPECT_GT(refused, 2500);  // most flips hit what a CRC covers
}

// ---- conversion ----

std::vector<record> records_of(const bytes& batch) {
    std::vector<record> out;
    EXPECT_EQ(decode_records(batch, out), error_code::none);
    return out;
}

TEST(legacy_convert, magic_0_becomes_one_v2_batch_without_timestamps) {
    bytes out;
    ASSERT_EQ(convert_legacy_message_set(three_messages(0), {}, out), error_code::none);
    ASSERT_EQ(validate_batch(out), error_code::none);
    auto h = *read_batch_header(out);
    EXPECT_EQ(h.magic, 2);
    EXPECT_EQ(h.producer_id, -1);
    EXPECT_EQ(h.codec(), compression::none);
    EXPECT_FALSE(h.log_append_time());
    EXPECT_EQ(h.max_timestamp, -1);
    auto rs = records_of(out);
    ASSERT_EQ(rs.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(rs[static_cast<size_t>(i)].offset, i);
        EXPECT_EQ(rs[static_cast<size_t>(i)].timestamp, -1);
    }
    EXPECT_EQ(rs[0].key, bytes({'k', '0'}));
    EXPECT_FALSE(rs[1].key);
    EXPECT_FALSE(rs[2].value);
}

TEST(legacy_convert, magic_1_keeps_create_time) {
    bytes out;
    bytes set = wrapper_of(compression::snappy, compressed(compression::snappy, three_messages(1)), 1, 2);
    ASSERT_EQ(convert_legacy_message_set(set, {}, out), error_code::none);
    auto rs = records_of(out);
    ASSERT_EQ(rs.size(), 3u);
    for (int i = 0; i < 3; ++i)
        EXPECT_EQ(rs[static_cast<size_t>(i)].timestamp, 1000 + i);
    EXPECT_EQ(read_batch_header(out)->max_timestamp, 1002);
}

// Magic 1 timestamps are any int64; their deltas in the v2 batch wrap as
// Java's longs do and read back exactly.
TEST(legacy_convert, extreme_timestamps_round_trip) {
    const int64_t extremes[] = {-4395501141685698560, 6557242757451442176, INT64_MIN, INT64_MAX, -1};
    bytes set;
    for (int64_t ts : extremes)
        set = concat({set, legacy_message({.key = "k", .value = "v", .magic = 1, .timestamp = ts})});
    bytes out;
    ASSERT_EQ(convert_legacy_message_set(set, {}, out), error_code::none);
    auto rs = records_of(out);
    ASSERT_EQ(rs.size(), std::size(extremes));
    for (size_t i = 0; i < rs.size(); ++i)
        EXPECT_EQ(rs[i].timestamp, extremes[i]) << i;
}

TEST(legacy_convert, compression_follows_the_topic) {
    bytes set = wrapper_of(compression::gzip, compressed(compression::gzip, three_messages(0)), 0);
    struct {
        std::optional<compression> target;
        compression want;
    } cases[] = {{std::nullopt, compression::gzip},  // "producer"
                 {compression::none, compression::none},
                 {compression::lz4, compression::lz4},
                 {compression::zstd, compression::zstd}};
    for (const auto& c : cases) {
        bytes out;
        ASSERT_EQ(convert_legacy_message_set(set, {.target_codec = c.target}, out), error_code::none);
        EXPECT_EQ(read_batch_header(out)->codec(), c.want);
        EXPECT_EQ(records_of(out).size(), 3u);
    }
    bytes out;
    ASSERT_EQ(convert_legacy_message_set(three_messages(1), {.target_codec = compression::snappy}, out),
              error_code::none);
    EXPECT_EQ(read_batch_header(out)->codec(), compression::snappy);
}

TEST(legacy_convert, compacted_topic_refuses_a_keyless_message) {
    bytes out;
    EXPECT_EQ(convert_legacy_message_set(three_messages(0), {.require_keys = true}, out), error_code::invalid_record);
    bytes keyed = legacy_message({.key = "k", .value = "v"});
    EXPECT_EQ(convert_legacy_message_set(keyed, {.require_keys = true}, out), error_code::none);
}

// Kafka's validateTimestamp: a producer may not declare LogAppendTime,
// except on a CreateTime topic for a real timestamp.
TEST(legacy_convert, producer_declared_log_append_time) {
    bytes out;
    bytes stamped = legacy_message({.key = "k", .value = "v", .magic = 1, .attributes = 0x8, .timestamp = 77});
    EXPECT_EQ(convert_legacy_message_set(stamped, {}, out), error_code::none);
    EXPECT_EQ(convert_legacy_message_set(stamped, {.log_append_time = true}, out), error_code::invalid_timestamp);
    bytes unstamped = legacy_message({.key = "k", .value = "v", .magic = 1, .attributes = 0x8, .timestamp = -1});
    EXPECT_EQ(convert_legacy_message_set(unstamped, {}, out), error_code::invalid_timestamp);
    // Magic 0 has no timestamp type: the bit means nothing.
    bytes magic0 = legacy_message({.key = "k", .value = "v", .attributes = 0x8});
    EXPECT_EQ(convert_legacy_message_set(magic0, {.log_append_time = true}, out), error_code::none);
    // Timestamp errors win over key errors, as Kafka reports them.
    bytes both = concat({legacy_message({.value = "v", .magic = 1, .timestamp = 3}), unstamped});
    EXPECT_EQ(convert_legacy_message_set(both, {.require_keys = true}, out), error_code::invalid_timestamp);
}

// The converted batch is checked against max.message.bytes too: a v2
// header is larger than one legacy message's overhead.
TEST(legacy_convert, converted_batch_above_max_message_bytes) {
    bytes m = legacy_message({.key = "k", .value = std::string(100, 'x')});
    bytes out;
    const auto fits = static_cast<int32_t>(m.size());
    EXPECT_EQ(convert_legacy_message_set(m, {.max_message_bytes = fits}, out), error_code::message_too_large);
    EXPECT_EQ(convert_legacy_message_set(m, {.max_message_bytes = fits + 100}, out), error_code::none);
}

TEST(legacy_convert, reader_errors_come_through) {
    bytes out;
    EXPECT_EQ(convert_legacy_message_set(legacy_message({.value = "v", .crc = 9}), {}, out),
              error_code::corrupt_message);
}

}  // namespace
}  // namespace sluice::protocol
