#include "replication/etcd/base64.h"

#include <array>
#include <cstdint>

namespace sluice::replication::etcd {

namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> decode_table() {
    std::array<int8_t, 256> t{};
    for (auto& v : t) v = -1;
    for (size_t i = 0; i < alphabet.size(); ++i) t[static_cast<uint8_t>(alphabet[i])] = static_cast<int8_t>(i);
    return t;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        uint32_t n = (uint32_t{static_cast<uint8_t>(bytes[i])} << 16) |
                     (uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8) | static_cast<uint8_t>(bytes[i + 2]);
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += alphabet[(n >> 6) & 63];
        out += alphabet[n & 63];
    }
    size_t rest = bytes.size() - i;
    if (rest > 0) {
        uint32_t n = uint32_t{static_cast<uint8_t>(bytes[i])} << 16;
        if (rest == 2) n |= uint32_t{static_cast<uint8_t>(bytes[i + 1])} << 8;
        out += alphabet[(n >> 18) & 63];
        out += alphabet[(n >> 12) & 63];
        out += rest == 2 ? alphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    static constexpr auto table = decode_table();
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        int pad = 0;
        uint32_t n = 0;
        for (size_t j = 0; j < 4; ++j) {
            char c = text[i + j];
            int v;
            if (c == '=' && i + 4 == text.size() && j >= 2) {
                ++pad;
                v = 0;
            } else {
                if (pad > 0) return std::nullopt;  // data after padding
                v = table[static_cast<uint8_t>(c)];
                if (v < 0) return std::nullopt;
            }
            n = (n << 6) | static_cast<uint32_t>(v);
        }
        out += static_cast<char>((n >> 16) & 0xff);
        if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
        if (pad < 1) out += static_cast<char>(n & 0xff);
    }
    return out;
}

}  // namespace sluice::replication::etcd
