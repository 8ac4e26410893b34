#include "protocol/murmur2.h"

namespace sluice::protocol {

uint32_t murmur2(const uint8_t* data, size_t size) {
    // Kafka's Utils.murmur2, byte for byte (little-endian words, unsigned shifts).
    const uint32_t m = 0x5bd1e995;
    const int r = 24;
    uint32_t h = 0x9747b28c ^ static_cast<uint32_t>(size);
    size_t quads = size / 4;
    for (size_t i = 0; i < quads; ++i) {
        const uint8_t* p = data + i * 4;
        uint32_t k = static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
                     (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
        k *= m;
        k ^= k >> r;
        k *= m;
        h *= m;
        h ^= k;
    }
    const uint8_t* tail = data + quads * 4;
    switch (size % 4) {
        case 3:
            h ^= static_cast<uint32_t>(tail[2]) << 16;
            [[fallthrough]];
        case 2:
            h ^= static_cast<uint32_t>(tail[1]) << 8;
            [[fallthrough]];
        case 1:
            h ^= tail[0];
            h *= m;
            break;
        default:
            break;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return h;
}

int32_t partition_for_key(std::span<const uint8_t> key, int32_t partition_count) {
    const uint32_t h = murmur2(key.data(), key.size()) & 0x7fffffffU;
    return static_cast<int32_t>(h % static_cast<uint32_t>(partition_count));
}

}  // namespace sluice::protocol
