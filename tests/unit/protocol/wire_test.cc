#include "protocol/wire.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>

namespace sluice::protocol {
namespace {

bytes written(const writer& w) { return w.buffer(); }

TEST(wire, fixed_width_is_big_endian) {
    writer w;
    w.write_int16(-2);
    w.write_int32(0x01020304);
    w.write_int64(0x0102030405060708);
    w.write_uint16(0xfffe);
    w.write_uint32(0xdeadbeef);
    EXPECT_EQ(written(w), (bytes{0xff, 0xfe, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xfe, 0xde, 0xad, 0xbe, 0xef}));
    reader r(w.buffer());
    EXPECT_EQ(r.read_int16(), -2);
    EXPECT_EQ(r.read_int32(), 0x01020304);
    EXPECT_EQ(r.read_int64(), 0x0102030405060708);
    EXPECT_EQ(r.read_uint16(), 0xfffe);
    EXPECT_EQ(r.read_uint32(), 0xdeadbeefu);
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.at_end());
}

TEST(wire, float64_and_uuid_round_trip) {
    writer w;
    w.write_float64(-1.5);
    uuid u;
    for (size_t i = 0; i < 16; ++i)
        u.value[i] = static_cast<uint8_t>(i);
    w.write_uuid(u);
    reader r(w.buffer());
    EXPECT_EQ(r.read_float64(), -1.5);
    EXPECT_EQ(r.read_uuid(), u);
    EXPECT_TRUE(r.ok() && r.at_end());
}

TEST(wire, short_read_fails_and_sticks) {
    bytes b = {1, 2, 3};
    reader r(b);
    EXPECT_EQ(r.read_int32(), 0);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.remaining(), 0u);
    EXPECT_EQ(r.read_int8(), 0);
    EXPECT_FALSE(r.ok());
}

TEST(wire, varint_edges) {
    for (int32_t v : {0, 1, -1, 63, -64, 64, INT32_MAX, INT32_MIN}) {
        writer w;
        w.write_varint(v);
        reader r(w.buffer());
        EXPECT_EQ(r.read_varint(), v);
        EXPECT_TRUE(r.ok() && r.at_end()) << v;
    }
    writer w;
    w.write_varint(-1);
    w.write_varint(INT32_MIN);
    EXPECT_EQ(written(w), (bytes{0x01, 0xff, 0xff, 0xff, 0xff, 0x0f}));  // zigzag
}

TEST(wire, varlong_edges) {
    for (int64_t v : {int64_t{0}, int64_t{-1}, int64_t{1} << 40, INT64_MAX, INT64_MIN}) {
        writer w;
        w.write_varlong(v);
        reader r(w.buffer());
        EXPECT_EQ(r.read_varlong(), v);
        EXPECT_TRUE(r.ok() && r.at_end()) << v;
    }
    writer w;
    w.write_varlong(INT64_MIN);
    EXPECT_EQ(w.buffer().size(), 10u);
}

TEST(wire, uvarint_max_is_five_bytes) {
    writer w;
    w.write_uvarint(UINT32_MAX);
    EXPECT_EQ(written(w), (bytes{0xff, 0xff, 0xff, 0xff, 0x0f}));
    reader r(w.buffer());
    EXPECT_EQ(r.read_uvarint(), UINT32_MAX);
    EXPECT_TRUE(r.ok());
}

TEST(wire, uvarint_overflowing_fifth_byte_fails) {
    bytes b = {0xff, 0xff, 0xff, 0xff, 0x1f};
    reader r(b);
    r.read_uvarint();
    EXPECT_FALSE(r.ok());
}

TEST(wire, uvarint_six_bytes_fails) {
    bytes b = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    reader r(b);
    r.read_uvarint();
    EXPECT_FALSE(r.ok());
}

TEST(wire, uvarint_overlong_zero_padding_within_five_bytes) {
    // Non-minimal encodings of small values are accepted, as Kafka does.
    bytes b = {0x81, 0x80, 0x80, 0x00};
    reader r(b);
    EXPECT_EQ(r.read_uvarint(), 1u);
    EXPECT_TRUE(r.ok());
}

