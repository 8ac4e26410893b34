// Record batches v2 from arbitrary bytes: validation as a produce request
// sees it, record decoding and visiting as the cleaner, the internal topics
// and tools see them, with every codec; and the codecs on their own.
//
// Input: one control byte, then the data.
//   control & 0x80   codec mode: decompress(control & 7, data) must not
//                    crash; for a real codec (1-4), data compressed with it
//                    must decompress to itself with the bound set to its
//                    exact size, and be refused with a bound one byte short.
//   otherwise        batch mode: data is one batch. Bit 0 patches its
//                    batch_length and bit 1 its CRC to match, so mutations
//                    get past those checks to the records and the codecs.
//
// Checks in batch mode: nothing crashes; a batch that validates has a good
// CRC and decodes; decode_records and visit_records agree on the verdict
// and the records; a valid batch rebuilt with build_batch from its decoded
// records decodes to the same records.
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "protocol/compression.h"
#include "protocol/crc32c.h"
#include "protocol/record_batch.h"

namespace {

using namespace sluice::protocol;

void store_be32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v >> 24);
    p[1] = static_cast<uint8_t>(v >> 16);
    p[2] = static_cast<uint8_t>(v >> 8);
    p[3] = static_cast<uint8_t>(v);
}

void fuzz_codec(uint8_t control, bytes_view data) {
    const auto codec = static_cast<compression>(control & 7);
    bytes out;
    (void)decompress(codec, data, out, size_t{1} << 20);

    if (codec != compression::none && codec <= compression::zstd) {
        bytes packed;
        SLUICE_FUZZ_CHECK(compress(codec, data, packed) == error_code::none, "compress succeeds");
        bytes unpacked;
        SLUICE_FUZZ_CHECK(decompress(codec, packed, unpacked, data.size()) == error_code::none,
                          "decompress(compress(x)) within a bound of |x|");
        SLUICE_FUZZ_CHECK(unpacked == bytes(data.begin(), data.end()), "decompress(compress(x)) == x");
        if (!data.empty()) {
            SLUICE_FUZZ_CHECK(decompress(codec, packed, unpacked, data.size() - 1) == error_code::message_too_large,
                              "a bound one byte short is refused");
        }
    }
}

bool same_records(const std::vector<record>& a, const std::vector<record>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        if (a[i].offset != b[i].offset || a[i].timestamp != b[i].timestamp || a[i].key != b[i].key ||
            a[i].value != b[i].value || a[i].headers != b[i].headers) {
            return false;
        }
    }
    return true;
}

// build_batch takes offsets and timestamps relative to the first record; it
// is only asked to rebuild batches whose deltas it can express.
bool rebuildable(const batch_header& h, const std::vector<record>& records) {
    if (records.empty()) return false;
    for (const auto& r : records) {
        int64_t delta = 0;
        if (__builtin_sub_overflow(r.offset, h.base_offset, &delta) || delta < 0 ||
            delta > std::numeric_limits<int32_t>::max()) {
            return false;
        }
        if (__builtin_sub_overflow(r.timestamp, records.front().timestamp, &delta)) return false;
    }
    return true;
}

void fuzz_batch(uint8_t control, bytes_view data) {
    bytes batch(data.begin(), data.end());
    if ((control & 1) && batch.size() >= batch_log_overhead) {
        store_be32(batch.data() + 8, static_cast<uint32_t>(batch.size() - batch_log_overhead));
    }
    if ((control & 2) && batch.size() >= 21) {
        store_be32(batch.data() + 17, crc32c(batch.data() + 21, batch.size() - 21));
    }

    auto header = read_batch_header(batch);
    error_code crc = check_batch_crc(batch);
    error_code valid = validate_batch(batch);
    std::vector<record> decoded;
    error_code decode = decode_records(batch, decoded);
    std::vector<record> visited;
    error_code visit = for_each_record(batch, [&](const record_view& v) {
        record& r = visited.emplace_back();
        r.offset = v.offset;
        r.timestamp = v.timestamp;
        if (v.key) r.key = bytes(v.key->begin(), v.key->end());
        if (v.value) r.value = bytes(v.value->begin(), v.value->end());
        (void)v.encoded.size();
    });

    SLUICE_FUZZ_CHECK(decode == visit, "decode_records and visit_records agree on the verdict");
    if (decode != error_code::none) {
        SLUICE_FUZZ_CHECK(decoded.empty(), "a failed decode leaves the output as it was");
    }
    if (valid != error_code::none) return;

    SLUICE_FUZZ_CHECK(header.has_value(), "a valid batch has a header");
    SLUICE_FUZZ_CHECK(crc == error_code::none, "a valid batch has a good CRC");
    SLUICE_FUZZ_CHECK(decode == error_code::none, "a valid batch decodes");
    SLUICE_FUZZ_CHECK(decoded.size() == static_cast<size_t>(header->record_count), "every record decodes");
    SLUICE_FUZZ_CHECK(visited.size() == decoded.size(), "visit sees every record");
    for (size_t i = 0; i < decoded.size(); ++i) {
        SLUICE_FUZZ_CHECK(visited[i].offset == decoded[i].offset && visited[i].timestamp == decoded[i].timestamp &&
                              visited[i].key == decoded[i].key && visited[i].value == decoded[i].value,
                          "visit and decode see the same records");
    }

    if (!rebuildable(*header, decoded)) return;
    batch_builder_options options;
    options.base_offset = header->base_offset;
    options.codec = header->codec();
    options.producer_id = header->producer_id;
    options.producer_epoch = header->producer_epoch;
    options.base_sequence = header->base_sequence;
    options.transactional = header->is_transactional();
    options.control = header->is_control();
    options.log_append_time = header->log_append_time();
    options.partition_leader_epoch = header->partition_leader_epoch;
    options.last_offset_delta = header->last_offset_delta;
    bytes rebuilt = build_batch(decoded, options);
    SLUICE_FUZZ_CHECK(validate_batch(rebuilt) == error_code::none, "a rebuilt valid batch validates");
    std::vector<record> again;
    SLUICE_FUZZ_CHECK(decode_records(rebuilt, again) == error_code::none, "a rebuilt batch decodes");
    SLUICE_FUZZ_CHECK(same_records(decoded, again), "a rebuilt batch holds the same records");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    bytes_view rest(data + 1, size - 1);
    if (data[0] & 0x80) {
        fuzz_codec(data[0], rest);
    } else {
        fuzz_batch(data[0], rest);
    }
    return 0;
}
