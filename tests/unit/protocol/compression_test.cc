#include "protocol/compression.h"

#include <gtest/gtest.h>
#include <snappy.h>
#include <zstd.h>

#include <algorithm>
#include <random>

#include "unit/protocol/batch_test_util.h"

namespace sluice::protocol {
namespace {
using namespace sluice::protocol::test_util;

constexpr compression all_codecs[] = {compression::none, compression::gzip, compression::snappy, compression::lz4,
                                      compression::zstd};
constexpr compression real_codecs[] = {compression::gzip, compression::snappy, compression::lz4, compression::zstd};

bytes sample(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    bytes v(n);
    for (auto& b : v) b = static_cast<uint8_t>(rng() % 16);
    return v;
}

TEST(compression, round_trip_sizes) {
    for (auto codec : all_codecs) {
        for (size_t n : {size_t{0}, size_t{1}, size_t{100}, size_t{32 * 1024}, size_t{32 * 1024 + 1}, size_t{300000}}) {
            bytes in = sample(n, static_cast<uint32_t>(n));
            bytes packed, out;
            ASSERT_EQ(compress(codec, in, packed), error_code::none);
            ASSERT_EQ(decompress(codec, packed, out, 1 << 20), error_code::none) << int(codec) << " " << n;
            EXPECT_EQ(out, in) << int(codec) << " " << n;
        }
    }
}

TEST(compression, bound_is_exact) {
    bytes in = sample(100000, 1);
    for (auto codec : all_codecs) {
        bytes packed, out;
        ASSERT_EQ(compress(codec, in, packed), error_code::none);
        EXPECT_EQ(decompress(codec, packed, out, in.size()), error_code::none) << int(codec);
        EXPECT_EQ(out, in);
        EXPECT_EQ(decompress(codec, packed, out, in.size() - 1), error_code::message_too_large) << int(codec);
        EXPECT_TRUE(out.empty());
    }
}

// One buffer reused across codecs and sizes, as the produce path reuses its
// scratch: each result is exactly the input, whatever the buffer held
// before, and the bound still holds when the buffer is already larger.
TEST(compression, decompress_into_a_reused_buffer) {
    bytes buffer;
    size_t size = 0;
    for (size_t n : {size_t{300000}, size_t{100}, size_t{0}, size_t{70000}, size_t{1}}) {
        for (auto codec : all_codecs) {
            bytes in = sample(n, static_cast<uint32_t>(n) + 7);
            bytes packed;
            ASSERT_EQ(compress(codec, in, packed), error_code::none);
            ASSERT_EQ(decompress_into(codec, packed, buffer, 1 << 20, size), error_code::none) << int(codec) << " " << n;
            ASSERT_EQ(size, n) << int(codec);
            EXPECT_TRUE(std::equal(in.begin(), in.end(), buffer.begin())) << int(codec) << " " << n;
            EXPECT_GE(buffer.size(), size);
            if (n > 0) {
                EXPECT_EQ(decompress_into(codec, packed, buffer, n - 1, size), error_code::message_too_large)
                    << int(codec) << " " << n;
                EXPECT_EQ(size, 0u);
            }
        }
    }
}

TEST(compression, bomb_stops_at_bound) {
    bytes zeros(8 << 20, 0);
    for (auto codec : real_codecs) {
        bytes packed, out;
        ASSERT_EQ(compress(codec, zeros, packed), error_code::none);
        EXPECT_EQ(decompress(codec, packed, out, 1 << 20), error_code::message_too_large) << int(codec);
        EXPECT_LE(out.capacity(), size_t{4} << 20);
    }
}

TEST(compression, garbage_is_corrupt) {
    std::mt19937 rng(3);
    bytes garbage(1000);
    for (auto& b : garbage) b = static_cast<uint8_t>(rng());
    for (auto codec : real_codecs) {
        bytes out;
        EXPECT_EQ(decompress(codec, garbage, out, 1 << 20), error_code::corrupt_message) << int(codec);
        EXPECT_EQ(decompress(codec, {}, out, 1 << 20), error_code::corrupt_message) << int(codec);
    }
}

TEST(compression, truncated_is_corrupt) {
    bytes in = sample(50000, 4);
    for (auto codec : real_codecs) {
        bytes packed, out;
        ASSERT_EQ(compress(codec, in, packed), error_code::none);
        for (size_t cut : {size_t{1}, size_t{4}, packed.size() / 2}) {
            EXPECT_EQ(decompress(codec, bytes_view(packed).first(packed.size() - cut), out, 1 << 20),
                      error_code::corrupt_message)
                << int(codec) << " cut " << cut;
        }
    }
}

TEST(compression, unknown_codec) {
    bytes out;
    EXPECT_EQ(decompress(static_cast<compression>(5), bytes{1, 2}, out, 100), error_code::unsupported_compression_type);
    EXPECT_EQ(compress(static_cast<compression>(7), bytes{1, 2}, out), error_code::unsupported_compression_type);
}

// ---- snappy framings ----

bytes raw_snappy(const bytes& in) {
    std::string out;
    snappy::Compress(reinterpret_cast<const char*>(in.data()), in.size(), &out);
    return bytes(out.begin(), out.end());
}

// The framing snappy-java writes, built by hand.
bytes xerial_frame(const std::vector<bytes>& chunks) {
    bytes out = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
    for (const auto& c : chunks) {
        bytes packed = raw_snappy(c);
        bytes len(4);
        store_be32(len.data(), static_cast<uint32_t>(packed.size()));
        out.insert(out.end(), len.begin(), len.end());
        out.insert(out.end(), packed.begin(), packed.end());
    }
    return out;
}

TEST(snappy, reads_raw_snappy_as_librdkafka_writes_it) {
    bytes in = sample(70000, 5);
    bytes out;
    ASSERT_EQ(decompress(compression::snappy, raw_snappy(in), out, 1 << 20), error_code::none);
    EXPECT_EQ(out, in);
}

TEST(snappy, reads_xerial_frames) {
    bytes a = sample(32768, 6), b = sample(1000, 7), c = to_bytes("tail");
    bytes out;
    ASSERT_EQ(decompress(compression::snappy, xerial_frame({a, b, c}), out, 1 << 20), error_code::none);
    EXPECT_EQ(out, concat({a, b, c}));
    ASSERT_EQ(decompress(compression::snappy, xerial_frame({}), out, 1 << 20), error_code::none);
    EXPECT_TRUE(out.empty());
}

TEST(snappy, writes_xerial_frames) {
    bytes in = sample(100000, 8);
    bytes packed;
    ASSERT_EQ(compress(compression::snappy, in, packed), error_code::none);
    bytes magic = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
    ASSERT_GE(packed.size(), magic.size());
    EXPECT_TRUE(std::equal(magic.begin(), magic.end(), packed.begin()));
    // First chunk: 32 KiB of input, as snappy-java's default block size.
    uint32_t first = load_be32(packed.data() + 16);
    size_t n = 0;
    ASSERT_TRUE(snappy::GetUncompressedLength(reinterpret_cast<const char*>(packed.data() + 20), first, &n));
    EXPECT_EQ(n, 32768u);
}

TEST(snappy, xerial_chunk_length_lies) {
    bytes frame = xerial_frame({sample(1000, 9)});
    store_be32(frame.data() + 16, load_be32(frame.data() + 16) + 1);
    bytes out;
    EXPECT_EQ(decompress(compression::snappy, frame, out, 1 << 20), error_code::corrupt_message);
}

TEST(snappy, xerial_zero_length_chunk) {
    bytes frame = xerial_frame({});
    frame.insert(frame.end(), {0, 0, 0, 0});
    bytes out;
    EXPECT_EQ(decompress(compression::snappy, frame, out, 1 << 20), error_code::corrupt_message);
}

TEST(snappy, xerial_short_header_and_partial_length) {
    bytes frame = xerial_frame({});
    bytes out;
    EXPECT_EQ(decompress(compression::snappy, bytes_view(frame).first(12), out, 1 << 20), error_code::corrupt_message);
    frame.insert(frame.end(), {0, 0});
    EXPECT_EQ(decompress(compression::snappy, frame, out, 1 << 20), error_code::corrupt_message);
}

TEST(snappy, xerial_bound_across_chunks) {
    bytes frame = xerial_frame({sample(600, 1), sample(600, 2)});
    bytes out;
    EXPECT_EQ(decompress(compression::snappy, frame, out, 1000), error_code::message_too_large);
    EXPECT_EQ(decompress(compression::snappy, frame, out, 1200), error_code::none);
}

TEST(snappy, xerial_batch_validates) {
    bytes recs = concat({raw_record(0, 3, 3, 0), raw_record(1, -1, 10, 0)});
    bytes frame = xerial_frame({bytes(recs.begin(), recs.begin() + 5), bytes(recs.begin() + 5, recs.end())});
    bytes batch = raw_batch(frame, 2, 1, static_cast<int16_t>(compression::snappy));
    EXPECT_EQ(validate_batch(batch), error_code::none);
    std::vector<record> out;
    ASSERT_EQ(decode_records(batch, out), error_code::none);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_FALSE(out[1].key);
    EXPECT_EQ(out[1].value, bytes(10, 'v'));
}

// ---- gzip, lz4, zstd specifics ----

TEST(gzip, concatenated_members) {
    bytes a = sample(1000, 10), b = sample(2000, 11);
    bytes pa, pb, out;
    ASSERT_EQ(compress(compression::gzip, a, pa), error_code::none);
    ASSERT_EQ(compress(compression::gzip, b, pb), error_code::none);
    EXPECT_EQ(pa[0], 0x1f);
    EXPECT_EQ(pa[1], 0x8b);
    ASSERT_EQ(decompress(compression::gzip, concat({pa, pb}), out, 1 << 20), error_code::none);
    EXPECT_EQ(out, concat({a, b}));
}

TEST(gzip, trailing_garbage_is_corrupt) {
    bytes packed, out;
    ASSERT_EQ(compress(compression::gzip, sample(100, 12), packed), error_code::none);
    packed.insert(packed.end(), {1, 2, 3});
    EXPECT_EQ(decompress(compression::gzip, packed, out, 1 << 20), error_code::corrupt_message);
}

TEST(lz4, frame_has_independent_64k_blocks) {
    bytes packed;
    ASSERT_EQ(compress(compression::lz4, sample(1000, 13), packed), error_code::none);
    ASSERT_GE(packed.size(), 7u);
    EXPECT_EQ(load_be32(packed.data()), 0x04224D18u);  // 0x184D2204 little-endian
    EXPECT_NE(packed[4] & 0x20, 0);                      // FLG: block independence
    EXPECT_EQ(packed[4] & 0x08, 0);                      // FLG: no content size
    EXPECT_EQ((packed[5] >> 4) & 0x7, 4);                // BD: 64 KiB blocks
}

TEST(zstd, frame_without_content_size) {
    bytes in = sample(200000, 14);
    ZSTD_CCtx* cctx = ZSTD_createCCtx();
    ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
    bytes packed(ZSTD_compressBound(in.size()));
    ZSTD_inBuffer src{in.data(), in.size(), 0};
    ZSTD_outBuffer dst{packed.data(), packed.size(), 0};
    ASSERT_EQ(ZSTD_compressStream2(cctx, &dst, &src, ZSTD_e_end), 0u);
    ZSTD_freeCCtx(cctx);
    packed.resize(dst.pos);
    ASSERT_EQ(ZSTD_getFrameContentSize(packed.data(), packed.size()), ZSTD_CONTENTSIZE_UNKNOWN);
    bytes out;
    ASSERT_EQ(decompress(compression::zstd, packed, out, 1 << 20), error_code::none);
    EXPECT_EQ(out, in);
    EXPECT_EQ(decompress(compression::zstd, packed, out, 100000), error_code::message_too_large);
}

TEST(zstd, lying_content_size_does_not_preallocate) {
    bytes in = sample(1000, 15);
    bytes packed, out;
    ASSERT_EQ(compress(compression::zstd, in, packed), error_code::none);
    ASSERT_EQ(decompress(compression::zstd, packed, out, 1 << 20), error_code::none);
    EXPECT_LT(out.capacity(), size_t{1} << 20);
}

}  // namespace
}  // namespace sluice::protocol
