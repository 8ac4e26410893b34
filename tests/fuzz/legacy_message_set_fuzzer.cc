// Legacy (magic 0/1) message sets from arbitrary bytes, as Produce v0-v2
// delivers them: read_legacy_message_set and convert_legacy_message_set.
//
// Input: one control byte, then the data.
//   control & 0x80   wrapper mode: data is an inner message set, compressed
//                    with codec ((control >> 1) & 3, 0 meaning gzip) into one
//                    wrapper of magic (control >> 3) & 1, so mutations reach
//                    the inner reader past the codec
//   otherwise        data is the whole set
//   control & 1      every whole message's CRC (inner ones in wrapper mode)
//                    is patched to match, so mutations get past it
//
// Checks: nothing crashes; a set that converts gives a valid v2 batch whose
// records are the reader's entries, key for key and value for value, and
// the same records whatever codec the topic asks for.
#include <spdlog/spdlog.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "protocol/compression.h"
#include "protocol/legacy_convert.h"
#include "protocol/legacy_message_set.h"
#include "protocol/record_batch.h"

namespace {

using namespace sluice::protocol;

uint32_t load_be32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

void store_be32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

// Rewrites the CRC of every whole message, walking the framing as the reader does.
void patch_crcs(bytes& set) {
    size_t pos = 0;
    while (set.size() - pos >= legacy_log_overhead + 4) {
        auto size = static_cast<int32_t>(load_be32(set.data() + pos + 8));
        if (size < 4 || static_cast<size_t>(size) > set.size() - pos - legacy_log_overhead) return;
        uint8_t* crc_at = set.data() + pos + 12;
        const size_t covered = static_cast<size_t>(size) - 4;
        store_be32(crc_at, static_cast<uint32_t>(crc32(0L, crc_at + 4, static_cast<uInt>(covered))));
        pos += legacy_log_overhead + static_cast<size_t>(size);
    }
}

bytes wrap(const bytes& inner, compression codec, int8_t magic) {
    bytes packed;
    if (compress(codec, inner, packed) != error_code::none) return {};
    writer body;
    body.write_int8(magic);
    body.write_int8(static_cast<int8_t>(codec));
    if (magic == 1) body.write_int64(0);
    body.write_int32(-1);  // no key
    body.write_int32(static_cast<int32_t>(packed.size()));
    body.write_raw(packed);
    writer out;
    out.write_int64(0);
    out.write_int32(static_cast<int32_t>(4 + body.buffer().size()));
    out.write_uint32(static_cast<uint32_t>(crc32(0L, body.buffer().data(), static_cast<uInt>(body.buffer().size()))));
    out.write_raw(body.buffer());
    return std::move(out.buffer());
}

bool same(const std::optional<bytes>& a, const std::optional<bytes_view>& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a || std::equal(a->begin(), a->end(), b->begin(), b->end());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const bool quiet = [] {
        spdlog::set_level(spdlog::level::off);
        return true;
    }();
    (void)quiet;
    if (size == 0) return 0;
    const uint8_t control = data[0];
    bytes set(data + 1, data + size);
    if (control & 1) patch_crcs(set);
    if (control & 0x80) {
        const auto codec = static_cast<compression>(((control >> 1) & 3) == 0 ? 1 : (control >> 1) & 3);
        set = wrap(set, codec, static_cast<int8_t>((control >> 3) & 1));
    }

    legacy_set read;
    const error_code read_error = read_legacy_message_set(set, 1 << 30, read);
    bytes converted;
    const error_code convert_error =
        convert_legacy_message_set(set, {.max_message_bytes = 1 << 30, .target_codec = compression::none}, converted);
    if (read_error != error_code::none) {
        SLUICE_FUZZ_CHECK(convert_error != error_code::none, "the converter refuses what the reader refuses");
        return 0;
    }
    if (convert_error != error_code::none) {
        // Only the producer-declared LogAppendTime rule is the converter's own here.
        SLUICE_FUZZ_CHECK(convert_error == error_code::invalid_timestamp, "the converter adds only timestamp rules");
        return 0;
    }
    SLUICE_FUZZ_CHECK(validate_batch(converted) == error_code::none, "a converted set is a valid batch");
    std::vector<record> records;
    SLUICE_FUZZ_CHECK(decode_records(converted, records) == error_code::none, "a converted batch decodes");
    SLUICE_FUZZ_CHECK(records.size() == read.entries.size(), "one record per message");
    for (size_t i = 0; i < records.size(); ++i) {
        SLUICE_FUZZ_CHECK(records[i].offset == static_cast<int64_t>(i), "offsets 0..n-1");
        SLUICE_FUZZ_CHECK(records[i].timestamp == read.entries[i].timestamp, "timestamps kept");
        SLUICE_FUZZ_CHECK(same(records[i].key, read.entries[i].key), "keys kept");
        SLUICE_FUZZ_CHECK(same(records[i].value, read.entries[i].value), "values kept");
    }
    bytes lz4;
    SLUICE_FUZZ_CHECK(convert_legacy_message_set(set, {.max_message_bytes = 1 << 30, .target_codec = compression::lz4},
                                                 lz4) == error_code::none,
                      "the codec asked for does not change the verdict");
    std::vector<record> again;
    SLUICE_FUZZ_CHECK(decode_records(lz4, again) == error_code::none && again.size() == records.size(),
                      "an lz4 conversion decodes to as many records");
    return 0;
}