TEST(wire, uvarlong_max_is_ten_bytes) {
    writer w;
    w.write_uvarlong(UINT64_MAX);
    ASSERT_EQ(w.buffer().size(), 10u);
    EXPECT_EQ(w.buffer().back(), 0x01);
    reader r(w.buffer());
    EXPECT_EQ(r.read_uvarlong(), UINT64_MAX);
    EXPECT_TRUE(r.ok());
}

TEST(wire, uvarlong_eleven_bytes_fails) {
    bytes b(10, 0x80);
    b.push_back(0x00);
    reader r(b);
    r.read_uvarlong();
    EXPECT_FALSE(r.ok());
}

TEST(wire, truncated_varint_fails) {
    bytes b = {0x80, 0x80};
    reader r(b);
    r.read_varint();
    EXPECT_FALSE(r.ok());
    reader r2(bytes_view{});
    r2.read_varlong();
    EXPECT_FALSE(r2.ok());
}

TEST(wire, uvarint_size_matches_encoding) {
    for (uint64_t v : {uint64_t{0}, uint64_t{127}, uint64_t{128}, uint64_t{16383}, uint64_t{16384},
                       uint64_t{UINT32_MAX}, UINT64_MAX}) {
        writer w;
        w.write_uvarlong(v);
        EXPECT_EQ(uvarint_size(v), w.buffer().size()) << v;
    }
}

TEST(wire, compact_string) {
    writer w;
    w.write_string("abc", true);
    w.write_nullable_string(std::nullopt, true);
    w.write_string("", true);
    EXPECT_EQ(written(w), (bytes{4, 'a', 'b', 'c', 0, 1}));
    reader r(w.buffer());
    EXPECT_EQ(r.read_string(true), "abc");
    EXPECT_EQ(r.read_nullable_string(true), std::nullopt);
    EXPECT_EQ(r.read_nullable_string(true), std::optional<std::string>(""));
    EXPECT_TRUE(r.ok() && r.at_end());
}

TEST(wire, classic_string) {
    writer w;
    w.write_string("hi", false);
    w.write_nullable_string(std::nullopt, false);
    EXPECT_EQ(written(w), (bytes{0, 2, 'h', 'i', 0xff, 0xff}));
    reader r(w.buffer());
    EXPECT_EQ(r.read_string(false), "hi");
    EXPECT_EQ(r.read_nullable_string(false), std::nullopt);
    EXPECT_TRUE(r.ok() && r.at_end());
}

TEST(wire, null_where_string_required_fails) {
    bytes b = {0};
    reader r(b);
    r.read_string(true);
    EXPECT_FALSE(r.ok());
}

TEST(wire, negative_string_length_fails) {
    bytes b = {0xff, 0xfe};  // -2
    reader r(b);
    r.read_nullable_string(false);
    EXPECT_FALSE(r.ok());
}

TEST(wire, string_longer_than_frame_fails) {
    bytes b = {0, 10, 'a'};
    reader r(b);
    r.read_string(false);
    EXPECT_FALSE(r.ok());
    bytes c = {0xff, 0xff, 0xff, 0xff, 0x0f};  // compact length 2^32-2
    reader r2(c);
    r2.read_nullable_string(true);
    EXPECT_FALSE(r2.ok());
}

TEST(wire, nullable_bytes) {
    writer w;
    w.write_nullable_bytes(bytes{1, 2}, true);
    w.write_nullable_bytes(std::nullopt, true);
    w.write_nullable_bytes(bytes{3}, false);
    w.write_nullable_bytes(std::nullopt, false);
    EXPECT_EQ(written(w), (bytes{3, 1, 2, 0, 0, 0, 0, 1, 3, 0xff, 0xff, 0xff, 0xff}));
    reader r(w.buffer());
    EXPECT_EQ(r.read_nullable_bytes(true), (bytes{1, 2}));
    EXPECT_EQ(r.read_nullable_bytes(true), std::nullopt);
    EXPECT_EQ(r.read_bytes(false), (bytes{3}));
    EXPECT_EQ(r.read_nullable_bytes(false), std::nullopt);
    EXPECT_TRUE(r.ok() && r.at_end());
}

