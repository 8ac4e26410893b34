// Varint decoding: the inline one- and two-byte paths and the general one
// must agree on every length, at the end of the buffer and when truncated.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "protocol/wire.h"

namespace sluice::protocol {
namespace {

bytes encode_varlong(int64_t v) {
    writer w;
    w.write_varlong(v);
    return w.buffer();
}

TEST(varint, round_trips_every_length_at_the_end_of_the_buffer) {
    const std::vector<int64_t> values = {0,
                                         -1,
                                         1,
                                         63,
                                         -64,
                                         64,
                                         -65,
                                         8191,
                                         -8192,
                                         8192,
                                         1 << 20,
                                         -(1 << 20),
                                         INT32_MAX,
                                         INT32_MIN,
                                         INT64_MAX,
                                         INT64_MIN,
                                         int64_t{1} << 40};
    for (int64_t v : values) {
        bytes b = encode_varlong(v);
        reader alone(b);
        EXPECT_EQ(alone.read_varlong(), v) << v;
        EXPECT_TRUE(alone.ok() && alone.at_end()) << v;
        if (v >= INT32_MIN && v <= INT32_MAX) {
            reader as32(b);
            EXPECT_EQ(as32.read_varint(), v) << v;
            EXPECT_TRUE(as32.ok() && as32.at_end()) << v;
        }
        // Followed by another value: each read stops at its own end.
        bytes two = b;
        two.push_back(0x02);  // zigzag 1
        reader r(two);
        EXPECT_EQ(r.read_varlong(), v) << v;
        EXPECT_EQ(r.read_varlong(), 1);
        EXPECT_TRUE(r.ok() && r.at_end());
    }
}

TEST(varint, truncated_varint_fails_instead_of_reading_past_the_end) {
    for (int64_t v : {int64_t{64}, int64_t{8192}, int64_t{1} << 40}) {
        bytes b = encode_varlong(v);
        for (size_t cut = 0; cut < b.size(); ++cut) {
            reader r(bytes_view(b.data(), cut));
            (void)r.read_varlong();
            EXPECT_FALSE(r.ok()) << v << " cut at " << cut;
            reader r32(bytes_view(b.data(), cut));
            (void)r32.read_varint();
            EXPECT_FALSE(r32.ok()) << v << " cut at " << cut;
        }
    }
}

TEST(varint, non_canonical_two_byte_zero_is_zero) {
    const uint8_t raw[] = {0x80, 0x00};
    reader r(bytes_view(raw, sizeof raw));
    EXPECT_EQ(r.read_varint(), 0);
    EXPECT_TRUE(r.ok() && r.at_end());
}

TEST(varint, varint_over_32_bits_fails) {
    bytes b = encode_varlong(int64_t{1} << 40);
    reader r(b);
    (void)r.read_varint();
    EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace sluice::protocol
