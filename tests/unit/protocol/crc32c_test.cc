#include "protocol/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace sluice::protocol {
namespace {

uint32_t crc_of(const std::string& s) { return crc32c(s.data(), s.size()); }

TEST(crc32c, check_value) { EXPECT_EQ(crc_of("123456789"), 0xE3069283u); }

TEST(crc32c, empty_is_zero) { EXPECT_EQ(crc32c(nullptr, 0), 0u); }

// RFC 3720 (iSCSI) appendix B.4 test vectors.
TEST(crc32c, rfc3720_vectors) {
    uint8_t buf[32];
    std::memset(buf, 0, sizeof buf);
    EXPECT_EQ(crc32c(buf, sizeof buf), 0x8A9136AAu);
    std::memset(buf, 0xff, sizeof buf);
    EXPECT_EQ(crc32c(buf, sizeof buf), 0x62A8AB43u);
    for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(i);
    EXPECT_EQ(crc32c(buf, sizeof buf), 0x46DD794Eu);
    for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(31 - i);
    EXPECT_EQ(crc32c(buf, sizeof buf), 0x113FDB5Cu);
}

TEST(crc32c, portable_matches_known_vector) {
    std::string s = "123456789";
    EXPECT_EQ(detail::crc32c_portable(s.data(), s.size(), 0), 0xE3069283u);
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<uint8_t> v(n);
    for (auto& b : v) b = static_cast<uint8_t>(rng());
    return v;
}

TEST(crc32c, hardware_matches_portable) {
    if (!detail::crc32c_hw_available()) GTEST_SKIP() << "no SSE4.2";
    auto data = random_bytes(200000, 1);
    std::mt19937 rng(2);
    // Every small length and alignment, then lengths that cross the 3-way
    // block sizes (768 and 24576 bytes) at odd offsets.
    for (size_t offset = 0; offset < 8; ++offset) {
        for (size_t n = 0; n < 1100; ++n) {
            ASSERT_EQ(detail::crc32c_sse42(data.data() + offset, n, 0),
                      detail::crc32c_portable(data.data() + offset, n, 0))
                << "offset " << offset << " size " << n;
        }
    }
    for (int i = 0; i < 300; ++i) {
        size_t offset = rng() % 64;
        size_t n = rng() % (data.size() - offset);
        uint32_t seed = rng();
        ASSERT_EQ(detail::crc32c_sse42(data.data() + offset, n, seed),
                  detail::crc32c_portable(data.data() + offset, n, seed))
            << "offset " << offset << " size " << n;
    }
}

TEST(crc32c, extend_equals_whole) {
    auto data = random_bytes(100000, 3);
    uint32_t whole = crc32c(data.data(), data.size());
    for (size_t split : {size_t{0}, size_t{1}, size_t{7}, size_t{777}, size_t{50000}, data.size()}) {
        uint32_t first = crc32c(data.data(), split);
        EXPECT_EQ(crc32c(data.data() + split, data.size() - split, first), whole) << split;
    }
}

TEST(crc32c, combine_equals_whole) {
    auto data = random_bytes(70000, 4);
    uint32_t whole = crc32c(data.data(), data.size());
    for (size_t split : {size_t{0}, size_t{1}, size_t{22}, size_t{4096}, size_t{69999}, data.size()}) {
        uint32_t a = crc32c(data.data(), split);
        uint32_t b = crc32c(data.data() + split, data.size() - split);
        EXPECT_EQ(crc32c_combine(a, b, data.size() - split), whole) << split;
    }
}

}  // namespace
}  // namespace sluice::protocol