TEST(wire, array_length_checked_against_remaining) {
    writer w;
    w.write_array_length(3, false);
    w.write_raw(bytes(12, 0));
    reader ok(w.buffer());
    EXPECT_EQ(ok.read_array_length(false, 4), 3);
    EXPECT_TRUE(ok.ok());
    reader too_big(w.buffer());
    EXPECT_EQ(too_big.read_array_length(false, 5), -1);
    EXPECT_FALSE(too_big.ok());
}

TEST(wire, lying_array_count_fails_without_allocating) {
    writer w;
    w.write_array_length(INT32_MAX, false);
    reader r(w.buffer());
    EXPECT_EQ(r.read_array_length(false, 1), -1);
    EXPECT_FALSE(r.ok());
    writer c;
    c.write_uvarint(UINT32_MAX);  // compact count 2^32-2
    reader rc(c.buffer());
    rc.read_array_length(true, 0);
    EXPECT_FALSE(rc.ok());
}

TEST(wire, null_and_empty_arrays) {
    writer w;
    w.write_array_length(-1, true);
    w.write_array_length(0, true);
    w.write_array_length(-1, false);
    reader r(w.buffer());
    EXPECT_EQ(r.read_array_length(true, 4), -1);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.read_array_length(true, 4), 0);
    EXPECT_EQ(r.read_array_length(false, 4), -1);
    EXPECT_TRUE(r.ok() && r.at_end());
    bytes bad = {0xff, 0xff, 0xff, 0xfe};  // -2
    reader rb(bad);
    rb.read_array_length(false, 1);
    EXPECT_FALSE(rb.ok());
}

TEST(wire, tagged_fields_known_and_unknown) {
    writer w;
    w.write_uvarint(2);
    w.write_uvarint(0);
    w.write_uvarint(4);
    w.write_int32(7);
    w.write_unknown_tags({{9, bytes{1, 2, 3}}});
    reader r(w.buffer());
    unknown_tags unknown;
    int32_t known = 0;
    r.read_tags(unknown, [&](uint32_t tag, reader& sub) {
        if (tag != 0) return false;
        known = sub.read_int32();
        return true;
    });
    EXPECT_TRUE(r.ok() && r.at_end());
    EXPECT_EQ(known, 7);
    ASSERT_EQ(unknown.size(), 1u);
    EXPECT_EQ(unknown[0], (tagged_field{9, bytes{1, 2, 3}}));
}

TEST(wire, tagged_field_size_lies) {
    bytes b = {1, 0, 50, 1};
    reader r(b);
    unknown_tags unknown;
    r.read_tags(unknown, [](uint32_t, reader&) { return false; });
    EXPECT_FALSE(r.ok());
    EXPECT_TRUE(unknown.empty());
}

// Kafka reads a known tagged field by its type and never checks the size
// written before it; a wrong size only matters for what follows.
TEST(wire, known_tagged_field_is_read_by_its_type_not_its_size) {
    auto read_known_int32 = [](const bytes& b, int32_t& known, unknown_tags& unknown) {
        reader r(b);
        r.read_tags(unknown, [&](uint32_t tag, reader& sub) {
            if (tag != 0) return false;
            known = sub.read_int32();
            return true;
        });
        return r;
    };
    {
        // Size says 2, the int32 takes 4: read whole, the next tag follows it.
        bytes b = {2, 0, 2, 0, 0, 0, 7, 9, 1, 0xaa};
        int32_t known = 0;
        unknown_tags unknown;
        reader r = read_known_int32(b, known, unknown);
        EXPECT_TRUE(r.ok() && r.at_end());
        EXPECT_EQ(known, 7);
        ASSERT_EQ(unknown.size(), 1u);
        EXPECT_EQ(unknown[0], (tagged_field{9, bytes{0xaa}}));
    }
    {
        // Size says 5: the extra byte is read as the next field's tag, as in
        // Kafka; here that leaves a tag without its size, a malformed body.
        bytes b = {2, 0, 5, 0, 0, 0, 7, 3};
        int32_t known = 0;
        unknown_tags unknown;
        reader r = read_known_int32(b, known, unknown);
        EXPECT_FALSE(r.ok());
    }
    {
        // A known field that runs past the end is malformed whatever its size says.
        bytes b = {1, 0, 4, 0, 0};
        int32_t known = 0;
        unknown_tags unknown;
        EXPECT_FALSE(read_known_int32(b, known, unknown).ok());
    }
}

