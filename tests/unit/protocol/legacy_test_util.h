#pragma once
// Hand-made legacy (magic 0/1) messages for the reader and converter tests:
// every field is the test's to choose, the CRC is right unless told.
#include <zlib.h>

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/record_batch.h"
#include "protocol/wire.h"

namespace sluice::protocol::test_util {

struct legacy_message_spec {
    std::optional<std::string> key{};
    std::optional<std::string> value{};
    int8_t magic = 0;
    uint8_t attributes = 0;
    int64_t timestamp = -1;  // written for magic 1 only
    int64_t offset = 0;
    std::optional<uint32_t> crc{};  // the right one when unset
};

inline uint32_t legacy_crc(bytes_view from_magic) {
    return static_cast<uint32_t>(::crc32(0L, from_magic.data(), static_cast<uInt>(from_magic.size())));
}

inline bytes legacy_message(const legacy_message_spec& m) {
    writer body;
    body.write_int8(m.magic);
    body.write_int8(static_cast<int8_t>(m.attributes));
    if (m.magic == 1) body.write_int64(m.timestamp);
    for (const auto* field : {&m.key, &m.value}) {
        if (!*field) {
            body.write_int32(-1);
        } else {
            body.write_int32(static_cast<int32_t>((*field)->size()));
            body.write_raw(bytes_view(reinterpret_cast<const uint8_t*>((*field)->data()), (*field)->size()));
        }
    }
    writer out;
    out.write_int64(m.offset);
    out.write_int32(static_cast<int32_t>(4 + body.buffer().size()));
    out.write_uint32(m.crc.value_or(legacy_crc(body.buffer())));
    out.write_raw(body.buffer());
    return std::move(out.buffer());
}

inline bytes concat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

inline std::string as_string(bytes_view b) { return std::string(b.begin(), b.end()); }

}  // namespace sluice::protocol::test_util
