#include "protocol/uuid_text.h"

#include <sys/random.h>

#include <random>

namespace sluice::protocol {

namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int decode_char(char c) {
    auto pos = alphabet.find(c);
    return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

void fill_random(std::array<uint8_t, 16>& out) {
    size_t done = 0;
    while (done < out.size()) {
        ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
        if (n <= 0) break;
        done += static_cast<size_t>(n);
    }
    if (done < out.size()) {
        // getrandom unavailable (old kernel, seccomp): std::random_device is
        // the portable source of the same entropy.
        std::random_device rd;
        for (auto& b : out) b = static_cast<uint8_t>(rd());
    }
}

}  // namespace

uuid random_uuid() {
    uuid metadata_topic_id;
    metadata_topic_id.value[15] = 1;
    for (;;) {
        uuid id;
        fill_random(id.value);
        id.value[6] = static_cast<uint8_t>((id.value[6] & 0x0f) | 0x40);  // version 4
        id.value[8] = static_cast<uint8_t>((id.value[8] & 0x3f) | 0x80);  // IETF variant
        if (id.is_zero() || id == metadata_topic_id || to_base64url(id).front() == '-') continue;
        return id;
    }
}

std::string to_base64url(const uuid& id) {
    std::string out;
    out.reserve(22);
    const auto& v = id.value;
    size_t i = 0;
    for (; i + 3 <= v.size(); i += 3) {
        uint32_t n = (uint32_t{v[i]} << 16) | (uint32_t{v[i + 1]} << 8) | v[i + 2];
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    // 16 = 5*3 + 1: one byte left, two characters, no padding.
    uint32_t n = uint32_t{v[i]} << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    return out;
}

std::optional<uuid> uuid_from_base64url(std::string_view text) {
    if (text.size() != 22) return std::nullopt;
    uuid id;
    size_t out = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        int d = decode_char(c);
        if (d < 0) return std::nullopt;
        acc = (acc << 6) | static_cast<uint32_t>(d);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (out < 16) id.value[out++] = static_cast<uint8_t>((acc >> bits) & 0xff);
        }
    }
    // The last character carries 4 unused bits, which must be zero for the
    // text to be canonical.
    if ((acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return id;
}

}  // namespace sluice::protocol