TEST(wire, records_field_views_the_frame) {
    writer w;
    w.write_records(records_field::of_bytes(bytes{9, 8, 7}), true);
    w.write_records(records_field{}, true);
    w.write_records(records_field::of_view(bytes_view{}), false);
    EXPECT_EQ(written(w), (bytes{4, 9, 8, 7, 0, 0, 0, 0, 0}));
    reader r(w.buffer());
    records_field a = r.read_records(true);
    ASSERT_FALSE(a.is_null());
    ASSERT_TRUE(a.contiguous());
    EXPECT_EQ(a.contiguous()->data(), w.buffer().data() + 1);  // no copy
    EXPECT_EQ(a.size(), 3u);
    EXPECT_TRUE(r.read_records(true).is_null());
    records_field empty = r.read_records(false);
    EXPECT_FALSE(empty.is_null());
    EXPECT_EQ(empty.size(), 0u);
    EXPECT_TRUE(r.ok() && r.at_end());
}

TEST(wire, records_field_length_lies) {
    bytes b = {0, 0, 0, 9, 1, 2};
    reader r(b);
    EXPECT_TRUE(r.read_records(false).is_null());
    EXPECT_FALSE(r.ok());
}

class temp_file {
public:
    explicit temp_file(const bytes& content) {
        char name[] = "/tmp/sluice_wire_test_XXXXXX";
        fd_ = ::mkstemp(name);
        ::unlink(name);
        if (fd_ >= 0 && ::write(fd_, content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    ~temp_file() {
        if (fd_ >= 0) ::close(fd_);
    }
    int fd() const { return fd_; }

private:
    int fd_ = -1;
};

TEST(wire, flatten_interleaves_file_slices) {
    temp_file file(bytes{'0', '1', '2', '3', '4', '5', '6', '7', '8', '9'});
    ASSERT_GE(file.fd(), 0);
    records_field rf;
    bytes head = {0xaa, 0xbb};
    rf.append_view(head);
    rf.append_file({file.fd(), 2, 3, nullptr});
    rf.append_bytes(bytes{0xcc});
    rf.append_file({file.fd(), 8, 2, nullptr});
    EXPECT_EQ(rf.size(), 8u);
    EXPECT_FALSE(rf.contiguous());

    writer w;
    w.write_int8(1);
    w.write_records(rf, false);
    w.write_int8(2);
    EXPECT_TRUE(w.has_file_slices());
    EXPECT_EQ(w.size(), 1u + 4 + 8 + 1);
    ASSERT_EQ(w.file_slices().size(), 2u);
    EXPECT_EQ(w.file_slices()[0].position, 1u + 4 + 2);
    EXPECT_EQ(w.file_slices()[1].position, 1u + 4 + 3);

    bytes flat;
    ASSERT_TRUE(w.flatten(flat));
    EXPECT_EQ(flat, (bytes{1, 0, 0, 0, 8, 0xaa, 0xbb, '2', '3', '4', 0xcc, '8', '9', 2}));
    bytes copy;
    ASSERT_TRUE(rf.copy_to(copy));
    EXPECT_EQ(copy, (bytes{0xaa, 0xbb, '2', '3', '4', 0xcc, '8', '9'}));
}

TEST(wire, flatten_fails_on_short_file) {
    temp_file file(bytes{'a', 'b'});
    ASSERT_GE(file.fd(), 0);
    records_field rf;
    rf.append_file({file.fd(), 1, 5, nullptr});
    writer w;
    w.write_records(rf, true);
    bytes flat;
    EXPECT_FALSE(w.flatten(flat));
}

}  // namespace
}  // namespace sluice::protocol
