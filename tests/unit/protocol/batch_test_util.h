#pragma once
// Helpers for the record batch tests: sample records and hand-made batches
// whose records section says exactly what a test wants it to say.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "protocol/crc32c.h"
#include "protocol/record_batch.h"

namespace sluice::protocol::test_util {

inline bytes to_bytes(std::string_view s) { return bytes(s.begin(), s.end()); }

inline std::vector<record> sample_records(int64_t base_offset) {
    std::vector<record> rs;
    for (int i = 0; i < 6; ++i) {
        record r;
        r.offset = base_offset + i;
        r.timestamp = 1700000000000 + (i % 3 == 0 ? -i : i * 10);  // not monotonic
        if (i != 1) r.key = to_bytes("key-" + std::to_string(i));
        if (i != 2) r.value = to_bytes(std::string(static_cast<size_t>(i) * 50, static_cast<char>('a' + i)));
        if (i == 3) r.value = bytes{};  // empty, not null
        if (i % 2 == 0) {
            r.headers.emplace_back("trace", to_bytes("abc"));
            r.headers.emplace_back("null-valued", std::nullopt);
            r.headers.emplace_back("", bytes{});
        }
        rs.push_back(std::move(r));
    }
    return rs;
}

inline void expect_same(const std::vector<record>& a, const std::vector<record>& b) {
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].offset, b[i].offset) << i;
        EXPECT_EQ(a[i].timestamp, b[i].timestamp) << i;
        EXPECT_EQ(a[i].key, b[i].key) << i;
        EXPECT_EQ(a[i].value, b[i].value) << i;
        EXPECT_EQ(a[i].headers, b[i].headers) << i;
    }
}

inline uint32_t load_be32(const uint8_t* p) { return (uint32_t{p[0]} << 24) | (p[1] << 16) | (p[2] << 8) | p[3]; }

inline void store_be32(uint8_t* p, uint32_t v) {
    p[0] = uint8_t(v >> 24);
    p[1] = uint8_t(v >> 16);
    p[2] = uint8_t(v >> 8);
    p[3] = uint8_t(v);
}

// Makes batch_length and the CRC agree with the bytes again, so a test can
// reach the record-level checks behind them.
inline void reseal(bytes& b) {
    store_be32(b.data() + 8, static_cast<uint32_t>(b.size() - 12));
    store_be32(b.data() + 17, crc32c(b.data() + 21, b.size() - 21));
}

// A batch around a hand-written records section.
inline bytes raw_batch(const bytes& records, int32_t count, int32_t last_offset_delta, int16_t attributes = 0) {
    writer w;
    w.write_int64(0);
    w.write_int32(0);
    w.write_int32(-1);
    w.write_int8(2);
    w.write_uint32(0);
    w.write_int16(attributes);
    w.write_int32(last_offset_delta);
    w.write_int64(1000);
    w.write_int64(1000);
    w.write_int64(-1);
    w.write_int16(-1);
    w.write_int32(-1);
    w.write_int32(count);
    w.write_raw(records);
    bytes b = w.buffer();
    reseal(b);
    return b;
}

// One record body written field by field; `length_adjust` makes the length
// varint lie.
inline bytes raw_record(int32_t offset_delta, int32_t key_length, int32_t value_length, int32_t header_count,
                 int length_adjust = 0, const bytes& tail = {}) {
    writer body;
    body.write_int8(0);
    body.write_varlong(0);
    body.write_varint(offset_delta);
    body.write_varint(key_length);
    if (key_length > 0) body.write_raw(bytes(static_cast<size_t>(key_length), 'k'));
    body.write_varint(value_length);
    if (value_length > 0) body.write_raw(bytes(static_cast<size_t>(value_length), 'v'));
    body.write_varint(header_count);
    body.write_raw(tail);
    writer w;
    w.write_varint(static_cast<int32_t>(body.buffer().size()) + length_adjust);
    w.write_raw(body.buffer());
    return w.buffer();
}

inline bytes concat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

}  // namespace sluice::protocol::test_util
