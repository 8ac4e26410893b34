#include "protocol/legacy_lz4.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace sluice::protocol {

namespace {
constexpr size_t flg_at = 4;  // after the 4-byte frame magic number
constexpr uint8_t content_size_flag = 0x08;
constexpr uint8_t dict_id_flag = 0x01;
}  // namespace

void fix_kafka_v0_lz4_header_checksum(bytes& frame) {
    if (frame.size() <= flg_at) return;
    const uint8_t flg = frame[flg_at];
    // FLG and BD, then the optional content size and dictionary id.
    const size_t descriptor = 2 + ((flg & content_size_flag) ? 8 : 0) + ((flg & dict_id_flag) ? 4 : 0);
    const size_t hc_at = flg_at + descriptor;
    if (frame.size() <= hc_at) return;
    frame[hc_at] = static_cast<uint8_t>((XXH32(frame.data() + flg_at, descriptor, 0) >> 8) & 0xFF);
}

}  // namespace sluice::protocol
