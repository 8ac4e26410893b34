#include "protocol/crc32c.h"

#include <array>
#include <bit>
#include <cstring>

namespace sluice::protocol {

namespace {

// Reflected Castagnoli polynomial; bit 31 stands for x^0.
constexpr uint32_t poly = 0x82f63b78;

// Slicing-by-8: table[k][b] is the CRC register after byte b followed by k
// zero bytes, so eight bytes fold in with eight independent lookups.
constexpr std::array<std::array<uint32_t, 256>, 8> make_tables() {
    std::array<std::array<uint32_t, 256>, 8> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? (c >> 1) ^ poly : c >> 1;
        t[0][i] = c;
    }
    for (size_t k = 1; k < 8; ++k) {
        for (size_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xff];
    }
    return t;
}
constexpr auto tables = make_tables();

// a * b modulo the polynomial, both reflected.
constexpr uint32_t gf2_multiply(uint32_t a, uint32_t b) {
    uint32_t product = 0;
    for (uint32_t m = 1u << 31; m != 0; m >>= 1) {
        if (a & m) product ^= b;
        b = (b & 1) ? (b >> 1) ^ poly : b >> 1;
    }
    return product;
}

// x^(8 * 2^k) mod P: appending 2^k zero bytes multiplies the register by it.
constexpr std::array<uint32_t, 64> make_zero_powers() {
    std::array<uint32_t, 64> p{};
    p[0] = 1u << 23;  // x^8
    for (size_t k = 1; k < p.size(); ++k) p[k] = gf2_multiply(p[k - 1], p[k - 1]);
    return p;
}
constexpr auto zero_powers = make_zero_powers();

uint32_t crc_byte(uint32_t c, uint8_t b) { return tables[0][(c ^ b) & 0xff] ^ (c >> 8); }

}  // namespace

namespace detail {

uint32_t crc32c_portable(const void* data, size_t size, uint32_t crc) {
    const auto* p = static_cast<const uint8_t*>(data);
    uint32_t c = ~crc;
    while (size > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
        c = crc_byte(c, *p++);
        --size;
    }
    for (; size >= 8; p += 8, size -= 8) {
        uint64_t w;
        std::memcpy(&w, p, sizeof w);
        if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
        w ^= c;
        c = tables[7][w & 0xff] ^ tables[6][(w >> 8) & 0xff] ^ tables[5][(w >> 16) & 0xff] ^
            tables[4][(w >> 24) & 0xff] ^ tables[3][(w >> 32) & 0xff] ^ tables[2][(w >> 40) & 0xff] ^
            tables[1][(w >> 48) & 0xff] ^ tables[0][w >> 56];
    }
    while (size-- > 0) c = crc_byte(c, *p++);
    return ~c;
}

bool crc32c_hw_available() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
#else
    return false;
#endif
}

}  // namespace detail

uint32_t crc32c(const void* data, size_t size, uint32_t crc) {
    using impl = uint32_t (*)(const void*, size_t, uint32_t);
    static const impl chosen =
        detail::crc32c_hw_available() ? detail::crc32c_sse42 : detail::crc32c_portable;
    return chosen(data, size, crc);
}

uint32_t crc32c_combine(uint32_t crc_a, uint32_t crc_b, size_t size_b) {
    // The pre/post inversions cancel out, so shifting crc_a by |B| zero bytes
    // and adding crc_b is exact (the same identity zlib's crc32_combine uses).
    uint32_t shift = 1u << 31;  // x^0
    for (size_t k = 0; size_b != 0; ++k, size_b >>= 1) {
        if (size_b & 1) shift = gf2_multiply(shift, zero_powers[k]);
    }
    return gf2_multiply(shift, crc_a) ^ crc_b;
}

}  // namespace sluice::protocol
