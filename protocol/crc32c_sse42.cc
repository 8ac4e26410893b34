// Compiled with -msse4.2; reached only through the run-time CPU check in
// crc32c.cc, so nothing here may be inlined into code that runs without it.
#include "protocol/crc32c.h"

#include <array>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <nmmintrin.h>
#endif

namespace sluice::protocol::detail {

#if defined(__x86_64__)

namespace {

constexpr uint32_t poly = 0x82f63b78;

constexpr uint32_t gf2_multiply(uint32_t a, uint32_t b) {
    uint32_t product = 0;
    for (uint32_t m = 1u << 31; m != 0; m >>= 1) {
        if (a & m) product ^= b;
        b = (b & 1) ? (b >> 1) ^ poly : b >> 1;
    }
    return product;
}

// The crc32 instruction has a latency of 3 cycles and a throughput of 1, so
// three independent streams keep it busy. The streams are joined by shifting
// a register over `n` zero bytes, which is linear: four byte-table lookups.
using shift_table = std::array<std::array<uint32_t, 256>, 4>;

constexpr shift_table make_shift_table(size_t n) {
    uint32_t x8n = 1u << 31;   // x^0
    uint32_t square = 1u << 23;  // x^8, squared for each bit of n
    for (; n != 0; n >>= 1, square = gf2_multiply(square, square)) {
        if (n & 1) x8n = gf2_multiply(x8n, square);
    }
    shift_table t{};
    for (uint32_t k = 0; k < 4; ++k) {
        for (uint32_t b = 0; b < 256; ++b) t[k][b] = gf2_multiply(x8n, b << (8 * k));
    }
    return t;
}

constexpr size_t long_block = 8192;
constexpr size_t short_block = 256;
constexpr shift_table long_shift = make_shift_table(long_block);
constexpr shift_table short_shift = make_shift_table(short_block);

inline uint32_t shift(const shift_table& t, uint32_t c) {
    return t[0][c & 0xff] ^ t[1][(c >> 8) & 0xff] ^ t[2][(c >> 16) & 0xff] ^ t[3][c >> 24];
}

inline uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Consumes as many whole 3*block runs as fit.
inline uint32_t three_way(const shift_table& t, size_t block, const uint8_t*& p, size_t& size,
                          uint32_t c) {
    while (size >= 3 * block) {
        uint64_t c0 = c, c1 = 0, c2 = 0;
        const uint8_t* end = p + block;
        do {
            c0 = _mm_crc32_u64(c0, load64(p));
            c1 = _mm_crc32_u64(c1, load64(p + block));
            c2 = _mm_crc32_u64(c2, load64(p + 2 * block));
            p += 8;
        } while (p < end);
        c = shift(t, static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
        c = shift(t, c) ^ static_cast<uint32_t>(c2);
        p += 2 * block;
        size -= 3 * block;
    }
    return c;
}

}  // namespace

uint32_t crc32c_sse42(const void* data, size_t size, uint32_t crc) {
    const auto* p = static_cast<const uint8_t*>(data);
    uint32_t c = ~crc;
    while (size > 0 && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
        c = _mm_crc32_u8(c, *p++);
        --size;
    }
    c = three_way(long_shift, long_block, p, size, c);
    c = three_way(short_shift, short_block, p, size, c);
    uint64_t c64 = c;
    for (; size >= 8; p += 8, size -= 8) c64 = _mm_crc32_u64(c64, load64(p));
    c = static_cast<uint32_t>(c64);
    while (size-- > 0) c = _mm_crc32_u8(c, *p++);
    return ~c;
}

#else

// No instruction to use on this target; crc32c_hw_available() says false.
uint32_t crc32c_sse42(const void* data, size_t size, uint32_t crc) {
    return crc32c_portable(data, size, crc);
}

#endif

}  // namespace sluice::protocol::detail
